"""The fact first: short spans copied verbatim from the quoted units, or nothing."""

from __future__ import annotations

import pytest

from bot.format import answer_html, answer_plain
from core.settings import Settings
from eval.gold import load_gold, normalize
from hoidap.answer import AnswerService
from hoidap.facts import DirectFact, direct_fact
from index.query import analyse
from index.search import Searcher
from tests.conftest import shared_embedder

TARGETS = ("a) Đến năm 2025 đạt trên 85% và đến năm 2030 đạt trên 95% cán bộ, công chức, viên chức thực hiện "
           "công tác cải cách hành chính được cung cấp kiến thức, kỹ năng cần thiết;")
PAPERS = ("100% văn bản trao đổi giữa các cơ quan nhà nước được thực hiện dưới dạng điện tử, 80% hồ sơ công việc tại "
          "tỉnh, 70% hồ sơ công việc tại cấp huyện và 40% hồ sơ công việc tại cấp xã được xử lý trên môi trường điện tử.")
ROW = ("Nhiệm vụ cụ thể 3.21: Đẩy mạnh đầu tư theo hình thức đối tác công tư (PPP); Sản phẩm: Kế hoạch; "
       "Cơ quan chủ trì: Sở Kế hoạch và Đầu tư; Cơ quan phối hợp: Sở Tài chính, Sở Xây dựng; "
       "Thời gian hoàn thành: Quý II/2022; Kinh phí: Kinh phí chi thường xuyên")


def fact(question: str, *units: str, quotes: list[str] | None = None) -> DirectFact | None:
    query = analyse(question)
    given = [(q, u) for u in units for q in (quotes or [u]) if q in u]
    return direct_fact(list(query.kinds), query, given)


def check_verbatim(found: DirectFact, *units: str) -> None:
    unit = units[found.unit] if len(units) > found.unit else units[0]
    assert unit[found.start:found.start + len(found.text)] == found.text
    assert found.piece in unit and found.text in found.piece


def test_a_share_with_its_qualifier_for_the_year_asked() -> None:
    assert fact("Bình Định đến năm 2025 bao nhiêu % CBCCVC được cung cấp kiến thức", TARGETS).text == "trên 85%"
    assert fact("đến năm 2030 tỷ lệ cán bộ được cung cấp kiến thức kỹ năng là bao nhiêu", TARGETS).text == "trên 95%"


def test_the_share_of_the_clause_the_question_speaks_of() -> None:
    found = fact("bao nhiêu % hồ sơ công việc cấp xã được xử lý trên môi trường điện tử", PAPERS)
    assert found.text == "40%" and found.kind == "number"
    check_verbatim(found, PAPERS)
    unit = "Tổ chức ít nhất 10 lớp bồi dưỡng về cải cách hành chính; tổ chức ít nhất 4 đoàn công tác học tập kinh nghiệm."
    assert fact("tổ chức bao nhiêu đoàn công tác học tập kinh nghiệm", unit).text == "ít nhất 4 đoàn"
    assert fact("chỉ tiêu bao nhiêu lớp bồi dưỡng", unit).text == "ít nhất 10 lớp"
    assert fact("tỷ lệ hồ sơ đạt bao nhiêu", "tỷ lệ hồ sơ trực tuyến đạt từ 50% trở lên.").text == "từ 50% trở lên"


def test_a_share_question_never_gets_a_year_or_a_task_number() -> None:
    assert fact("Năm 2022 tối thiểu bao nhiêu % cơ quan được kiểm tra", ROW) is None
    assert fact("có bao nhiêu nhiệm vụ", "Nhiệm vụ cụ thể 3.40: Tổ chức Hội nghị năm 2022") is None


def test_a_count_question_gets_a_count_of_what_it_counts_not_a_fee() -> None:
    fee = "Cơ quan thực hiện: UBND cấp xã; Phí: 2.000 đồng/trang, tối đa thu không quá 200.000 đồng/bản."
    counts = "- 07 (bảy) thủ tục hành chính cấp xã."
    assert fact("sửa đổi bao nhiêu thủ tục chứng thực cấp xã", fee) is None  # no count of thủ tục: nothing
    found = fact("sửa đổi bao nhiêu thủ tục chứng thực cấp xã", fee, counts)
    assert found.text == "07" and found.unit == 1
    assert "đồng" in fact("phí chứng thực bao nhiêu tiền một trang", fee).text  # a sum asked: the fee


def test_a_sum_asked_by_its_kind_of_money_gets_the_sum_not_a_count() -> None:
    unit = ("Theo báo cáo, đến ngày 20 tháng 11 năm 2025 đã có 12 bộ, ngành, 20 địa phương gửi đăng ký các công trình "
            "khánh thành với tổng cộng 150 dự án, công trình với tổng vốn đầu tư là khoảng 700.000 tỷ đồng.")
    # the year asked sits beside the count of ministries, not beside the sum: the sum is still what is asked
    assert fact("Tổng vốn đầu tư các công trình khánh thành năm 2025 là bao nhiêu", unit).text == "khoảng 700.000 tỷ đồng"
    assert fact("Có bao nhiêu dự án sử dụng vốn đầu tư", unit).text.startswith("150")  # a count of what it counts
    assert vocab_money("Tổng vốn đầu tư các công trình khánh thành dịp 30/4/2025 là bao nhiêu")
    assert not vocab_money("vốn đầu tư công giao cho bao nhiêu dự án")


def vocab_money(question: str) -> bool:
    from index.answerability.vetoes import asked_details
    return "money" in asked_details(analyse(question))


def test_the_lead_agency_of_a_table_row() -> None:
    found = fact("Đẩy mạnh đầu tư PPP do sở nào chủ trì", ROW)
    assert found.text == "Sở Kế hoạch và Đầu tư" and found.piece == "Cơ quan chủ trì: Sở Kế hoạch và Đầu tư"
    check_verbatim(found, ROW)
    assert fact("PPP cơ quan nào phối hợp", ROW).text == "Sở Tài chính, Sở Xây dựng"


def test_an_agency_in_a_sentence_only_in_the_role_asked() -> None:
    unit = "- Hằng năm, báo cáo kết quả triển khai thực hiện về UBND Tỉnh (qua Sở Nội vụ), lồng ghép trong báo cáo CCHC."
    assert fact("UBND các huyện báo cáo kết quả thực hiện đề án về đâu", unit).text == "UBND Tỉnh (qua Sở Nội vụ)"
    budget = "Các đơn vị lập dự toán kinh phí gửi Sở Tài chính thẩm định trình Ủy ban nhân dân tỉnh phê duyệt."
    assert fact("Dự toán kinh phí gửi sở nào thẩm định", budget).text == "Sở Tài chính"
    # the subject is the heading above the bullet, not in the unit: no agency rather than the wrong one
    assert fact("cơ quan nào hướng dẫn tiêu chuẩn kỹ thuật", "- Chủ trì, hướng dẫn Sở Nội vụ tiêu chuẩn, kỹ thuật.") is None


def test_the_date_of_the_sort_asked() -> None:
    assert fact("đề án PPP hoàn thành quý mấy", ROW).text == "Quý II/2022"
    heading = "(Kèm theo Quyết định số   1601 /QĐ-UBND-HC ngày 21  tháng 10 năm 2021 của Ủy ban nhân dân tỉnh Đồng Tháp)"
    assert fact("QĐ 1601 ban hành ngày nào", heading).text == "ngày 21  tháng 10 năm 2021"
    title = "Tăng cường năng lực tỉnh Đồng Tháp giai đoạn 2021 - 2025, định hướng đến năm 2030"
    assert fact("Đề án kèm Quyết định 1601 áp dụng cho giai đoạn nào", title, heading).text == \
        "2021 - 2025, định hướng đến năm 2030"
    deadline = "Các đơn vị ban hành Kế hoạch CCHC năm 2025 (hoàn thành trước ngày 31/01) và gửi về Sở Nội vụ."
    assert fact("ban hành KH CCHC năm 2025 trước ngày nào", deadline).text == "trước ngày 31/01"
    often = "Thời gian thực hiện: Hàng năm (Sau khi có quy định của trung ương)"
    assert fact("tuyên dương bao lâu làm một lần", often).text == "Hàng năm"
    # "quý mấy" with no quarter in the unit: nothing, not the year the question names
    assert fact("Hội nghị năm 2022 tổ chức quý mấy", "Thời gian hoàn thành: 2022") is None


def test_a_document_number_with_its_date_when_both_are_asked() -> None:
    unit = ("Căn cứ Quyết định số 2370/QĐ-UBND ngày 19/8/2021 của Ủy ban nhân dân tỉnh ban hành Kế hoạch cải cách "
            "hành chính tỉnh Quảng Nam; Theo đề nghị của Sở Nội vụ tại Tờ trình số 937/TTr-SNV ngày 10/5/2022.")
    assert fact("Tờ trình của SNV đề nghị ban hành đề án Quảng Nam số mấy, ngày nào", unit).text == \
        "937/TTr-SNV ngày 10/5/2022"
    assert fact("KH CCHC của Quảng Nam ban hành theo tờ trình số mấy", unit).text == "937/TTr-SNV"


def test_a_document_reference_of_the_type_asked_or_none() -> None:
    basis = ("Căn cứ Quyết định số 3809/QĐ-UBND ngày 14 tháng 9 năm 2021 của Ủy ban nhân dân tỉnh ban hành Kế hoạch "
             "thực hiện Chương trình hành động số 09-CTr/TU ngày 14 tháng 5 năm 2021 của Tỉnh ủy;")
    proposal = "Theo đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 754/TTr-SNV ngày 27 tháng 12 năm 2022."
    asked = "Kế hoạch thực hiện đề án 905 ban hành theo tờ trình số mấy"
    assert fact(asked, basis) is None  # a Chương trình's or a Quyết định's number is not a Tờ trình's
    assert fact(asked, basis, proposal).text == "754/TTr-SNV"
    # "đề án 905 số mấy" names the document; the type asked is the question's subject
    assert fact("Tờ trình của Sở Nội vụ đề nghị ban hành kế hoạch thực hiện đề án 905 số mấy", basis, proposal).text \
        == "754/TTr-SNV"


def test_a_legal_basis_of_the_kind_asked() -> None:
    unit = ("Triển khai sắp xếp tổ chức bộ máy theo Kế hoạch số 141/KH-BCDDTKNQ ngày 06/12/2024 của Ban chỉ đạo; "
            "triển khai Nghị định số 73/2023/NĐ-CP ngày 29/9/2023 quy định về khuyến khích, bảo vệ cán bộ năng động.")
    found = fact("Khuyến khích, bảo vệ cán bộ năng động thực hiện theo nghị định nào", unit)
    assert found.text == "Nghị định số 73/2023/NĐ-CP ngày 29/9/2023"
    check_verbatim(found, unit)


def test_the_agency_a_report_goes_through() -> None:
    unit = "- Hằng năm, báo cáo kết quả triển khai thực hiện về UBND Tỉnh (qua Sở Nội vụ), lồng ghép trong báo cáo CCHC."
    found = fact("Hằng năm các sở báo cáo kết quả thực hiện đề án qua cơ quan nào", unit)
    assert found.text == "Sở Nội vụ"
    check_verbatim(found, unit)


def test_a_funding_source_asked_far_from_its_subject() -> None:
    unit = "1. Nguồn kinh phí triển khai Kế hoạch này được bảo đảm bằng ngân sách nhà nước cấp cho các sở, ngành hằng năm."
    found = fact("Kinh phí triển khai kế hoạch thực hiện đề án 905 ở Bình Định được bảo đảm từ đâu", unit)
    assert found.text.startswith("ngân sách nhà nước")
    check_verbatim(found, unit)


def test_the_fact_comes_from_the_quotes_first_and_names_its_unit() -> None:
    other = "Cơ quan chủ trì: Sở Nội vụ; Thời gian hoàn thành: Quý I/2022; Kinh phí: Kinh phí chi thường xuyên"
    found = fact("ai chủ trì", other, ROW, quotes=["Cơ quan chủ trì: Sở Kế hoạch và Đầu tư", "Cơ quan chủ trì: Sở Nội vụ"])
    assert found.text == "Sở Nội vụ" and found.unit == 0
    query = analyse("PPP ai chủ trì")
    found = direct_fact(["agency"], query, [("Sản phẩm: Kế hoạch", ROW)])  # the field is in the unit, not the quote
    assert found.text == "Sở Kế hoạch và Đầu tư" and found.unit == 0


def test_general_questions_and_empty_quotes_have_no_fact() -> None:
    assert fact("Mục tiêu chung của kế hoạch là gì", ROW) is None
    assert direct_fact(["number"], analyse("bao nhiêu %"), []) is None


# --- wired into the answer service and the channels ------------------------------------------------

@pytest.fixture(scope="module")
def service(indexed_settings: Settings) -> AnswerService:
    return AnswerService(indexed_settings, Searcher(indexed_settings, shared_embedder(indexed_settings)))


def test_every_direct_fact_on_the_dev_set_is_verbatim_in_its_unit_and_opens_the_answer(service) -> None:
    """Number, agency and date questions of the dev set; the measured rates are in the commit message."""
    asked = with_fact = right = 0
    for q in load_gold():
        if q.out_of_scope:
            continue
        answer = service.answer(q.question, record=False)
        if answer.kind not in ("number", "agency", "date"):
            continue
        asked += 1
        if answer.direct is None:
            assert answer.direct_unit_id is None
            continue
        with_fact += 1
        unit = next(c for c in answer.citations if c.unit_id == answer.direct_unit_id)
        assert answer.direct in unit.text, (q.id, answer.direct)
        assert answer.answer.startswith(answer.direct), q.id
        assert any(answer.direct in quote for quote in unit.quotes), q.id  # its sentence is quoted
        right += bool(q.fact) and normalize(q.fact) in normalize(answer.direct) or \
            normalize(answer.direct) in normalize(q.fact or "\0")
    # measured: 76 of 84 with a fact, 67 of them the gold fact (0.88); floors, not targets
    assert with_fact / asked >= 0.8 and right / with_fact >= 0.85, (asked, with_fact, right)


def test_the_fact_in_bold_on_telegram_and_on_its_own_line_on_zalo(service) -> None:
    answer = service.answer("Tỷ lệ hồ sơ giải quyết theo DVC trực tuyến toàn trình năm 2025 ở Quảng Nam phải đạt bao nhiêu",
                            record=False)
    assert answer.direct == "80% trở lên" and answer.answer.startswith("80% trở lên. Theo ")
    assert "“tỷ lệ hồ sơ giải quyết theo dịch vụ công trực tuyến toàn trình đạt 80% trở lên”" in answer.answer
    assert answer_html(answer).startswith("<b>80% trở lên</b>\nTheo ")
    assert answer_plain(answer).startswith("80% trở lên\nTheo ")
    answer.direct, answer.answer = "<Sở & Ban>", "<Sở & Ban>. Theo …"
    assert answer_html(answer).startswith("<b>&lt;Sở &amp; Ban&gt;</b>\nTheo …")

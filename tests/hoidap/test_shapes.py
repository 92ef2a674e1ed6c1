"""Answers shaped by the question, on the shipped corpus (issue 19): yes/no, lists, table columns,
near misses, province-switch follow-ups and comparisons."""

from __future__ import annotations

import pytest

from core.settings import Settings
from hoidap.answer import AnswerService
from hoidap.lists import asks_list, gather_list, list_members, shown
from hoidap.shape import asked_column, asks_yes_no, compare_measures, denial, figure_unstated, yes_no
from index.query import analyse
from index.search import Searcher
from index.versions import UnitRecord
from tests.conftest import shared_embedder


# --- the pure shapes, on small texts -------------------------------------------------------------

def test_yes_no_questions_are_told_from_questions_asking_what() -> None:
    assert asks_yes_no(analyse("Đề án có tổ chức hội thảo không?"))
    assert asks_yes_no(analyse("ke hoach co yeu cau so hoa ho so khong"))
    assert asks_yes_no(analyse("Sở Nội vụ đã ban hành kế hoạch chưa ạ?"))
    assert not asks_yes_no(analyse("Có những nhiệm vụ nào không?"))
    assert not asks_yes_no(analyse("Kinh phí lấy từ đâu?"))


def test_yes_no_opens_from_what_the_clause_states() -> None:
    unit = "Tổ chức ít nhất 02 hội thảo chuyên đề về cải cách hành chính mỗi năm."
    context = "Đề án 1601 Đồng Tháp"
    assert yes_no(analyse("Đề án 1601 có tổ chức hội thảo chuyên đề về cải cách hành chính không?"),
                  unit, unit, context) == "Có."
    assert yes_no(analyse("Đề án 1601 có tổ chức 05 hội thảo chuyên đề về cải cách hành chính không?"),
                  unit, unit, context) == "Không."
    assert yes_no(analyse("Đề án 1601 có cử cán bộ đi học tập ở nước ngoài không?"),
                  unit, unit, context).startswith("Văn bản không nêu")


def test_the_denial_quoted_is_the_piece_negating_what_the_question_asserts() -> None:
    unit = ("Bộ đề nghị các cơ quan báo chí không có bài viết lan truyền thông tin sáp nhập tỉnh, thành phố xuống còn "
            "16 tỉnh, thành phố. Hiện nay, Chính phủ không có chủ trương tiếp tục sáp nhập các đơn vị hành chính.")
    score, piece = denial(analyse("Bộ có chủ trương tiếp tục sáp nhập tỉnh xuống còn 16 tỉnh thành không"), unit, "Công văn")
    assert piece.startswith("Hiện nay, Chính phủ không có chủ trương")
    assert denial(analyse("Bộ có chủ trương tiếp tục sáp nhập tỉnh không"), "Sáp nhập tỉnh được tiếp tục.", "") is None


def test_the_column_asked_is_found_by_its_header() -> None:
    row = "Nhiệm vụ: Rà soát TTHC; Sản phẩm: Quyết định; Cơ quan chủ trì: Sở Nội vụ; Cơ quan phối hợp: Sở Tư pháp"
    assert asked_column(analyse("sản phẩm của nhiệm vụ rà soát TTHC là gì"), row).value == "Quyết định"
    assert asked_column(analyse("co quan phoi hop ra soat TTHC"), row).value == "Sở Tư pháp"
    assert asked_column(analyse("rà soát TTHC là gì"), row) is None


def test_the_first_column_is_asked_when_the_row_is_told_by_another_field() -> None:
    row = "Mã TTHC: 2.002400.H05; Tên TTHC: Thủ tục kê khai tài sản, thu nhập; Cơ quan thực hiện: Thanh tra tỉnh"
    assert asked_column(analyse("mã TTHC của thủ tục kê khai tài sản, thu nhập là gì"), row).value == "2.002400.H05"
    assert asked_column(analyse("co quan thuc hien thu tuc ke khai tai san"), row).value == "Thanh tra tỉnh"
    # told by its first field, the row's first field is the task, never the column asked
    assert asked_column(analyse("mã TTHC 2.002400.H05 là thủ tục gì"), row) is None


def test_list_members_are_the_units_under_the_same_heading() -> None:
    def unit(ordinal: int, crumb: str, kind: str = "bullet") -> UnitRecord:
        return UnitRecord(f"u{ordinal}", "d", ordinal, kind, f"ý {ordinal}", ("Điều 1", crumb), f"- việc {ordinal}",
                          False, "", "")
    units = [unit(1, "1. A"), unit(2, "2. B"), unit(3, "2. B"), unit(4, "2. B"), unit(5, "3. C")]
    assert [u.id for u in list_members(units[2], units)] == ["u2", "u3", "u4"]
    assert [u.id for u in list_members(units[0], units)] == ["u1"]


def test_list_questions_are_told_from_questions_asking_one_cell() -> None:
    assert asks_list(analyse("Sở Nội vụ Đồng Tháp có những nhiệm vụ gì trong đề án 1601"))
    assert asks_list(analyse("Đề án đặt ra những chỉ tiêu cụ thể nào?"))  # "chỉ tiêu" is not a number asked
    assert asks_list(analyse("Sở Tài chính có trách nhiệm gì"))
    assert not asks_list(analyse("Những cơ quan nào phối hợp xây dựng kế hoạch tập huấn?"))  # one cell
    assert not asks_list(analyse("Cơ quan nào chủ trì những nhiệm vụ này?"))


def test_an_agency_list_gathers_its_heading_and_the_rows_it_leads() -> None:
    def unit(ordinal: int, kind: str, crumb: tuple[str, ...], text: str) -> UnitRecord:
        return UnitRecord(f"u{ordinal}", "d", ordinal, kind, f"đơn vị {ordinal}", crumb, text, False, "", "")
    done = ("Tổ chức thực hiện",)
    units = [unit(1, "bullet", done + ("1. Sở Nội vụ",), "- Lập kế hoạch bồi dưỡng hằng năm."),
             unit(2, "bullet", done + ("1. Sở Nội vụ",), "- Theo dõi, kiểm tra việc thực hiện."),
             unit(3, "bullet", done + ("2. Sở Tài chính",), "- Thẩm định kinh phí."),
             unit(4, "table_row", ("Phụ lục", "1. Bồi dưỡng"), "Nhiệm vụ: Biên soạn tài liệu; Cơ quan chủ trì: Sở Nội vụ; "
                  "Cơ quan phối hợp: Sở Tài chính"),
             unit(5, "table_row", ("Phụ lục", "2. Số hóa"), "Nhiệm vụ: Xây dựng phần mềm; Cơ quan chủ trì: Sở Thông tin và "
                  "Truyền thông; Cơ quan phối hợp: Sở Nội vụ"),
             unit(6, "table_row", ("Phụ lục", "2. Số hóa"), "Nhiệm vụ: Cập nhật cơ sở dữ liệu; Cơ quan chủ trì: Sở Nội vụ; "
                  "Cơ quan phối hợp: Các sở")]
    found = gather_list(analyse("Sở Nội vụ có những nhiệm vụ gì?"), [units[3]], lambda d: units, lambda d: "Kế hoạch")
    assert found.how == "agency" and [u.id for u in found.items] == ["u1", "u2", "u4", "u6"]
    cooperating = gather_list(analyse("Sở Tài chính phối hợp những nhiệm vụ nào?"), [units[0]], lambda d: units,
                              lambda d: "Kế hoạch")
    assert [u.id for u in cooperating.items] == ["u3", "u4"]  # its heading, and the row of the column it names


def test_a_list_under_sub_headings_the_question_names_the_parent_of() -> None:
    def unit(ordinal: int, crumb: str, text: str) -> UnitRecord:
        return UnitRecord(f"u{ordinal}", "d", ordinal, "point", f"đơn vị {ordinal}", ("Kế hoạch", "III. NỘI DUNG THỰC HIỆN",
                          crumb), text, False, "", "")
    units = [unit(1, "1. Xây dựng đội ngũ", "a) Bố trí đủ công chức."), unit(2, "1. Xây dựng đội ngũ", "b) Khen thưởng."),
             unit(3, "2. Hoàn thiện tài liệu", "a) Biên soạn sổ tay."), unit(4, "3. Đổi mới phương pháp", "a) Học trực tuyến.")]
    found = gather_list(analyse("Kế hoạch gồm những nội dung thực hiện nào?"), [units[2]], lambda d: units,
                        lambda d: "Kế hoạch")
    assert found.how == "parent" and [u.id for u in found.items] == ["u1", "u2", "u3", "u4"]
    assert [u.id for u in shown(found.items, 3)] == ["u1", "u3", "u4"]  # one of each sub-heading first


def test_a_figure_of_another_indicator_is_not_an_answer() -> None:
    units = ["Tỷ lệ hồ sơ giải quyết trực tuyến đạt 80% trở lên; nâng cao chất lượng bồi dưỡng cán bộ, công chức."]
    asked = analyse("Tỷ lệ bồi dưỡng cán bộ công chức là bao nhiêu?")
    clause = figure_unstated(asked, units[0], "80% trở lên", units, "Kế hoạch")
    assert clause == "nâng cao chất lượng bồi dưỡng cán bộ, công chức."
    stated = analyse("Tỷ lệ hồ sơ giải quyết trực tuyến là bao nhiêu?")
    assert figure_unstated(stated, units[0], "80% trở lên", units, "Kế hoạch") is None


def test_two_sides_with_different_measures_are_said_to_differ() -> None:
    same = [("2022", "tỷ lệ hồ sơ giải quyết trực tuyến đạt 50%", "50%"),
            ("2025", "tỷ lệ hồ sơ giải quyết trực tuyến toàn trình đạt 80%", "80%")]
    assert compare_measures(same) is None
    differ = [same[0], ("2025", "mức độ hài lòng của người dân đạt 90%", "90%")]
    assert "hai chỉ tiêu khác nhau" in compare_measures(differ)


# --- the answer service on the shipped corpus ------------------------------------------------------

@pytest.fixture(scope="module")
def service(indexed_settings: Settings) -> AnswerService:
    return AnswerService(indexed_settings, Searcher(indexed_settings, shared_embedder(indexed_settings)))


@pytest.mark.slow
def test_a_yes_no_question_is_answered_yes_with_its_clause(service: AnswerService) -> None:
    answer = service.answer("Kế hoạch CCHC 2025 của Quảng Nam có yêu cầu số hóa kết quả giải quyết thủ tục hành chính không?",
                            record=False)
    assert answer.answer.startswith("Có. ")
    assert "kết quả giải quyết thủ tục hành chính được thực hiện số hóa" in answer.answer
    assert answer.citations[0].doc_id == "quangnam-2025-ke-hoach-cchc"


@pytest.mark.slow
def test_a_yes_no_question_the_documents_do_not_settle_says_not_stated(service: AnswerService) -> None:
    answer = service.answer("Đề án 1601 có tổ chức đoàn công tác học tập kinh nghiệm ở nước ngoài không?", record=False)
    assert answer.answer.startswith("Văn bản không nêu")


@pytest.mark.slow
def test_a_list_question_gets_every_item(service: AnswerService, indexed_settings: Settings) -> None:
    answer = service.answer("Các nhiệm vụ cải cách tài chính công trong kế hoạch CCHC 2025 Quảng Nam gồm những gì?",
                            record=False)
    snap = service.searcher.current()
    items = [u for u in snap.units_of("quangnam-2025-ke-hoach-cchc") if u.label.startswith("Điều 1, mục II.5, ý")]
    assert len(items) == 4
    for unit in items:
        assert unit.text.lstrip("- ") in answer.answer
    assert "gồm 4 mục" in answer.answer


@pytest.mark.slow
def test_a_table_question_is_answered_with_the_column_asked(service: AnswerService) -> None:
    answer = service.answer("Sản phẩm của nhiệm vụ rà soát cắt giảm thời gian giải quyết TTHC năm 2022 Quảng Nam là gì?",
                            record=False)
    assert answer.direct == "Quyết định"
    assert "“Sản phẩm: Quyết định”" in answer.answer
    assert answer.citations[0].label == "Phụ lục I, nhiệm vụ 3.6"


@pytest.mark.slow
def test_a_near_miss_about_an_indicator_the_plan_gives_no_figure_for_is_refused(service: AnswerService) -> None:
    answer = service.answer("Tỷ lệ cán bộ công chức được bồi dưỡng năm 2025 theo kế hoạch Quảng Nam là bao nhiêu?",
                            record=False)
    assert answer.abstained and answer.reason == "figure_unstated"
    assert "80%" not in answer.answer
    stated = service.answer("Tỷ lệ hồ sơ giải quyết trực tuyến toàn trình năm 2025 của Quảng Nam là bao nhiêu?",
                            record=False)
    assert not stated.abstained and stated.direct == "80% trở lên"


@pytest.mark.slow
def test_a_period_or_a_target_year_past_the_plans_horizon_is_refused(service: AnswerService) -> None:
    stated = service.answer("Theo đề án Quảng Nam 2022-2025, bao nhiêu % CBCC tham mưu CCHC phải có khả năng tham mưu, "
                            "triển khai hiệu quả các đề án", record=False)
    assert not stated.abstained and stated.direct == "Trên 90%"
    beyond = service.answer("Theo đề án Quảng Nam 2022-2028, bao nhiêu % CBCC tham mưu CCHC phải có khả năng tham mưu, "
                            "triển khai hiệu quả các đề án", record=False)
    assert beyond.abstained and beyond.reason == "missing_year"
    # "kỹ năng" is not "ký": the plan's unread date of signing does not stand for 2032
    later = service.answer("binh dinh den nam 2032 ty le can bo cong chuc lam cai cach hanh chinh duoc cung cap kien "
                           "thuc ky nang la bao nhieu", record=False)
    assert later.abstained and later.reason == "missing_year"


@pytest.mark.slow
def test_a_figure_stated_for_other_years_only_is_not_the_figure_of_the_year_asked(service: AnswerService) -> None:
    asked = "Bình Định đặt mục tiêu đến năm {} bao nhiêu % CBCCVC làm CCHC được cung cấp kiến thức, kỹ năng"
    assert service.answer(asked.format(2025), record=False).direct == "trên 85%"
    assert service.answer(asked.format(2030), record=False).direct == "trên 95%"
    between = service.answer(asked.format(2026), record=False)  # inside the plan's period, stated for 2025 and 2030
    assert between.abstained and between.reason == "figure_unstated"
    assert "95%" not in between.answer.split("Văn bản")[0]


@pytest.mark.slow
def test_a_share_of_a_named_measure_the_clause_never_names_is_refused(service: AnswerService) -> None:
    asked = "Năm 2025 Quảng Nam phấn đấu hồ sơ giải quyết trực tuyến toàn trình chiếm bao nhiêu % GRDP"
    answer = service.answer(asked, record=False)
    assert answer.abstained and answer.reason == "figure_unstated"  # the 80% is a share of hồ sơ, not of GRDP
    assert not answer.answer.startswith("80%")


@pytest.mark.slow
def test_a_province_switch_followup_is_answered_from_that_province(service: AnswerService) -> None:
    first = service.answer("Kinh phí thực hiện đề án 1601 của Đồng Tháp lấy từ đâu?", conversation_id="switch")
    assert first.citations[0].doc_id == "dongthap-2021-de-an-1601"
    answer = service.answer("còn Bình Định thì sao?", conversation_id="switch")
    assert not answer.abstained
    assert answer.citations[0].doc_id == "binhdinh-2022-ke-hoach-de-an-905"
    assert "ngân sách nhà nước" in answer.answer  # the funding clause, not another province's bases


@pytest.mark.slow
def test_a_comparison_whose_sides_state_different_measures_says_so(service: AnswerService) -> None:
    answer = service.answer("Mức độ hài lòng của người dân năm 2022 và năm 2025 của Quảng Nam đạt bao nhiêu?",
                            record=False)
    assert "85% trở lên" in answer.answer and "nhóm 25 tỉnh" in answer.answer
    assert "hai chỉ tiêu khác nhau" in answer.answer
    same = service.answer("Tỷ lệ hồ sơ giải quyết trực tuyến năm 2022 và năm 2025 của Quảng Nam", record=False)
    assert "từ 50% trở lên" in same.answer and "80% trở lên" in same.answer
    assert "hai chỉ tiêu khác nhau" not in same.answer


@pytest.mark.slow
def test_an_agency_list_spans_its_heading_and_the_appendix_rows_it_leads(service: AnswerService) -> None:
    answer = service.answer("Sở Nội vụ Đồng Tháp có những nhiệm vụ gì trong đề án 1601", record=False)
    units = service.searcher.current().units_of("dongthap-2021-de-an-1601")
    heading = [u for u in units if u.breadcrumb[-1] == "1. Sở Nội vụ"]
    rows = [u for u in units if u.kind == "table_row" and "Cơ quan chủ trì: Sở Nội vụ" in u.text]
    assert len(heading) == 5 and len(rows) >= 2
    for unit in heading:
        assert unit.text.lstrip("- ") in answer.answer
    assert f"gồm {len(heading) + len(rows)} mục" in answer.answer
    cited = {c.unit_id for c in answer.citations}
    assert rows[0].id in cited and rows[0].text.split("; ")[0] in answer.answer


@pytest.mark.slow
def test_a_list_of_rows_sharing_the_lead_agency_across_sections(service: AnswerService) -> None:
    answer = service.answer("Văn phòng UBND tỉnh Quảng Nam chủ trì những nhiệm vụ nào trong kế hoạch CCHC năm 2022?",
                            record=False)
    rows = [u for u in service.searcher.current().units_of("quangnam-2022-ke-hoach-cchc") if u.kind == "table_row"
            and "Cơ quan chủ trì: Văn phòng Ủy ban nhân dân tỉnh" in u.text]
    assert len(rows) >= 4 and len({u.breadcrumb for u in rows}) >= 2  # the rows sit under several headings
    for unit in rows:
        assert unit.text.split("; ")[0] in answer.answer
    assert "Sở Kế hoạch và Đầu tư" not in answer.answer.split("\n")[0]


@pytest.mark.slow
def test_a_list_under_several_sub_headings_shows_each(service: AnswerService) -> None:
    answer = service.answer("Kế hoạch 905 của Bình Định gồm những nội dung thực hiện nào?", record=False)
    units = service.searcher.current().units_of("binhdinh-2022-ke-hoach-de-an-905")
    subs = {u.breadcrumb[-1] for u in units if len(u.breadcrumb) > 1 and u.breadcrumb[-2] == "III. NỘI DUNG THỰC HIỆN"}
    assert len(subs) == 5
    labels = {c.label for c in answer.citations if c.quotes}
    assert {u.breadcrumb[-1] for u in units if u.label in labels} >= subs


@pytest.mark.slow
def test_a_document_reference_legal_basis_and_funding_as_direct_from_the_cited_unit(service: AnswerService) -> None:
    reference = service.answer("KH CCHC 2022 Quảng Nam được ban hành theo tờ trình số mấy của Sở Nội vụ", record=False)
    assert reference.direct == "2872/TTr-SNV"  # not the Tờ trình of the Đề án issued the same year
    assert reference.citations[0].doc_id == "quangnam-2022-ke-hoach-cchc"
    legal = service.answer("Khuyến khích, bảo vệ cán bộ dám nghĩ dám làm trong KH CCHC 2025 Quảng Nam thực hiện theo "
                           "nghị định nào", record=False)
    assert legal.direct.startswith("Nghị định số 73/2023/NĐ-CP")
    funding = service.answer("Kinh phí triển khai kế hoạch thực hiện đề án 905 ở Bình Định được bảo đảm từ đâu",
                             record=False)
    assert funding.direct.startswith("ngân sách nhà nước")
    for answer in (reference, legal, funding):
        holder = next(c for c in answer.citations if c.unit_id == answer.direct_unit_id)
        assert answer.direct in holder.text and holder.rank == 1


@pytest.mark.slow
def test_a_funding_question_gets_its_source_as_direct(service: AnswerService) -> None:
    answer = service.answer("Kinh phí thực hiện đề án 1601 của Đồng Tháp lấy từ đâu?", record=False)
    assert answer.direct.startswith("ngân sách nhà nước")
    assert answer.direct_unit_id == answer.citations[0].unit_id
    basis = service.answer("Kế hoạch thực hiện đề án 905 của Bình Định căn cứ quyết định nào?", record=False)
    assert basis.direct == "Quyết định số 905/QĐ-BNV ngày 17 tháng 11 năm 2022 của Bộ trưởng Bộ Nội vụ"

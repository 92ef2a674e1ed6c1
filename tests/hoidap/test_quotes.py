"""Which piece an answer quotes (hoidap.quotes.select_quotes), on clauses of a real plan's kind: the words
that name the document do not draw the quote to a line that restates its title, toned syllables stay apart,
and a lettered item "đ) …: …" is not a table field."""

from __future__ import annotations

from corpus.text import UPPER
from hoidap.facts import direct_fact
from hoidap.quotes import select_quotes
from index.query import analyse

TITLE = "Kế hoạch thực hiện Chỉ thị số 27/CT-TTg về tăng cường công tác dân số trong tình hình mới"
NAMING = f"Kế hoạch số 165/KH-UBND ngày 21/11/2025 của UBND thành phố Cần Thơ {TITLE} Kế hoạch"
RESTATED = ("Trên đây là Kế hoạch thực hiện Chỉ thị số 27/CT-TTg ngày 15 tháng 8 năm 2024 của Thủ tướng "
            "Chính phủ về việc tăng cường thực hiện công tác dân số trong tình hình mới của thành phố Cần Thơ.")
TARGET = "Phấn đấu tổng tỷ suất sinh đạt 2,1 con/phụ nữ, tỷ số giới tính khi sinh dưới 109 bé trai/100 bé gái."
QUESTION = "KH thực hiện Chỉ thị 27/CT-TTg về công tác dân số của Cần Thơ phấn đấu tổng tỷ suất sinh bao nhiêu"


def test_the_words_naming_the_document_do_not_choose_its_clause():
    units = [(RESTATED, False), (TARGET, False)]
    [unnamed] = select_quotes(analyse(QUESTION), units, ["number"], limit=1)
    assert unnamed.unit_index == 0  # without the document's name, the restated title holds most of the words
    [quote] = select_quotes(analyse(QUESTION), units, ["number"], limit=1, named=[NAMING, NAMING])
    assert quote.unit_index == 1 and quote.text.startswith("Phấn đấu tổng tỷ suất sinh")


def test_a_toned_question_syllable_matches_its_own_tone_and_a_bare_one_any():
    units = [("Thu từ tượng đài được giao tăng 12%.", False), ("Thủ tướng chỉ đạo tăng 8%.", False)]
    [toned] = select_quotes(analyse("Thủ tướng giao tăng bao nhiêu"), units, ["number"], limit=1)
    assert toned.unit_index == 1  # "thu", "tượng" and "giao" of the first are not the "Thủ tướng" asked
    [bare] = select_quotes(analyse("thu tuong giao tang bao nhieu"), units, ["number"], limit=1)
    assert bare.unit_index == 0  # typed bare, every tone of a syllable counts


def test_a_lettered_item_is_not_a_field_and_the_year_asked_is_quoted():
    items = [("đ) Đến hết năm 2045: 100% doanh nghiệp trên địa bàn Tỉnh ứng dụng công nghệ số.", False),
             ("a) Đến hết năm 2025: Có ≥ 30% doanh nghiệp trên địa bàn Tỉnh ứng dụng công nghệ số.", False)]
    question = analyse("năm nào 100% doanh nghiệp ứng dụng công nghệ số")
    [quote] = select_quotes(question, items, ["date", "number"], limit=1)
    assert quote.text.startswith("đ) Đến hết năm 2045")
    assert "đ" not in UPPER and "Đ" in UPPER and "Ư" in UPPER and "ư" not in UPPER


def test_the_basis_whose_number_the_question_names_is_the_direct_fact():
    preamble = ("Căn cứ Quyết định số 905/QĐ-BNV ngày 17 tháng 11 năm 2022 của Bộ trưởng Bộ Nội vụ ban hành Đề án "
                "tăng cường năng lực đội ngũ cán bộ;\nCăn cứ Quyết định số 3809/QĐ-UBND ngày 14 tháng 9 năm 2021 của "
                "Ủy ban nhân dân tỉnh ban hành Kế hoạch thực hiện cải cách hành chính của tỉnh;")
    question = analyse("Kế hoạch thực hiện đề án 905 căn cứ quyết định nào?")
    fact = direct_fact(["basis"], question, [(preamble, preamble)])
    assert fact is not None and fact.text.startswith("Quyết định số 905/QĐ-BNV")


def test_a_percent_sign_answers_a_question_in_phan_tram():
    units = [("Về điều chuyển số vốn dư, không có khả năng giải ngân vốn đầu tư công trong năm 2025.", False),
             ("Thu hút đầu tư tăng; giải ngân vốn đạt tỷ lệ 66,7% kế hoạch.", False)]
    [quote] = select_quotes(analyse("giải ngân đầu tư công đạt bao nhiêu phần trăm"), units, ["number"], limit=1)
    assert "66,7%" in quote.text


def test_the_words_naming_the_first_document_give_another_document_no_lead():
    first = ("Các bộ, ngành, địa phương chuẩn bị tổ chức lễ khánh thành, khởi công trực tuyến các công trình "
             "trên cả nước vào ngày 19 tháng 12 năm 2025.", False)
    other = ("Phấn đấu hoàn thành trước ngày 30 tháng 11 năm 2025 và khánh thành hai bệnh viện cùng dịp Lễ khánh "
             "thành, khởi công các công trình chào mừng Đại hội XIV của Đảng.", False)
    named = ["Công điện số 224/CĐ-TTg về tổ chức Lễ khánh thành, khởi công các công trình chào mừng Đại hội XIV",
             "Thông báo số 637/TB-VPCP kết luận về tiến độ hai bệnh viện"]
    question = analyse("Lễ khánh thành, khởi công các công trình chào mừng Đại hội XIV tổ chức vào ngày nào")
    [quote] = select_quotes(question, [first, other], ["date"], limit=1, named=named)
    assert quote.unit_index == 0 and "19 tháng 12 năm 2025" in quote.text
    # the first unit's own document is still the one its words name: within it, they count little
    [alone] = select_quotes(question, [other, first], ["date"], limit=1, named=named[::-1])
    assert alone.unit_index == 0

"""The shared vocabulary (corpus/vocab.py): provinces and their aliases, kinds of document, agencies,
dates and quantities, as the stages that import it read them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus import vocab
from corpus.text import fold, match_form

DOCUMENTS = Path(vocab.__file__).with_name("documents")


@pytest.mark.parametrize("name", vocab.PROVINCES)
def test_every_province_resolves_from_its_name_typed_any_way(name: str) -> None:
    plain = fold(name)
    assert vocab.resolve_place(name) == name
    assert vocab.resolve_place(plain.lower()) == name  # typed without diacritics
    assert vocab.resolve_place(f"tỉnh {name}") == name
    assert vocab.resolve_place(plain.upper()) == name


def test_tone_placement_aliases_and_non_places() -> None:
    assert vocab.resolve_place("Khánh Hoà") == vocab.resolve_place("Khánh Hòa") == "Khánh Hòa"
    assert vocab.resolve_place("TP HCM") == vocab.resolve_place("tp. Hồ Chí Minh") == "Thành phố Hồ Chí Minh"
    assert vocab.resolve_place("Thành phố Hà Nội") == "Hà Nội"
    assert all(vocab.resolve_place(v) in vocab.PROVINCES for v in vocab.PLACE_ALIASES)
    for text in ("Sở Nội vụ", "Quảng", "", "nam", "Quảng Nam Đà Nẵng"):
        assert vocab.resolve_place(text) is None, text


def test_places_in_a_question_are_whole_names() -> None:
    assert vocab.places_in("Kế hoạch CCHC của Nam Định") == ("nam dinh",)  # not "Hà Nam", not "Nam"
    assert vocab.places_in("ke hoach cua ha nam, ha noi") == ("ha nam", "ha noi")
    assert vocab.places_in("Bình Định thì sao?") == ("binh dinh",)
    assert vocab.places_in("kế hoạch năm 2025") == ()
    assert vocab.places_in("Thanh Hóa bình quân bao nhiêu người") == ("thanh hoa",)  # overlapping "Hòa Bình" is not
    assert vocab.places_in("hoa binh, thanh hoa") == ("hoa binh", "thanh hoa")


def test_the_shipped_documents_provinces_are_known() -> None:
    """Every shipped document is about a province the vocabulary names (the file name says which)."""
    names = {"quangnam": "Quảng Nam", "binhdinh": "Bình Định", "dongthap": "Đồng Tháp"}
    texts = [p for p in DOCUMENTS.iterdir() if p.suffix in (".txt", ".md")]
    assert texts
    for path in texts:
        expected = names[path.name.split("-")[0]]
        found = vocab.places_in(path.read_text(encoding="utf-8"))
        assert vocab.folded(expected) in found, path.name


def test_document_kinds_and_their_subsets() -> None:
    for subset in (vocab.HEADER_KINDS, vocab.REFERENCE_KINDS, vocab.TYPE_WORDS.values(),
                   vocab.TYPE_ABBREVIATIONS.values()):
        assert set(subset) <= set(vocab.DOC_KINDS), subset
    assert vocab.DOC_KINDS["Quyết định"].forms == ("quyet dinh", "qd")
    assert vocab.kind_forms(["Tờ trình", "Công văn"], abbreviations=("TTr",)) == ["to trinh", "ttr", "cong van"]
    assert set(vocab.FACT_KINDS) <= {form for kind in vocab.DOC_KINDS.values() for form in kind.forms}
    assert vocab.TYPE_ABBREVIATIONS == {"kh": "Kế hoạch", "qd": "Quyết định"}
    # the reference alternation takes the longer name where one kind's name ends another's
    assert re.search(rf"(?:{vocab.REF_KINDS})\b", "Căn cứ Bộ luật Lao động").group() == "Bộ luật"


def test_a_document_named_in_a_question() -> None:
    pattern = vocab.NAMED_DOC_NUMBER
    assert [m.group(1) for m in pattern.finditer(vocab.folded("đề án 1601 và QĐ số 905, TTr 12"))] == \
        ["1601", "905", "12"]
    assert not pattern.search(vocab.folded("báo cáo 2024"))  # a kind no question names with its number


def test_stop_words_are_folded_and_nested() -> None:
    for words in (vocab.STOP_WORDS, vocab.FACT_STOP_WORDS, vocab.TOPIC_STOP_WORDS, vocab.FOLLOWUP_FILLER):
        assert all(w == fold(match_form(w)) for w in words)
    assert vocab.STOP_WORDS < vocab.FACT_STOP_WORDS
    assert {"quyet", "dinh", "qd", "kh"} <= vocab.FOLLOWUP_FILLER  # a follow-up's kind of document is filler


def test_agencies() -> None:
    text = "Giao Sở Kế hoạch và Đầu tư chủ trì, phối hợp UBND cấp huyện; báo cáo UBND Tỉnh (qua Sở Nội vụ)."
    assert [m.group() for m in vocab.AGENCY_NAME.finditer(text)] == \
        ["Sở Kế hoạch và Đầu tư", "UBND cấp huyện", "UBND Tỉnh (qua Sở Nội vụ)"]
    assert vocab.AGENCY_NAME.search("Sở Ngoại vụ tỉnh").group() == "Sở Ngoại vụ"
    assert vocab.AGENCY_MENTION.search("Uỷ ban nhân dân tỉnh") and not vocab.AGENCY_MENTION.search("các đơn vị")
    assert vocab.AGENCY_OR_ROLE.search("các đơn vị chủ trì")
    assert vocab.AGENCY_LINE_START.match("Các sở, ban, ngành") and not vocab.AGENCY_LINE_START.match("Năm 2025")


def test_dates_and_periods() -> None:
    spans = {name for name, pattern in vocab.DATE_SPANS if pattern.search("Quý II/2022")}
    assert spans == {"quarter"}  # the year of a quarter is not a year of its own
    assert vocab.DATE_MENTION.search("hoàn thành trước ngày 15/12") and vocab.TIME_MENTION.search("hằng quý")
    assert not vocab.DATE_MENTION.search("hằng quý")  # quote scoring counts only "hằng năm"
    assert vocab.TIME_MENTION.search("năm 2023") and not vocab.DATE_MENTION.search("đến 2023")
    assert vocab.PERIOD_AT_END.search("Sở Nội vụ 2022 - 2025") and not vocab.PERIOD_AT_END.search("2025 Sở Nội vụ")
    assert vocab.YEAR.findall("từ 2022 đến 2025, 1601 và 21/10/2021") == ["2022", "2025", "2021"]


def test_quantities() -> None:
    assert vocab.QUANTITY.search("ít nhất 4 đoàn công tác") and vocab.QUANTITY.search("đạt 80%")
    for text in ("Quyết định 1601/QĐ-UBND ngày 21/10/2021", "năm 2025", "Điều 5. Tổ chức"):
        assert not vocab.QUANTITY.search(text), text
    assert vocab.MONEY.search("kinh phí 1.500.000 đồng").group() == "1.500.000 đồng"
    assert vocab.MONEY.search("500 triệu đồng").group() == "500 triệu đồng"
    assert [m.group() for m in vocab.COUNT.finditer("10 lớp, 80% và 3.5 giờ")] == ["10"]
    assert vocab.QUANTITY_BEFORE.search("Tổ chức ít nhất ") and vocab.QUANTITY_AFTER.match(" trở lên")
    assert vocab.NOT_AMOUNT_BEFORE.search("theo Quyết định ")
    assert vocab.DOC_NUMBER.search("Tờ trình số 937/TTr-SNV ngày 10/5").group() == "937/TTr-SNV"
    assert vocab.DOC_NUMBER_MENTION.search("van ban 1999/ttr-snv").group(1) == "1999"


def test_details_asked_and_stated() -> None:
    asks, states = vocab.DETAILS["contact"]
    assert asks.search(vocab.folded("Số điện thoại của Sở Nội vụ?")) and states.search("Liên hệ 0235 381 2345")
    asks, states = vocab.DETAILS["person"]
    assert asks.search(vocab.folded("Ai là giám đốc Sở Nội vụ?")) and not asks.search("ai chu tri")
    assert states.search("Đồng chí Nguyễn Văn An") and not states.search("đồng chí phụ trách")


def test_ordinary_wording_about_money_is_not_a_request_for_a_sum() -> None:
    asks_money = vocab.DETAILS["money"][0]
    assert not asks_money.search("so tai chinh huong dan dinh muc chi, thanh quyet toan kinh phi nhu the nao")
    assert asks_money.search("muc chi cho moi lop tap huan la bao nhieu")
    assert asks_money.search("tong kinh phi de an bao nhieu")


def test_what_a_question_asks_and_a_headers_date_line() -> None:
    assert vocab.ASKS_QUANTITY.search(vocab.folded("Có bao nhiêu lớp tập huấn?"))
    assert vocab.ASKS_RESULT.search("thuc te da dat bao nhieu") and not vocab.ASKS_RESULT.search("muc tieu la gi")
    assert vocab.ACHIEVED.search(vocab.folded("Kết quả đạt được: 95% hồ sơ đúng hạn"))
    assert vocab.ASKS_CONTACT.search("so dien thoai duong day nong") and not vocab.ASKS_CONTACT.search(
        "quy che thu dien tu cong vu")
    assert vocab.ASKS_RATE.search("bang bao nhieu phan tram") and vocab.ASKS_AMOUNT.search("kinh phi la bao nhieu")
    assert vocab.ASKS_NAME.search("xa moi ten gi") and not vocab.PERSON_NAMED.search("xa moi")
    assert vocab.ASKS_ABOUT_DOCUMENT.search(vocab.folded("QĐ 1378 do ai ký")) and vocab.ASKS_ISSUANCE.search("ban hanh")
    assert vocab.ASKS_ISSUANCE.search(vocab.folded("Kế hoạch ký ngày nào")) and vocab.ASKS_ISSUANCE.search("ai ky")
    assert not vocab.ASKS_ISSUANCE.search(vocab.folded("cung cấp kiến thức, kỹ năng; họp định kỳ"))
    assert vocab.YEAR_RANGE.findall("giai đoạn 2022 - 2025") == [("2022", "2025")]
    header = "Thành phố Hồ Chí Minh, ngày 18 tháng 11 năm 2025\nKẾ HOẠCH"
    assert vocab.DATE_LINE.sub(" ", header).strip() == "KẾ HOẠCH"
    assert [g for g in vocab.ISSUE_YEAR.search(header).groups() if g] == ["2025"]
    assert vocab.NUMBER_WITH_YEAR.sub(" ", "Quyết định 45/2025/QĐ-UBND").strip() == "Quyết định"
    assert vocab.PERIOD_ASKED.search("tu 2026 den 2030") and vocab.NUMBER_YEAR_ASKED.search("45/2025/qd")


def test_question_kinds_and_fact_asks() -> None:
    kinds = dict(vocab.QUESTION_KINDS)
    assert list(kinds) == ["source", "basis", "link", "agency", "date", "number", "list"]  # most specific first
    assert re.search(kinds["source"], "kinh phi thuc hien lay tu dau") and re.search(kinds["agency"], "co quan nao chu tri")
    assert vocab.ASKS_COUNT.search("ty le bao nhieu") and not vocab.ASKS_COUNT.search("quy may")
    assert next(sorts for pattern, sorts in vocab.ASKS_DATE if re.search(pattern, "han chot ngay nao")) == ["day"]
    assert vocab.ASKS_DOC_NUMBER.search("to trinh so may") and vocab.ASKS_RECIPIENT.search("bao cao gui ve dau")
    assert vocab.RECIPIENT_BEFORE.search("báo cáo gửi về ") and vocab.LEAD_AFTER.match(" chủ trì, phối hợp")
    assert vocab.LEAD_BEFORE.search("giao cho ")
    # which document it replaces or carries out is a reference asked; which schemes a list holds is a list
    for asked in ("quy che moi thay the quyet dinh nao", "thong tu nao huong dan cham diem", "bai bo quyet dinh nao"):
        assert re.search(kinds["basis"], asked), asked
    assert not re.search(kinds["basis"], "phu luc gom nhung de an nao") and not re.search(kinds["basis"], "co de an nao")


def test_answer_spans_one_table_for_quotes_and_facts() -> None:
    assert set(vocab.ANSWER_SPANS) == {"source", "basis", "link"}
    source = vocab.ANSWER_SPANS["source"]
    text = "Kinh phí thực hiện bằng nguồn ngân sách tỉnh; lồng ghép các chương trình."
    assert source.mention.search(text) and source.span.search(text).group(1) == "nguồn ngân sách tỉnh"
    basis = vocab.ANSWER_SPANS["basis"]
    text = "Căn cứ Quyết định số 1601/QĐ-UBND ngày 21/10/2021 của UBND tỉnh, Sở Nội vụ"
    assert basis.mention.search(text) and basis.span.search(text).group(1) == \
        "Quyết định số 1601/QĐ-UBND ngày 21/10/2021 của UBND tỉnh"
    assert vocab.ANSWER_SPANS["link"].span.search("tại https://dichvucong.gov.vn.").group(1) == "https://dichvucong.gov.vn"


def test_abbreviations_and_how_documents_write_about_themselves() -> None:
    assert vocab.ABBREVIATIONS["cchc"] == "cải cách hành chính"
    assert all(k == k.lower() for k in vocab.ABBREVIATIONS)
    assert re.fullmatch(vocab.DOC_NUMBER_FORM, "1601/QĐ-UBND-HC") and not re.fullmatch(vocab.DOC_NUMBER_FORM, "2025")
    assert vocab.ISSUE_DATE_FULL.search("Tam Kỳ, ngày 21 tháng 10 năm 2021").groups() == ("21", "10", "2021")
    assert vocab.ISSUE_DATE_YEAR.search("ngày   tháng   năm 2025".replace("   ", " ")).group(1) == "2025"
    assert vocab.ATTACHED_TO.search("(Ban hành kèm theo Quyết định số 12/2024/QĐ-UBND ngày 5/3/2024)").group(1) == "Quyết định"
    assert vocab.REFERENCE_ISSUER.search("Nghị định số 30/2020/NĐ-CP của Chính phủ").group(1) == "Chính phủ"
    assert vocab.SIGNER_TITLE.match("KT. CHỦ TỊCH") and vocab.REFERENCE_LINE.match("Căn cứ Luật Tổ chức")
    assert vocab.RELATION_VERB.search("Quyết định này thay thế Quyết định số 12") and \
        vocab.OWN_DOCUMENT.search("Quyết định này có hiệu lực")


def test_yes_no_cities_and_department_abbreviations() -> None:
    assert vocab.YES_NO_QUESTION.search("co bat buoc nop truc tuyen khong")
    assert vocab.QUESTION_WORDS.search("co nhung viec nao can lam khong")  # asks for the items, not a yes or a no
    assert vocab.NEGATION.search("khong duoc thu phi") and not vocab.NEGATION.search("duoc thu phi")
    assert vocab.CITIES <= {vocab.folded(p) for p in vocab.PROVINCES}
    assert set(vocab.DEPARTMENT_ABBREVIATIONS) <= set(vocab.DEPARTMENTS)  # the short names a department goes by
    assert vocab.AT_LEAST.search("đạt trên ") and vocab.AT_MOST.search("không quá ")

"""Every part of the question: two years, provinces or documents compared are answered side by side."""

from __future__ import annotations

import pytest

from core.settings import Settings
from hoidap.answer import PART_NOT_FOUND, AnswerService
from hoidap.parts import split_parts
from index.query import analyse
from index.search import Searcher
from tests.conftest import shared_embedder


def parts(question: str) -> list[tuple[str, str, str]]:
    return [(p.label, p.text, p.kind) for p in split_parts(analyse(question))]


def test_two_joined_years_make_two_questions() -> None:
    assert parts("tỷ lệ hồ sơ trực tuyến năm 2022 so với năm 2025 ở Quảng Nam") == [
        ("2022", "tỷ lệ hồ sơ trực tuyến năm 2022 ở Quảng Nam", "year"),
        ("2025", "tỷ lệ hồ sơ trực tuyến năm 2025 ở Quảng Nam", "year")]
    assert parts("muc tieu 2022 va 2025 cua quang nam") == [
        ("2022", "muc tieu 2022 cua quang nam", "year"), ("2025", "muc tieu 2025 cua quang nam", "year")]


def test_a_period_or_a_date_is_not_two_years() -> None:
    assert parts("Theo đề án Quảng Nam 2022-2025, bao nhiêu % CBCC tham mưu") == []
    assert parts("Thời gian thực hiện từ năm 2022 đến năm 2025") == []
    assert parts("Kế hoạch năm 2022 kế thừa kết quả đạt được năm 2021 ra sao") == []  # not joined
    assert parts("Tờ trình ngày 10/5/2022 và năm 2022") == []


def test_two_provinces_and_two_documents() -> None:
    assert parts("Đồng Tháp so với Quảng Nam: tỷ lệ CBCC được tập huấn") == [
        ("Đồng Tháp", "Đồng Tháp: tỷ lệ CBCC được tập huấn", "place"),
        ("Quảng Nam", "Quảng Nam: tỷ lệ CBCC được tập huấn", "place")]
    assert [p[0] for p in parts("binh dinh va dong thap ai chu tri xay dung tai lieu")] == ["Bình Định", "Đồng Tháp"]
    assert parts("đề án 1601 và đề án 905 áp dụng giai đoạn nào") == [
        ("đề án 1601", "đề án 1601 áp dụng giai đoạn nào", "document"),
        ("đề án 905", "đề án 905 áp dụng giai đoạn nào", "document")]


def test_one_entity_is_no_split() -> None:
    assert parts("Mục tiêu CCHC năm 2025 của Quảng Nam") == []
    assert parts("QĐ 1601 ban hành ngày nào") == []
    assert parts("Quảng Nam năm 2025 và Quảng Nam năm 2025") == []
    # two names that overlap are one province: "Thanh Hóa bình quân" is not also "Hòa Bình"
    assert parts("Đội ngũ CBCC cấp xã ở Thanh Hóa bình quân bao nhiêu người một xã") == []


@pytest.fixture(scope="module")
def service(indexed_settings: Settings) -> AnswerService:
    return AnswerService(indexed_settings, Searcher(indexed_settings, shared_embedder(indexed_settings)))


def test_two_years_of_quang_nam_side_by_side_from_their_two_plans(service: AnswerService) -> None:
    answer = service.answer("Tỷ lệ hồ sơ giải quyết theo dịch vụ công trực tuyến của Quảng Nam năm 2022 và 2025 là bao nhiêu",
                            record=False)
    assert not answer.abstained
    assert answer.answer.startswith("2022: từ 50% trở lên [1] · 2025: 80% trở lên [2]\n")
    assert [(c.rank, c.doc_id) for c in answer.citations] == [
        (1, "quangnam-2022-ke-hoach-cchc"), (2, "quangnam-2025-ke-hoach-cchc")]
    for citation in answer.citations:
        assert citation.quotes and all(q in citation.text and f"“{q}”" in answer.answer for q in citation.quotes)


def test_a_part_the_documents_do_not_answer_says_so(service: AnswerService) -> None:
    answer = service.answer("Đồng Tháp và Hà Giang đặt mục tiêu bao nhiêu % cán bộ làm CCHC được tập huấn bồi dưỡng",
                            record=False)
    assert answer.answer.startswith("Đồng Tháp: 100% [1] · ")
    assert f"Hà Giang: {PART_NOT_FOUND}" in answer.answer
    assert [c.doc_id for c in answer.citations] == ["dongthap-2021-de-an-1601"]


def test_a_question_joining_too_many_entities_is_refused_before_any_part_is_answered() -> None:
    from core.errors import InvalidQuery
    from hoidap.parts import MAX_PARTS
    from corpus.vocab import PLACES

    years = "Mục tiêu cải cách hành chính các năm " + " và ".join(str(y) for y in range(1963, 2025))
    provinces = "Tỷ lệ hồ sơ trực tuyến của " + ", ".join(sorted(set(PLACES.values())))
    numbers = "Nội dung " + ", ".join(f"quyết định {n}" for n in range(101, 200))
    for question, kind, count in ((years, "năm", 62), (provinces, "tỉnh", len(set(PLACES.values()))),
                                  (numbers, "văn bản", 99)):
        with pytest.raises(InvalidQuery) as refused:
            split_parts(analyse(question))
        assert refused.value.code == "too_many_parts"
        assert f"{count} {kind}" in refused.value.message and f"tối đa {MAX_PARTS}" in refused.value.message
    joined = " và ".join(str(y) for y in range(2020, 2020 + MAX_PARTS))
    assert len(parts(f"Mục tiêu các năm {joined} của Quảng Nam")) == MAX_PARTS  # up to the cap: answered

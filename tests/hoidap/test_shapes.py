"""Answers shaped by the question, on the shipped corpus (issue 19): yes/no, lists, table columns,
near misses, province-switch follow-ups and comparisons."""

from __future__ import annotations

import pytest

from core.settings import Settings
from hoidap.answer import AnswerService
from hoidap.shape import asked_column, asks_yes_no, compare_measures, figure_unstated, list_members, yes_no
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


def test_the_column_asked_is_found_by_its_header() -> None:
    row = "Nhiệm vụ: Rà soát TTHC; Sản phẩm: Quyết định; Cơ quan chủ trì: Sở Nội vụ; Cơ quan phối hợp: Sở Tư pháp"
    assert asked_column(analyse("sản phẩm của nhiệm vụ rà soát TTHC là gì"), row).value == "Quyết định"
    assert asked_column(analyse("co quan phoi hop ra soat TTHC"), row).value == "Sở Tư pháp"
    assert asked_column(analyse("rà soát TTHC là gì"), row) is None


def test_list_members_are_the_units_under_the_same_heading() -> None:
    def unit(ordinal: int, crumb: str, kind: str = "bullet") -> UnitRecord:
        return UnitRecord(f"u{ordinal}", "d", ordinal, kind, f"ý {ordinal}", ("Điều 1", crumb), f"- việc {ordinal}",
                          False, "", "")
    units = [unit(1, "1. A"), unit(2, "2. B"), unit(3, "2. B"), unit(4, "2. B"), unit(5, "3. C")]
    assert [u.id for u in list_members(units[2], units)] == ["u2", "u3", "u4"]
    assert [u.id for u in list_members(units[0], units)] == ["u1"]


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
def test_a_funding_question_gets_its_source_as_direct(service: AnswerService) -> None:
    answer = service.answer("Kinh phí thực hiện đề án 1601 của Đồng Tháp lấy từ đâu?", record=False)
    assert answer.direct.startswith("ngân sách nhà nước")
    assert answer.direct_unit_id == answer.citations[0].unit_id
    basis = service.answer("Kế hoạch thực hiện đề án 905 của Bình Định căn cứ quyết định nào?", record=False)
    assert basis.direct == "Quyết định số 905/QĐ-BNV ngày 17 tháng 11 năm 2022 của Bộ trưởng Bộ Nội vụ"

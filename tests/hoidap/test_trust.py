"""Answers an officer can trust, on the shipped corpus with the shipped answerability model: plain
"the documents do not say" with the reason, never an unrelated quote; the fact first when they do."""

from __future__ import annotations

import pytest

from core.settings import Settings
from hoidap.answer import AnswerService
from hoidap.why import NO_ANSWER
from index.answerability.model import MODEL_FILE, AnswerabilityModel
from index.answerability.vetoes import VETOES
from index.search import Searcher
from tests.conftest import shared_embedder


@pytest.fixture(scope="module")
def service(indexed_settings: Settings) -> AnswerService:
    return AnswerService(indexed_settings, Searcher(indexed_settings, shared_embedder(indexed_settings)))


def test_the_index_version_answers_with_the_shipped_model(service: AnswerService) -> None:
    served = service.searcher.current().answerability
    shipped = AnswerabilityModel.load(MODEL_FILE)
    assert served is not None and shipped is not None
    assert served.threshold == shipped.threshold and 0 < served.threshold < 1


def _abstains(service: AnswerService, question: str, reason: str | None = None):
    answer = service.answer(question, record=False)
    assert answer.abstained and not answer.citations, answer.answer
    assert answer.direct is None
    if reason is not None:
        assert answer.reason == reason, (answer.reason, answer.answer)
    return answer


def test_general_knowledge_is_not_answered(service: AnswerService) -> None:
    answer = _abstains(service, "Ai là tác giả Truyện Kiều?")
    assert answer.answer.startswith(NO_ANSWER)


def test_a_citizen_procedure_is_not_answered(service: AnswerService) -> None:
    answer = _abstains(service, "Thủ tục cấp lại căn cước công dân cần những giấy tờ gì")
    assert answer.answer.startswith(NO_ANSWER) and answer.suggestions  # the closest documents, not a quote


def test_a_province_no_document_covers_is_named(service: AnswerService) -> None:
    answer = _abstains(service, "Kế hoạch CCHC năm 2025 của tỉnh Lâm Đồng có mục tiêu gì", "unknown_place")
    assert answer.answer.startswith("Các văn bản hiện có không có văn bản nào của tỉnh Lâm Đồng.")


def test_a_year_no_document_covers_is_named(service: AnswerService) -> None:
    answer = _abstains(service, "Kế hoạch CCHC năm 2023 của tỉnh Đồng Tháp có mấy nhiệm vụ", "doc_year_missing")
    assert answer.answer.startswith("Các văn bản hiện có không có Kế hoạch năm 2023 của tỉnh Đồng Tháp.")


def test_an_actual_result_is_told_apart_from_a_target(service: AnswerService) -> None:
    answer = _abstains(service, "Năm 2025 Quảng Nam thực tế đã đạt bao nhiêu phần trăm hồ sơ trực tuyến toàn trình",
                       "result_asked")
    assert "chỉ tiêu" in answer.answer and "không nêu kết quả thực tế" in answer.answer


def test_a_person_s_name_is_not_guessed(service: AnswerService) -> None:
    # both word orders: the documents list the post ("Giám đốc Sở Nội vụ;") but never who holds it
    for question in ("Giám đốc Sở Nội vụ Quảng Nam là ai", "ai là giám đốc sở nội vụ quảng nam"):
        answer = _abstains(service, question, "detail_unmet")
        assert "họ tên" in answer.answer
    # which agency leads a task is a different question, and the plans answer it
    answer = service.answer("ai chu tri so tay dat dai binh dinh", record=False)
    assert not answer.abstained


def test_officers_short_diacritic_free_questions_are_still_answered(service: AnswerService) -> None:
    for question in ("kinh phi de an lay tu dau", "QĐ 1601 ban hành ngày nào", "ai chu tri so tay dat dai binh dinh"):
        answer = service.answer(question, record=False)
        assert not answer.abstained and answer.citations, (question, answer.reason, answer.confidence)
        assert answer.confidence is not None and answer.reason is None


def test_the_appendix_i_target_column_answers_with_its_figure(service: AnswerService) -> None:
    answer = service.answer("Tỷ lệ cơ quan được kiểm tra CCHC tối thiểu bao nhiêu theo kế hoạch 2022 Quảng Nam",
                            record=False)
    assert not answer.abstained and answer.direct == "Tối thiểu 30%"
    assert answer.answer.startswith("Tối thiểu 30%.")
    lead = next(c for c in answer.citations if c.unit_id == answer.direct_unit_id)
    assert lead.doc_id == "quangnam-2022-ke-hoach-cchc" and lead.label == "Phụ lục I, kết quả 1.14"
    assert answer.direct in lead.text


def test_a_veto_alone_decides_and_is_only_the_reason_when_the_topic_is_there() -> None:
    model = AnswerabilityModel.load(MODEL_FILE)
    assert model is not None
    on_topic = {name: 0.0 for name in model.answerable.features} | {
        "dense_top": 0.92, "dense_best": 0.92, "coverage_top": 1.0, "coverage_best": 1.0, "terms": 2.0,
        "bigram_top": 1.0, "bigram_best": 1.0, "text_top": 1.0, "text_best": 1.0, "agree": 3.0, "overlap": 1.0,
        "named_doc": 1.0}
    assert model.decide(on_topic)[1] is None
    for name in VETOES:
        assert model.decide(on_topic | {name: 1.0})[1] == name
    off_topic = {name: 0.0 for name in model.answerable.features} | {"dense_top": 0.75, "dense_best": 0.75,
                                                                    "unknown_place": 1.0, "rare_missing": 1.0,
                                                                    "missing_mass": 2.0, "oov": 0.8}
    assert model.decide(off_topic)[1] == "low_confidence"


def test_a_document_number_the_corpus_never_mentions_is_named(service: AnswerService) -> None:
    answer = _abstains(service, "Đề án 1734/QĐ-UBND của Đồng Tháp về năng lực tham mưu CCHC có mấy nhiệm vụ",
                       "missing_number")
    assert "không nhắc đến văn bản số 1734." in answer.answer
    answer = _abstains(service, "Tờ trình số 1999/TTr-SNV đề nghị ban hành Kế hoạch CCHC năm 2025 của Quảng Nam ngày nào",
                       "missing_number")
    assert "văn bản số 1999." in answer.answer


def test_a_question_too_vague_to_look_up_says_so(service: AnswerService) -> None:
    answer = _abstains(service, "là sao", "vague")
    assert answer.answer.startswith("Câu hỏi chưa đủ rõ")


def test_a_plan_issued_in_2024_is_not_a_plan_about_2024(service: AnswerService) -> None:
    # the 2025 plan was issued in December 2024: a question about 2024 is not answered from it
    answer = service.answer("Chỉ tiêu dịch vụ công trực tuyến năm 2024 của Quảng Nam", record=False)
    assert answer.abstained, answer.answer
    answered = service.answer("Chỉ tiêu dịch vụ công trực tuyến toàn trình năm 2025 của Quảng Nam", record=False)
    assert not answered.abstained and answered.citations[0].doc_id == "quangnam-2025-ke-hoach-cchc"

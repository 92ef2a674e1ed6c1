"""Follow-ups that switch entity keep the topic and move to the new province, year or document."""

from __future__ import annotations

import pytest

from core.settings import Settings
from hoidap.answer import AnswerService
from hoidap.followup import rewrite_followup
from hoidap.querylog import Turn
from index.query import analyse
from index.search import Searcher
from tests.conftest import shared_embedder

PREVIOUS = Turn("Tỷ lệ hồ sơ trực tuyến năm 2025 của Quảng Nam theo KH 8079",
                "Tỷ lệ hồ sơ trực tuyến năm 2025 của Quảng Nam theo KH 8079", "quangnam-2025-ke-hoach-cchc", [])


def rewrite(question: str, previous: Turn | None = PREVIOUS, named=None) -> tuple[str, dict[str, int]]:
    return rewrite_followup(analyse(question), previous, named)


def test_a_new_province_replaces_the_old_one_and_the_old_document() -> None:
    assert rewrite("Bình Định thì sao?")[0] == "Tỷ lệ hồ sơ trực tuyến năm 2025 của Bình Định theo"
    assert rewrite("con dong thap?")[0] == "Tỷ lệ hồ sơ trực tuyến năm 2025 của Đồng Tháp theo"


def test_a_new_year_replaces_the_old_one() -> None:
    assert rewrite("còn năm 2022 thì sao?")[0] == "Tỷ lệ hồ sơ trực tuyến năm 2022 của Quảng Nam theo"
    assert rewrite("còn 2022?", Turn("Mục tiêu CCHC của Quảng Nam", "Mục tiêu CCHC của Quảng Nam", "d", []))[0] == \
        "Mục tiêu CCHC của Quảng Nam năm 2022"


def test_a_new_document_replaces_the_old_one_and_its_province() -> None:
    assert rewrite("còn đề án 1601?")[0] == "Tỷ lệ hồ sơ trực tuyến năm 2025 của theo đề án 1601"


def test_the_new_entity_s_documents_are_preferred_not_the_previous_one() -> None:
    def named(query) -> dict[str, int]:
        return {"binhdinh": 1} if "binh dinh" in query.places else {"quangnam": 1} if query.places else {}

    _, prefer = rewrite("Bình Định thì sao?", named=named)
    assert prefer == {"binhdinh": 2}
    assert rewrite("cơ quan nào chủ trì việc đó?")[1] == {"quangnam-2025-ke-hoach-cchc": 2}


def test_questions_of_their_own_and_first_questions_are_left_alone() -> None:
    assert rewrite("QĐ 1601 của Đồng Tháp ban hành ngày nào") == ("QĐ 1601 của Đồng Tháp ban hành ngày nào", {})
    assert rewrite("Bình Định thì sao?", None) == ("Bình Định thì sao?", {})
    assert rewrite("còn Quảng Nam?")[0] == "còn Quảng Nam? " + PREVIOUS.question  # the same province: no switch


@pytest.fixture(scope="module")
def service(indexed_settings: Settings) -> AnswerService:
    return AnswerService(indexed_settings, Searcher(indexed_settings, shared_embedder(indexed_settings)))


def test_province_follow_up_answers_from_the_new_province_s_document(service: AnswerService) -> None:
    first = service.answer("Đề án Quảng Nam đặt mục tiêu bao nhiêu % cán bộ làm CCHC được cung cấp tài liệu, kiến thức, kỹ năng",
                           conversation_id="f-province")
    assert first.citations[0].doc_id == "quangnam-2022-de-an-nang-luc-cchc"
    second = service.answer("Bình Định thì sao?", conversation_id="f-province")
    assert "Bình Định" in second.search_query and "Quảng Nam" not in second.search_query
    assert {c.doc_id for c in second.citations if c.quotes} == {"binhdinh-2022-ke-hoach-de-an-905"}
    third = service.answer("còn Đồng Tháp?", conversation_id="f-province")
    assert "cung cấp tài liệu" in third.search_query
    assert third.citations[0].doc_id == "dongthap-2021-de-an-1601"


def test_year_follow_up_answers_from_that_year_s_plan(service: AnswerService) -> None:
    first = service.answer("Tỷ lệ hồ sơ giải quyết theo dịch vụ công trực tuyến toàn trình năm 2025 của Quảng Nam",
                           conversation_id="f-year")
    assert first.direct == "80% trở lên" and first.citations[0].doc_id == "quangnam-2025-ke-hoach-cchc"
    second = service.answer("còn năm 2022 thì sao?", conversation_id="f-year")
    assert second.citations[0].doc_id == "quangnam-2022-ke-hoach-cchc" and second.direct == "từ 50% trở lên"


def test_document_follow_up_answers_from_the_document_named(service: AnswerService) -> None:
    first = service.answer("Thời gian thực hiện đề án tăng cường năng lực tham mưu CCHC của Quảng Nam",
                           conversation_id="f-doc")
    assert first.citations[0].doc_id == "quangnam-2022-de-an-nang-luc-cchc"
    second = service.answer("còn đề án 1601?", conversation_id="f-doc")
    assert "1601" in second.search_query and "Quảng Nam" not in second.search_query
    assert second.citations[0].doc_id == "dongthap-2021-de-an-1601"

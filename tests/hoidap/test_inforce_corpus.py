"""The shipped corpus, the real model: the 2025 Quảng Nam plan succeeds the 2022 one; a question about
the present cites 2025 first; a citation of the 2022 plan carries the replaced mark everywhere."""

from __future__ import annotations

import pytest

from bot.format import answer_plain
from core.settings import Settings
from hoidap.answer import AnswerService
from index.search import Searcher

OLD, NEW = "quangnam-2022-ke-hoach-cchc", "quangnam-2025-ke-hoach-cchc"
MARK = "đã được thay thế bởi Quyết định ban hành Kế hoạch công tác cải cách hành chính năm 2025"


@pytest.fixture(scope="module")
def service(indexed_settings: Settings) -> AnswerService:
    return AnswerService(indexed_settings)


def test_2025_plan_is_recorded_as_successor_of_2022(indexed_settings: Settings) -> None:
    docs = Searcher(indexed_settings).current().docs
    assert [(x["doc_id"], x["how"]) for x in docs[OLD].replaced_by] == [(NEW, "ke_hoach_nam_sau")]
    assert [x["doc_id"] for x in docs[NEW].replaces] == [OLD]
    assert not docs[OLD].in_force and docs[OLD].validity == f"đã được thay thế bởi {docs[NEW].citation}"
    assert all(d.in_force and not d.validity for k, d in docs.items() if k != OLD)


@pytest.mark.parametrize("question", [
    "Mục tiêu chung của kế hoạch cải cách hành chính tỉnh Quảng Nam hiện nay là gì?",
    "muc tieu chung ke hoach cai cach hanh chinh quang nam hien nay",
    "Quảng Nam đặt chỉ tiêu gì về tỷ lệ hồ sơ giải quyết trực tuyến?",
    # ranked 2022 first before the in-force preference (index/inforce.py)
    "mức độ hài lòng của người dân quảng nam phải đạt bao nhiêu",
])
def test_a_question_about_the_present_cites_the_2025_plan_first(service: AnswerService, question: str) -> None:
    answer = service.answer(question, record=False)
    assert not answer.abstained, answer.answer
    assert answer.citations[0].doc_id == NEW, [c.doc_id for c in answer.citations]
    for citation in answer.citations:
        assert (citation.doc_id == OLD) == citation.validity.startswith("đã được thay thế bởi")


def test_a_task_only_the_2022_plan_holds_is_cited_from_it_with_the_mark(service: AnswerService) -> None:
    answer = service.answer("Kế hoạch CCHC của Quảng Nam hiện nay giao Sở nào chủ trì kiểm tra cải cách hành chính?",
                            record=False)
    assert answer.citations[0].doc_id == OLD and f"(Lưu ý: văn bản này {MARK}" in answer.answer


@pytest.mark.parametrize("question", [
    "Mục tiêu chung của kế hoạch CCHC năm 2022 của Quảng Nam là gì?",
    "Năm 2022 Quảng Nam đặt chỉ tiêu bao nhiêu % hồ sơ công việc cấp xã xử lý trên môi trường điện tử",
])
def test_a_question_naming_2022_gets_2022_marked_as_replaced(service: AnswerService, question: str) -> None:
    answer = service.answer(question, record=False)
    first = answer.citations[0]
    assert first.doc_id == OLD and not first.in_force and first.validity.startswith(MARK)
    assert [x["doc_id"] for x in first.replaced_by] == [NEW]
    assert f"(Lưu ý: văn bản này {MARK}" in answer.answer
    assert f"— ⚠️ {MARK}" in answer_plain(answer)

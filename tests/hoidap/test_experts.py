"""The expert queue, its outbox and the FAQ, on real SQLite files; FAQ answers through the real assistant."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from core.errors import InvalidQuery, NotFound
from hoidap.assistant import Assistant
from hoidap.experts import CitedUnit, ExpertDesk
from hoidap.faq import best_match
from index.search import Searcher
from tests.conftest import shared_embedder
from tests.live import private_copy

OUT_OF_SCOPE = "Cán bộ làm công tác CCHC có được hỗ trợ tiền điện thoại hằng tháng không?"
PARAPHRASES = [
    "can bo lam cong tac cchc co duoc ho tro tien dien thoai hang thang khong",
    "Xin hỏi cán bộ làm công tác CCHC có được hỗ trợ tiền điện thoại mỗi tháng không ạ?",
    "Hằng tháng cán bộ làm công tác CCHC có được hỗ trợ tiền điện thoại không?",
]
NEAR_MISSES = [
    "Cán bộ làm công tác CCHC có được hỗ trợ tiền xăng xe hằng tháng không?",  # another allowance
    "Cán bộ làm công tác CCHC năm 2025 có được hỗ trợ tiền điện thoại hằng tháng không?",  # a year added
    "Cán bộ làm công tác CCHC có phải nộp tiền điện thoại hằng tháng không?",  # the opposite ask
    "Ai hỗ trợ tiền điện thoại cho cán bộ làm công tác CCHC?",  # another kind of fact
]


def _desk(tmp_path: Path) -> ExpertDesk:
    return ExpertDesk(tmp_path / "data" / "experts.sqlite3")


def _queue(desk: ExpertDesk, **extra) -> int:
    fields = {"channel": "telegram", "conversation": "h:abc", "reply_to": "7001", "answer_id": "a" * 32,
              "question": OUT_OF_SCOPE, "bot_answer": "Chưa tìm thấy nội dung trả lời", "abstained": True} | extra
    return desk.escalate(**fields)


def test_the_queue_file_is_private_and_never_shows_the_reply_address(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    request_id = _queue(desk, question="Tôi (sđt 0912345678) hỏi về phụ cấp")
    assert stat.S_IMODE((tmp_path / "data" / "experts.sqlite3").stat().st_mode) == 0o600
    [row] = desk.requests("open")
    assert row["id"] == request_id and "reply_to" not in row and "conversation" not in row
    assert row["question"] == "Tôi (sđt [số điện thoại]) hỏi về phụ cấp"
    assert _queue(desk, question="Tôi (sđt 0912345678) hỏi về phụ cấp") == request_id  # the same answer: queued once


def test_a_reply_waits_in_the_outbox_until_delivered(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    request_id = _queue(desk)
    assert desk.claim("telegram") == []
    unit = CitedUnit("u1", "d1", "Điều 1", "Quyết định số 1")
    desk.answer(request_id, "  Không có khoản hỗ trợ này.  ", [unit], as_faq=True)
    [reply] = desk.claim("telegram")
    assert (reply.reply_to, reply.text, reply.units) == ("7001", "Không có khoản hỗ trợ này.", [unit])
    assert desk.claim("telegram") == [] and desk.claim("zalo") == []  # claimed: no second send meanwhile
    desk.delivered(request_id)
    assert desk.get(request_id)["status"] == "delivered"
    assert desk.requests("open") == [] and [r["id"] for r in desk.requests("answered")] == [request_id]
    with pytest.raises(InvalidQuery, match="đã được trả lời"):
        desk.answer(request_id, "lần hai", [], as_faq=False)


def test_bad_replies_and_unknown_requests_are_refused(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    request_id = _queue(desk)
    with pytest.raises(InvalidQuery, match="trống"):
        desk.answer(request_id, "   ", [], as_faq=False)
    with pytest.raises(NotFound, match="999"):
        desk.answer(999, "trả lời", [], as_faq=False)
    with pytest.raises(InvalidQuery, match="open, answered hoặc all"):
        desk.requests("closed")
    assert desk.get(request_id)["status"] == "open"


def test_faq_matching_takes_close_paraphrases_only() -> None:
    entries = [(1, OUT_OF_SCOPE)]
    for question in PARAPHRASES:
        assert best_match(question, entries) is not None, question
    for question in NEAR_MISSES:
        assert best_match(question, entries) is None, question


@pytest.fixture(scope="module")
def assistant(indexed_settings, tmp_path_factory) -> Assistant:
    settings = private_copy(indexed_settings, tmp_path_factory.mktemp("experts"))
    return Assistant(settings, searcher=Searcher(settings, shared_embedder(settings)))


def test_a_curated_answer_is_preferred_for_a_paraphrase_and_not_for_a_near_miss(assistant: Assistant) -> None:
    asked = assistant.ask(OUT_OF_SCOPE, channel="telegram", conversation_id="tg:5001")
    assert asked.abstained and asked.escalable
    request_id = assistant.escalate(asked.answer_id, channel="telegram", conversation_id="tg:5001", reply_to="5001")
    with pytest.raises(NotFound):  # another chat cannot send this answer to the expert
        assistant.escalate(asked.answer_id, channel="telegram", conversation_id="tg:5002", reply_to="5002")
    unit = assistant.find_units("phụ cấp, chế độ hỗ trợ cán bộ làm công tác cải cách hành chính")[0]
    assistant.expert_reply(request_id, "Các văn bản hiện có không quy định khoản hỗ trợ tiền điện thoại.",
                           [unit["unit_id"]], as_faq=True)

    for question in PARAPHRASES:
        answer = assistant.ask(question, channel="api")
        assert answer.faq is not None and not answer.abstained, question
        assert "không quy định khoản hỗ trợ tiền điện thoại" in answer.answer
        assert answer.citations[0].unit_id == unit["unit_id"] == answer.faq["unit_id"]
        assert answer.faq["answered_at"] in answer.answer  # shown with its date
    for question in NEAR_MISSES:
        answer = assistant.ask(question, channel="api")
        assert answer.faq is None, question
        assert "không quy định khoản hỗ trợ tiền điện thoại" not in answer.answer

    with pytest.raises(NotFound):
        assistant.expert_reply(request_id, "x", ["no-such-unit"])

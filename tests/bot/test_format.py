"""The pure parts of the channels: message splitting, answer formatting, button data, signatures, limits."""

from __future__ import annotations

import hashlib
import re

import pytest
from telegram import Message

from bot import format as fmt
from bot.limits import RecentIds
from bot.telegram_buttons import answer_keyboard, parse_callback
from bot.telegram_handlers import addressed_text
from core.ratelimit import RateLimiter
from bot.zalo_events import signature, text_event, verify
from hoidap.model import Answer, Citation
from core.errors import IndexMissing, InvalidQuery

PARAGRAPH = "Kinh phí thực hiện Đề án được bảo đảm từ nguồn ngân sách nhà nước và các nguồn hợp pháp khác."


def test_a_short_message_is_left_whole():
    assert fmt.split_message("  Xin chào!  ", 4096) == ["Xin chào!"]
    assert fmt.split_message("", 4096) == []


def test_a_long_message_is_split_at_paragraphs_within_the_limit():
    paragraphs = [f"{i}. {PARAGRAPH}" for i in range(60)]  # about 6,000 characters
    text = "\n\n".join(paragraphs)
    parts = fmt.split_message(text, 4096)
    assert len(parts) == 2 and all(len(p) <= 4096 for p in parts)
    assert "\n\n".join(parts) == text, "only the break between two paragraphs is dropped"
    assert parts[1].startswith(paragraphs[len(parts[0].split("\n\n"))])


def test_without_paragraphs_lines_then_words_then_anything_are_cut():
    lines = "\n".join([PARAGRAPH] * 60)
    assert all(p.endswith("khác.") for p in fmt.split_message(lines, 1000)[:-1]), "cut at line ends"
    words = " ".join(["cải cách"] * 800)
    parts = fmt.split_message(words, 1000)
    assert all(len(p) <= 1000 and not p.startswith(" ") and p.endswith("cách") for p in parts)
    assert " ".join(parts) == words
    solid = "x" * 2500
    assert [len(p) for p in fmt.split_message(solid, 1000)] == [1000, 1000, 500]


def test_html_is_never_cut_inside_a_tag_or_an_entity_and_open_tags_are_carried_over():
    body = " ".join(["a&amp;b"] * 400)  # one bold run of 3,200 characters, entities everywhere
    text = f"<b>Tiêu đề</b>\n<i>{body}</i>"
    parts = fmt.split_message(text, 1000, html=True)
    assert len(parts) >= 4 and all(len(p) <= 1000 for p in parts)
    for part in parts:
        assert part.count("<i>") == part.count("</i>") == 1 or part.startswith("<b>")
        assert not re.search(r"&(?!amp;)|<(?![/bi])", part), f"cut inside an entity or tag: {part[-20:]!r}"
    assert parts[1].startswith("<i>") and parts[0].endswith("</i>")
    def squeeze(html: str) -> str:
        return re.sub(r"</?i>|\s", "", html)

    assert "".join(squeeze(p) for p in parts) == squeeze(text), "nothing lost but spaces and repeated tags"


def test_plain_text_with_angle_brackets_is_not_treated_as_html():
    text = ("a < b > c " * 300).strip()
    assert "".join(fmt.split_message(text, 500)).replace(" ", "") == text.replace(" ", "")


def test_a_limit_too_small_is_refused_with_the_value():
    with pytest.raises(ValueError, match="limit=10"):
        fmt.split_message("x" * 100, 10)


def _answer(abstained: bool = False) -> Answer:
    citations = [] if abstained else [
        Citation(rank=1, unit_id="d.001", doc_id="d", doc_title="T", doc_number="1/QĐ", label="Điều 1 <khoản>",
                 text="Nội dung <b>thô</b> & đủ", score=0.9, citation="Quyết định số 1/QĐ & <x>"),
        Citation(rank=2, unit_id="d.002", doc_id="d", doc_title="T", doc_number="1/QĐ", label="Điều 2",
                 text="Khác", score=0.8, citation="Quyết định số 1/QĐ & <x>"),
    ]
    text = "Chưa tìm thấy nội dung trả lời trong các văn bản hiện có." if abstained else \
        "Theo Quyết định số 1/QĐ & <x> (Điều 1): “Nội dung <b>thô</b> & đủ” [1]"
    return Answer(question="q", answer=text, abstained=abstained, citations=citations, answer_id="a" * 32)


def test_every_piece_of_document_text_is_escaped_and_citations_are_numbered():
    out = fmt.answer_html(_answer())
    assert "<b>thô</b>" not in out and "&lt;b&gt;thô&lt;/b&gt; &amp; đủ" in out
    # only the source the text quotes ([1]; [2] is not quoted), the document named in a few words
    assert out.endswith("<b>Nguồn</b>\n[1] Quyết định 1/QĐ, Điều 1 &lt;khoản&gt;")
    assert fmt.answer_plain(_answer()).endswith("Nguồn:\n[1] Quyết định 1/QĐ, Điều 1 <khoản>")
    clause = fmt.clause_html(1, "QĐ <1>", "Điều 1", ["Chương I", "Điều 1"], "a < b & c")
    assert clause == "📄 <b>[1] QĐ &lt;1&gt;</b>\n<i>Điều 1</i>\nChương I › Điều 1\n\na &lt; b &amp; c"


def test_an_abstention_has_no_footer_feedback_buttons_and_the_expert_button():
    answer = _answer(abstained=True)
    assert fmt.answer_html(answer) == answer.answer
    rows = answer_keyboard(answer).inline_keyboard
    assert [[b.text for b in row] for row in rows] == [["👍", "👎"], [fmt.ESCALATE_BUTTON]]
    assert parse_callback(rows[1][0].callback_data) == ("e", "a" * 32, 0)
    assert fmt.ESCALATE_COMMAND in fmt.answer_plain(answer)  # Zalo: the reply instruction
    assert fmt.ESCALATE_COMMAND not in fmt.answer_plain(_answer())


def test_citations_link_to_the_library_when_a_public_address_is_set():
    answer = _answer()
    html = fmt.answer_html(answer, "https://hoidap.example.gov.vn")
    assert '<a href="https://hoidap.example.gov.vn/vanban/d#d.001">Quyết định 1/QĐ, Điều 1 &lt;khoản&gt;</a>' in html
    plain = fmt.answer_plain(answer, "https://hoidap.example.gov.vn")
    assert "https://hoidap.example.gov.vn/vanban/d#d.001" in plain and "d.002" not in plain  # [2] is not quoted
    assert "href" not in fmt.answer_html(answer) and "http" not in fmt.answer_plain(answer)
    listed = fmt.documents_html([{"id": "d", "citation": "QĐ <1>", "units": 3}], "https://hoidap.example.gov.vn")
    assert '<a href="https://hoidap.example.gov.vn/vanban/d">QĐ &lt;1&gt;</a>' in listed


def test_an_expert_reply_is_escaped_and_cites_its_units():
    from hoidap.experts import CitedUnit, Reply

    reply = Reply(1, "telegram", "42", "Hỏi <b>gì</b>?", "Trả lời & <i>thêm</i>",
                  [CitedUnit("d.001", "d", "Điều 1", "Quyết định số 1")], answered_at=1_700_000_000)
    html = fmt.expert_reply_html(reply, "https://h.gov.vn")
    assert "Hỏi &lt;b&gt;gì&lt;/b&gt;?" in html and "Trả lời &amp; &lt;i&gt;thêm&lt;/i&gt;" in html
    assert '<a href="https://h.gov.vn/vanban/d#d.001">Quyết định số 1, Điều 1</a>' in html and "14/11/2023" in html
    assert fmt.expert_reply_plain(reply).endswith("Căn cứ:\n[1] Quyết định số 1, Điều 1")


def test_buttons_carry_parseable_data_within_telegrams_64_bytes():
    rows = answer_keyboard(_answer()).inline_keyboard
    data = [b.callback_data for row in rows for b in row]
    assert all(len(d.encode()) <= 64 for d in data)
    assert [parse_callback(d) for d in data] == [("c", "a" * 32, 1), ("c", "a" * 32, 2), ("f", "a" * 32, 1),
                                                 ("f", "a" * 32, 0)]
    for bad in (None, "", "c:abc:1", "x:" + "a" * 32 + ":1", "c:" + "a" * 32 + ":1:2", "f:" + "a" * 32 + ":5",
                "e:" + "a" * 32 + ":1"):
        with pytest.raises(ValueError, match="unreadable button data"):
            parse_callback(bad)


def test_error_replies_are_vietnamese_and_actionable():
    assert fmt.error_text(InvalidQuery("câu hỏi trống; hãy nhập nội dung cần tra cứu")) == \
        "⚠️ Câu hỏi trống; hãy nhập nội dung cần tra cứu."
    assert "chưa sẵn sàng" in fmt.error_text(IndexMissing("no index"))
    assert fmt.rate_limited_text(0.2) == "Bạn đang hỏi quá nhanh; vui lòng thử lại sau 1 giây."
    assert all(q in fmt.welcome_text() for q in fmt.EXAMPLES)


def _message(text: str, chat_type: str = "supergroup", reply_from: int | None = None) -> Message:
    data = {"message_id": 5, "date": 0, "text": text, "chat": {"id": -5, "type": chat_type},
            "from": {"id": 9, "is_bot": False, "first_name": "Lan"}}
    if reply_from is not None:
        data["reply_to_message"] = {"message_id": 4, "date": 0, "chat": data["chat"], "text": "…",
                                    "from": {"id": reply_from, "is_bot": True, "first_name": "Bot"}}
    return Message.de_json(data, None)


def test_in_groups_the_bot_answers_mentions_and_replies_only():
    assert addressed_text(_message("xin chào", "private"), "HoiDapBot", 1) == "xin chào"
    assert addressed_text(_message("Kinh phí lấy từ đâu?"), "HoiDapBot", 1) is None
    assert addressed_text(_message("@hoidapbot Kinh phí lấy từ đâu?"), "HoiDapBot", 1) == "Kinh phí lấy từ đâu?"
    assert addressed_text(_message("@HoiDapBot2 Kinh phí?"), "HoiDapBot", 1) is None
    assert addressed_text(_message("còn năm 2022?", reply_from=1), "HoiDapBot", 1) == "còn năm 2022?"
    assert addressed_text(_message("còn năm 2022?", reply_from=2), "HoiDapBot", 1) is None


def test_the_zalo_signature_is_sha256_of_app_id_body_timestamp_and_oa_secret():
    body = b'{"event_name":"user_send_text","timestamp":"1700000000000"}'
    expected = "mac=" + hashlib.sha256(b"app1" + body + b"1700000000000" + b"oa-secret").hexdigest()
    assert signature("app1", body, "1700000000000", "oa-secret") == expected
    assert verify(expected, "app1", body, "oa-secret")
    assert not verify(expected, "app1", body.replace(b"text", b"txt"), "oa-secret")
    assert not verify(expected, "app1", body, "other-secret")
    assert not verify(None, "app1", body, "oa-secret") and not verify(expected, "app1", b"not json", "oa-secret")


def test_only_user_send_text_events_are_questions():
    event = {"event_name": "user_send_text", "sender": {"id": "u1"}, "message": {"msg_id": "m1", "text": "hỏi"}}
    assert text_event(event).text == "hỏi" and text_event(event).user_id == "u1"
    assert text_event({**event, "event_name": "user_send_sticker"}) is None
    assert text_event({"event_name": "user_send_text", "message": {"text": "x"}}) is None
    assert text_event(["not", "an", "event"]) is None


def test_the_rate_limit_refuses_past_the_limit_and_warns_once():
    limiter = RateLimiter(2)
    assert [limiter.take("c").allowed for _ in range(3)] == [True, True, False]
    assert limiter.take("c").warn is False, "one warning per refusal streak"
    assert limiter.take("other").allowed
    with pytest.raises(ValueError, match="per_minute=0"):
        RateLimiter(0)


def test_recent_ids_are_bounded():
    seen = RecentIds(3)
    assert [seen.add(k) for k in "abca"] == [True, True, True, False]
    for k in "defg":
        seen.add(k)
    assert seen.add("a") is True, "forgotten once more recent ids pushed it out"

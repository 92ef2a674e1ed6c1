"""The Telegram bot end to end: the real Application long polling a fake Bot API over HTTP, answering from
the indexed shipped corpus."""

from __future__ import annotations

import argparse
import html
import json
import logging
import re

import pytest
from pydantic import SecretStr

from bot.telegram import build_application
from corpus.ingest import Ingester
from corpus.store import Store
from cli import bot as cli_bot
from hoidap.assistant import Assistant
from index.build import IndexBuilder
from hoidap.querylog import QueryLog
from index.search import Searcher
from tests.bot.conftest import telegram_settings
from tests.conftest import shared_embedder
from tests.bot.fakes import FakeTelegram, wait_until
from tests.bot.support import PollingBot, button_press, buttons, message, new_chat_id

QUESTION = "Kinh phí thực hiện đề án lấy từ đâu?"


def ask(fake: FakeTelegram, chat_id: int, text: str, count: int = 1, **kwargs) -> list:
    """Send ``text`` to the bot; the first ``count`` messages it sends back to the chat."""
    before = len(fake.sent(chat_id))
    fake.push(message(chat_id, text, **kwargs))

    def answered() -> list | None:
        sent = fake.sent(chat_id)
        return sent[before:before + count] if len(sent) >= before + count else None

    return wait_until(answered, what=f"{count} answer(s) to {text!r}")


def test_a_question_gets_a_cited_answer_in_html_with_buttons(polling_bot, fake_telegram, bot_service):
    chat = new_chat_id()
    [call] = ask(fake_telegram, chat, QUESTION)

    text = call.params["text"]
    assert call.params["parse_mode"] == "HTML"
    assert "Kinh phí thực hiện Đề án được bảo đảm từ nguồn ngân sách nhà nước" in text
    assert "[1]" in text and "\n\n<b>Nguồn</b>\n[1] " in text
    labels = [label for label, _ in buttons(call.result)]
    assert labels[:2] == ["📄 1", "📄 2"] and labels[-2:] == ["👍", "👎"]
    assert fake_telegram.sent(chat, "sendChatAction"), "the user sees 'typing…' while the answer is searched"
    turn = bot_service.querylog.last_turn(f"tg:{chat}")
    assert turn is not None and turn.question == QUESTION


def test_the_clause_button_shows_the_cited_clause_in_full(polling_bot, fake_telegram, bot_service):
    chat = new_chat_id()
    [answer] = ask(fake_telegram, chat, QUESTION)
    data = dict((label, data) for label, data in buttons(answer.result))["📄 1"]

    fake_telegram.push(button_press(answer.result, data, query_id="clause-1"))
    [clause] = wait_until(lambda: fake_telegram.sent(chat)[1:], what="the clause")

    answer_id = data.split(":")[1]
    unit = bot_service.snapshot().unit(json.loads(bot_service.querylog.get(answer_id)["unit_ids"])[0])
    assert html.escape(unit.text, quote=False) in clause.params["text"]
    assert clause.params["text"].startswith("📄 <b>[1] ")
    assert clause.params["reply_parameters"]["message_id"] == answer.result["message_id"]
    assert any(c.params["callback_query_id"] == "clause-1" for c in fake_telegram.called("answerCallbackQuery"))


def test_feedback_is_stored_in_the_query_log_and_its_buttons_removed(polling_bot, fake_telegram, bot_service):
    chat = new_chat_id()
    [answer] = ask(fake_telegram, chat, QUESTION)
    data = dict(buttons(answer.result))["👎"]
    answer_id = data.split(":")[1]

    fake_telegram.push(button_press(answer.result, data, query_id="vote-1"))
    wait_until(lambda: bot_service.querylog.feedback_for(answer_id), what="the feedback row")
    [row] = bot_service.querylog.feedback_for(answer_id)
    assert row["helpful"] == 0 and row["channel"] == "telegram"

    [edit] = wait_until(lambda: fake_telegram.sent(chat, "editMessageReplyMarkup"), what="the buttons edit")
    left = [b["text"] for r in edit.params["reply_markup"]["inline_keyboard"] for b in r]
    assert "👍" not in left and "👎" not in left and "📄 1" in left
    [ack] = [c for c in fake_telegram.called("answerCallbackQuery") if c.params["callback_query_id"] == "vote-1"]
    assert ack.params["text"] == "Cảm ơn bạn đã góp ý!"


def test_a_follow_up_question_uses_the_chats_previous_turn(polling_bot, fake_telegram, bot_service):
    chat = new_chat_id()
    ask(fake_telegram, chat, "Mục tiêu CCHC năm 2025 của Quảng Nam là gì?")
    ask(fake_telegram, chat, "còn năm 2022 thì sao?")
    turn = bot_service.querylog.last_turn(f"tg:{chat}")
    assert turn.question == "còn năm 2022 thì sao?"
    assert "2022" in turn.search_query and "Quảng Nam" in turn.search_query


# python-telegram-bot 22 itself warns when it builds RetryAfter (retry_after becomes a timedelta in v23)
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_a_flood_wait_and_a_bad_gateway_are_retried(polling_bot, fake_telegram):
    chat = new_chat_id()
    fake_telegram.fail_once("sendMessage", 429, {"ok": False, "error_code": 429,
                                                 "description": "Too Many Requests: retry after 1",
                                                 "parameters": {"retry_after": 1}})
    fake_telegram.fail_once("sendMessage", 502, b"<html>Bad Gateway</html>")
    attempts = ask(fake_telegram, chat, QUESTION, count=3)

    assert attempts[0].params["text"] == attempts[1].params["text"] == attempts[2].params["text"]
    assert attempts[1].at - attempts[0].at >= 0.95, "the retry waited for retry_after"
    assert attempts[2].result is not None, "the third attempt went through"


def test_unreadable_updates_and_failing_chats_do_not_stop_the_bot(polling_bot, fake_telegram, caplog):
    caplog.set_level(logging.INFO)
    bad_chat, chat = new_chat_id(), new_chat_id()
    fake_telegram.refused_chats.add(bad_chat)

    fake_telegram.push({"message": "not a message", "garbage": [1, 2]})
    fake_telegram.push(button_press({"message_id": 1, "date": 1, "chat": {"id": chat, "type": "private"}},
                                    "not|our|data", query_id="bad-button"))
    fake_telegram.push(message(bad_chat, QUESTION))
    [answer] = ask(fake_telegram, chat, QUESTION)

    assert "[1]" in answer.params["text"]
    wait_until(lambda: "error while handling Telegram update" in caplog.text, what="the error handler's log")
    assert "skipped Telegram update" in caplog.text and "not a message" not in answer.params["text"]
    assert "ignored a button press" in caplog.text
    [ack] = [c for c in fake_telegram.called("answerCallbackQuery") if c.params["callback_query_id"] == "bad-button"]
    assert ack.params["text"] == "Nút này không còn dùng được."
    records = [r for r in caplog.records if r.getMessage().startswith("error while handling Telegram update")]
    assert records[0].exc_info and "chat not found" in str(records[0].exc_info[1]).lower()


def test_in_groups_only_mentions_and_replies_are_answered(polling_bot, fake_telegram):
    group = -new_chat_id()
    fake_telegram.push(message(group, "Kinh phí thực hiện đề án lấy từ đâu vậy mọi người?", chat_type="supergroup",
                               user_id=501))
    [first] = ask(fake_telegram, group, f"@{FakeTelegram.BOT['username']} {QUESTION}", chat_type="supergroup",
                  user_id=502)
    [second] = ask(fake_telegram, group, "QĐ 1601 ban hành ngày nào?", chat_type="supergroup", user_id=503,
                   reply_to=first.result)

    assert len(fake_telegram.sent(group)) == 2, "the message that did not address the bot got no answer"
    assert "Kinh phí" in first.params["text"] and "1601" in second.params["text"]
    assert "reply_parameters" in first.params, "in a group the answer replies to the question"


def test_commands_start_help_and_documents(polling_bot, fake_telegram, bot_service):
    chat = new_chat_id()
    [welcome] = ask(fake_telegram, chat, "/start")
    assert "Ví dụ:" in welcome.params["text"] and "/vanban" in welcome.params["text"]
    [helped] = ask(fake_telegram, chat, "/help")
    assert "📄 1" in helped.params["text"]
    [listing] = ask(fake_telegram, chat, "/vanban")
    for doc in [d.public() for d in bot_service.documents()]:
        assert html.escape(doc["citation"], quote=False) in listing.params["text"]
        assert f"<code>{doc['id']}</code>" in listing.params["text"]


def test_each_chat_is_rate_limited_with_one_warning(polling_bot, fake_telegram):
    chat = new_chat_id()  # the module's bot allows 3 messages a minute per chat
    for _ in range(3):
        ask(fake_telegram, chat, "/help")
    [refusal] = ask(fake_telegram, chat, QUESTION)
    assert refusal.params["text"].startswith("Bạn đang hỏi quá nhanh; vui lòng thử lại sau ")
    other = new_chat_id()
    assert "[1]" in ask(fake_telegram, other, QUESTION)[0].params["text"], "other chats are not limited"


def test_an_answer_longer_than_telegram_allows_arrives_split(indexed_settings, tmp_path):
    # a store of 40 documents whose /vanban list is far over 4,096 characters; titles carry < and &
    fake_telegram = FakeTelegram()  # its own Bot API: the module's bot must not take these updates
    settings = telegram_settings(indexed_settings, fake_telegram).model_copy(update={"data_dir": tmp_path / "data"})
    store = Store(settings.db_path)
    ingester = Ingester(store, settings)
    for i in range(40):
        text = (f"ỦY BAN NHÂN DÂN TỈNH THỬ NGHIỆM\n\nQUYẾT ĐỊNH\nVề việc ban hành Kế hoạch <CCHC> & chuyển đổi số "
                f"số {i} năm 2024 trên địa bàn tỉnh\n\nĐiều 1. Ban hành kèm theo Quyết định này Kế hoạch.\n\n"
                "Điều 2. Quyết định có hiệu lực kể từ ngày ký.\n")
        assert ingester.ingest_bytes(f"kh-{i}.txt", text.encode(), f"thu-nghiem-{i:02d}").status == "added"
    IndexBuilder(settings, store, shared_embedder(settings)).build()  # documents are listed as served
    service = Assistant(settings, searcher=Searcher(settings, shared_embedder(settings)),
                        querylog=QueryLog(tmp_path / "querylog.sqlite3"))
    chat = new_chat_id()

    with fake_telegram, PollingBot(build_application(settings, service), fake_telegram):
        fake_telegram.push(message(chat, "/vanban"))
        wait_until(lambda: any("thu-nghiem-39" in c.params["text"] for c in fake_telegram.sent(chat)),
                   what="the last part of the document list")

    texts = [c.params["text"] for c in fake_telegram.sent(chat)]
    assert len(texts) >= 2 and all(len(t) <= 4096 for t in texts)
    assert sum(len(t) for t in texts) > 5000
    for t in texts:
        assert t.count("<b>") == t.count("</b>") and t.count("<code>") == t.count("</code>")
    joined = "\n\n".join(texts)
    assert [int(n) for n in re.findall(r"thu-nghiem-(\d\d)", joined)] == list(range(40)), "each document once, in order"
    assert "&lt;CCHC&gt; &amp; chuyển đổi số" in joined and "<CCHC>" not in joined
    assert all(re.match(r"^\d+\. <b>", t) for t in texts[1:]), "each part starts at a document, not inside one"


def test_cli_registers_bot_telegram_and_sets_the_webhook(indexed_settings, fake_telegram):
    parser = argparse.ArgumentParser(prog="hoidap")
    cli_bot.register(parser.add_subparsers(dest="command", required=True))
    settings = telegram_settings(indexed_settings, fake_telegram)

    args = parser.parse_args(["bot", "telegram", "--set-webhook", "https://hoidap.example.vn/bot/telegram"])
    assert args.func(args, settings) == cli_bot.EXIT_USAGE, "no webhook secret configured"
    settings = settings.model_copy(update={"telegram_webhook_secret": SecretStr("day-la-bi-mat_123")})
    assert args.func(args, settings) == cli_bot.EXIT_OK
    [call] = fake_telegram.called("setWebhook")
    assert call.params["url"] == "https://hoidap.example.vn/bot/telegram"
    assert call.params["secret_token"] == "day-la-bi-mat_123"

    deleted = len(fake_telegram.called("deleteWebhook"))
    args = parser.parse_args(["bot", "telegram", "--delete-webhook"])
    assert args.func(args, settings) == cli_bot.EXIT_OK
    assert len(fake_telegram.called("deleteWebhook")) == deleted + 1
    with pytest.raises(SystemExit):
        parser.parse_args(["bot", "telegram", "--set-webhook", "x", "--delete-webhook"])

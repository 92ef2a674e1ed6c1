"""Knowledge checks on the chat channels end to end: the real Telegram bot long polling the fake Bot API (a check
through buttons, the periodic check to a subscribed chat), and the real Zalo channel against the fake OA API."""

from __future__ import annotations

import asyncio
import html
import sqlite3
import time
from contextlib import closing

import pytest
from pydantic import SecretStr

from bot.telegram import build_application
from bot.zalo import ZaloChannel
from bot.zalo_events import TextEvent
from bot.zalo_send import ZaloClient
from core.private import private_file
from core.settings import Settings
from corpus.ingest import Ingester
from corpus.store import Store
from hoidap.assistant import Assistant
from hoidap.quiz.service import QuizService
from hoidap.quiz.source import from_store
from tests.bot.conftest import telegram_settings
from tests.bot.fakes import FakeTelegram, FakeZalo, wait_until
from tests.bot.support import PollingBot, button_press, buttons, message, new_chat_id

PERIODIC = "Bài kiểm tra kiến thức định kỳ"


@pytest.fixture(scope="module")
def quiz_settings(tmp_path_factory) -> Settings:
    """The shipped documents ingested (the quiz needs no index), 14 items generated and published."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("quiz-bots") / "data")
    store = Store(settings.db_path)
    assert not Ingester(store, settings).ingest_paths([settings.corpus_dir]).failed
    service = QuizService.from_settings(settings)
    _, added = service.generate(from_store(store), 14)
    service.set_status([item.id for item in added], "published")
    return settings


@pytest.fixture(scope="module")
def quiz(quiz_settings: Settings) -> QuizService:
    return QuizService.from_settings(quiz_settings)


@pytest.fixture(scope="module")
def telegram(quiz_settings: Settings, quiz: QuizService):
    with FakeTelegram() as fake:
        settings = telegram_settings(quiz_settings, fake, quiz_schedule="every 1s", telegram_rate_limit_per_minute=1000)
        with PollingBot(build_application(settings, Assistant(settings, quiz=quiz)), fake):
            yield fake


def _texts(fake: FakeTelegram, chat: int) -> list:
    return fake.sent(chat)


def _wait_for(fake: FakeTelegram, chat: int, after: int, predicate, what: str):
    def found():
        return next((c for c in fake.sent(chat)[after:] if predicate(c)), None)
    return wait_until(found, what=what)


def test_a_check_on_telegram_through_buttons_with_the_clause_after_each_answer(telegram, quiz) -> None:
    fake, chat = telegram, new_chat_id()
    fake.push(message(chat, "/kiemtra Sở Tư pháp"))
    intro = _wait_for(fake, chat, 0, lambda c: "Bài kiểm tra kiến thức" in c.params["text"], "the intro")
    assert "10 câu hỏi" in intro.params["text"]
    seen = 0
    for n in range(10):
        item_msg = _wait_for(fake, chat, seen, lambda c: c.params.get("reply_markup"), f"item {n + 1}")
        seen = fake.sent(chat).index(item_msg) + 1
        assert item_msg.params["text"].startswith(f"<b>Câu {n + 1}/10</b>")
        choices = buttons(item_msg.result)
        check_id = choices[0][1].split(":")[1]
        item = quiz.check(check_id).items[n]
        assert [label for label, _ in choices] == list("ABCD"[:len(item.options)])
        assert html.escape(item.question, quote=False) in item_msg.params["text"]
        choice = item.answer_index if n % 2 == 0 else (item.answer_index + 1) % len(item.options)
        fake.push(button_press(item_msg.result, choices[choice][1]))
        verdict = _wait_for(fake, chat, seen, lambda c: "Căn cứ:" in c.params["text"], f"the verdict {n + 1}")
        seen = fake.sent(chat).index(verdict) + 1
        text = verdict.params["text"]
        assert text.startswith("✅ Chính xác!" if n % 2 == 0 else "❌ Chưa đúng. Đáp án đúng: ")
        assert html.escape(item.unit_text, quote=False) in text and html.escape(item.citation, quote=False) in text
    score = _wait_for(fake, chat, seen, lambda c: c.params["text"].startswith("🏁"), "the score")
    assert "5/10 câu đúng" in score.params["text"]
    assert {"key": "Sở Tư pháp", "taken": 10, "correct": 5, "share": 0.5} in quiz.results("agency")
    assert any(c.params.get("reply_markup") is None for c in fake.sent(chat, "editMessageReplyMarkup"))


def test_a_subscribed_chat_gets_the_periodic_check_and_can_opt_out(telegram, quiz) -> None:
    fake, chat, other = telegram, new_chat_id(), new_chat_id()
    fake.push(message(other, "/start"))
    fake.push(message(chat, "/dangky"))
    _wait_for(fake, chat, 0, lambda c: "Đã đăng ký" in c.params["text"], "the subscription")
    assert str(chat) in quiz.subscribers("telegram")

    periodic = _wait_for(fake, chat, 0, lambda c: PERIODIC in c.params["text"], "the periodic check")
    start = fake.sent(chat).index(periodic) + 1
    first = _wait_for(fake, chat, start, lambda c: c.params.get("reply_markup"), "its first item")
    check_id = buttons(first.result)[0][1].split(":")[1]
    item = quiz.check(check_id).items[0]
    fake.push(button_press(first.result, buttons(first.result)[item.answer_index][1]))
    verdict = _wait_for(fake, chat, start, lambda c: c.params["text"].startswith("✅"), "the verdict")
    assert html.escape(item.unit_text, quote=False) in verdict.params["text"]

    fake.push(message(chat, "/huydangky"))
    _wait_for(fake, chat, 0, lambda c: "Đã hủy đăng ký" in c.params["text"], "the opt-out")
    assert str(chat) not in quiz.subscribers("telegram")
    time.sleep(1.5)  # a round already under way may still land
    count = sum(PERIODIC in c.params["text"] for c in fake.sent(chat))
    time.sleep(2.5)  # at "every 1s", two more rounds
    assert sum(PERIODIC in c.params["text"] for c in fake.sent(chat)) == count, "no check after opting out"
    assert not any(PERIODIC in c.params["text"] for c in fake.sent(other)), "a chat that did not subscribe"


def test_a_check_on_zalo_answered_a_b_c_d_and_the_periodic_round(quiz_settings: Settings, quiz) -> None:
    with FakeZalo("app-1", "app-secret", "access-0", "refresh-0") as fake:
        settings = quiz_settings.model_copy(update={
            "zalo_app_id": "app-1", "zalo_oa_secret": SecretStr("oa-secret"), "zalo_app_secret": SecretStr("app-secret"),
            "zalo_access_token": SecretStr("access-0"), "zalo_refresh_token": SecretStr("refresh-0"),
            "zalo_api_url": fake.url, "zalo_oauth_url": fake.url, "zalo_rate_limit_per_minute": 1000})
        user = "zalo-user-42"
        asyncio.run(_zalo_flow(settings, quiz, fake, user))


async def _zalo_flow(settings: Settings, quiz: QuizService, fake: FakeZalo, user: str) -> None:
    channel = ZaloChannel(settings, Assistant(settings, quiz=quiz), ZaloClient(settings))
    ids = iter(range(1000))

    async def say(text: str) -> list[str]:
        before = len(fake.texts_to(user))
        await channel.handle(TextEvent(user, f"m{next(ids)}", text))
        return fake.texts_to(user)[before:]

    [reply] = await say("A")
    assert "chưa có bài kiểm tra nào đang làm" in reply
    [first] = await say("/kiemtra Văn phòng UBND tỉnh")
    assert "Bài kiểm tra kiến thức" in first and "Câu 1/10" in first and "Trả lời bằng một chữ cái" in first
    check = quiz.open_check(f"zalo:{user}", "zalo")
    for n, item in enumerate(check.items):
        choice = item.answer_index if n < 7 else (item.answer_index + 1) % len(item.options)
        verdict, following = await say("abcd"[choice] + ("." if n == 3 else ""))
        assert verdict.startswith("✅ Chính xác!" if n < 7 else "❌ Chưa đúng.")
        assert f"Căn cứ: {item.citation}" in verdict and item.unit_text in verdict
        assert (f"Câu {n + 2}/10" in following) if n < 9 else following.startswith("🏁 Kết quả: 7/10 câu đúng")
    assert {"key": "Văn phòng UBND tỉnh", "taken": 10, "correct": 7, "share": 0.7} in quiz.results("agency")

    [subscribed] = await say("/dangky")
    assert "Đã đăng ký" in subscribed
    assert await channel.quiz.send_periodic() >= 1
    assert "Bài kiểm tra kiến thức định kỳ" in fake.texts_to(user)[-1]
    [off] = await say("/huydangky")
    assert "Đã hủy đăng ký" in off and user not in quiz.subscribers("zalo")
    before = len(fake.texts_to(user))
    await channel.quiz.send_periodic()
    assert len(fake.texts_to(user)) == before
    await channel.client.aclose()


def test_inside_the_api_the_webhook_bot_runs_the_periodic_check_too(quiz_settings: Settings, tmp_path) -> None:
    from bot.webhooks import TelegramWebhook

    # a quiz database of its own: the polling bot above still runs its rounds on the module's, and each round
    # goes out from whichever scheduler claims it first (see test_quiz_rounds.py)
    own = quiz_settings.model_copy(update={"data_dir": tmp_path / "data"})
    with closing(sqlite3.connect(quiz_settings.quiz_path)) as src, \
            closing(sqlite3.connect(private_file(own.quiz_path))) as dst:
        src.backup(dst)
    quiz = QuizService.from_settings(own)

    async def run(fake: FakeTelegram, chat: int) -> None:
        settings = telegram_settings(own, fake, quiz_schedule="every 1s",
                                     telegram_webhook_secret=SecretStr("s3cret"))
        webhook = TelegramWebhook(settings, Assistant(settings, quiz=quiz))
        await webhook.start()
        try:
            for _ in range(200):
                if any(PERIODIC in c.params["text"] for c in fake.sent(chat)):
                    break
                await asyncio.sleep(0.05)
        finally:
            await webhook.stop()
        sent = sum(PERIODIC in c.params["text"] for c in fake.sent(chat))
        assert sent >= 1, "the subscribed chat got the periodic check"
        await asyncio.sleep(1.5)
        assert sum(PERIODIC in c.params["text"] for c in fake.sent(chat)) == sent, "stopped with the bot"

    chat = new_chat_id()
    quiz.subscribe("telegram", str(chat))
    try:
        with FakeTelegram() as fake:
            asyncio.run(run(fake, chat))
    finally:
        quiz.unsubscribe("telegram", str(chat))

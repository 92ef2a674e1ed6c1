"""With several API workers each runs the periodic check: each round must reach a subscribed chat once. Two
Telegram webhook bots, each with its own connection to the same quiz database (as two processes have), against
the fake Bot API."""

from __future__ import annotations

import asyncio
from datetime import datetime

from pydantic import SecretStr

from bot.webhooks import TelegramWebhook
from core.settings import Settings
from hoidap.assistant import Assistant
from hoidap.quiz.bank import QuizBank
from hoidap.quiz.service import QuizService
from tests.bot.conftest import telegram_settings
from tests.bot.fakes import FakeTelegram
from tests.bot.support import new_chat_id
from tests.bot.test_quiz_bots import PERIODIC, quiz, quiz_settings  # noqa: F401  (fixtures)


def _webhook(settings: Settings) -> TelegramWebhook:
    """A webhook bot with a quiz service of its own (its own SQLite connection), as in another worker."""
    return TelegramWebhook(settings, Assistant(settings, quiz=QuizService.from_settings(settings)))


def _periodic_to(fake: FakeTelegram, chat: int) -> int:
    return sum(PERIODIC in c.params["text"] for c in fake.sent(chat))


def test_two_schedulers_on_one_data_dir_send_a_round_once(quiz_settings: Settings, quiz) -> None:  # noqa: F811
    async def run(fake: FakeTelegram, chat: int) -> None:
        settings = telegram_settings(quiz_settings, fake, quiz_schedule="daily 08:00",
                                     telegram_webhook_secret=SecretStr("s3cret"))
        bots = [_webhook(settings), _webhook(settings)]
        for bot in bots:
            await bot.application.initialize()
        try:
            due = datetime(2031, 3, 3, 8, 0)  # the same period in both, as the schedule gives it everywhere
            periodics = [bot.application.bot_data["quiz_periodic"] for bot in bots]
            results = await asyncio.gather(*(p.round(due) for p in periodics))
            assert sum(r is not None for r in results) == 1, f"one round claimed: {results}"
            assert _periodic_to(fake, chat) == 1
            # the next day's round is sent again (by whichever claims it), once
            results = await asyncio.gather(*(p.round(datetime(2031, 3, 4, 8, 0)) for p in reversed(periodics)))
            assert sum(r is not None for r in results) == 1 and _periodic_to(fake, chat) == 2
        finally:
            for bot in bots:
                await bot.application.shutdown()

    chat = new_chat_id()
    quiz.subscribe("telegram", str(chat))
    try:
        with FakeTelegram() as fake:
            asyncio.run(run(fake, chat))
    finally:
        quiz.unsubscribe("telegram", str(chat))


def test_two_running_webhook_bots_every_second_do_not_double_the_rounds(quiz_settings: Settings, quiz) -> None:  # noqa: F811
    async def run(fake: FakeTelegram, chat: int) -> None:
        settings = telegram_settings(quiz_settings, fake, quiz_schedule="every 1s",
                                     telegram_webhook_secret=SecretStr("s3cret"))
        bots = [_webhook(settings), _webhook(settings)]
        await bots[0].start()
        await asyncio.sleep(0.3)  # the second worker starts a little later, as uvicorn's do
        await bots[1].start()
        try:
            await asyncio.sleep(4.2)
        finally:
            for bot in bots:
                await bot.stop()

    chat = new_chat_id()
    quiz.subscribe("telegram", str(chat))
    try:
        with FakeTelegram() as fake:
            asyncio.run(run(fake, chat))
            rounds = _periodic_to(fake, chat)
    finally:
        quiz.unsubscribe("telegram", str(chat))
    # two schedulers at "every 1s" for ~4 s would send ~8 checks without the claim; one per second with it
    assert 2 <= rounds <= 5, rounds


def test_a_round_is_claimed_once_per_channel_and_period(tmp_path) -> None:
    path = tmp_path / "quiz.sqlite3"
    one, two = QuizBank(path), QuizBank(path)
    assert one.claim_round("zalo", "2031-03-03T08:00:00")
    assert not two.claim_round("zalo", "2031-03-03T08:00:00")
    assert two.claim_round("telegram", "2031-03-03T08:00:00")  # each channel has its round
    assert two.claim_round("zalo", "2031-03-04T08:00:00")
    # an interval round of another period, too close to the last one (workers started apart): skipped
    assert not one.claim_round("zalo", "2031-03-04T08:30:00", min_gap_s=900)

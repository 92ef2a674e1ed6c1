"""Fixtures of the bot tests: the answer service over the indexed shipped corpus, the fake Telegram API,
and the real bot polling it."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.telegram import build_application
from hoidap.assistant import Assistant
from hoidap.querylog import QueryLog
from core.settings import Settings
from index.search import Searcher
from tests.bot.fakes import FakeTelegram
from tests.bot.support import PollingBot
from tests.conftest import shared_embedder


@pytest.fixture(scope="session")
def bot_service(indexed_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The assistant over the shipped corpus, with a query log of its own."""
    return Assistant(indexed_settings, searcher=Searcher(indexed_settings, shared_embedder(indexed_settings)),
                     querylog=QueryLog(tmp_path_factory.mktemp("bot-querylog") / "querylog.sqlite3"))


@pytest.fixture(scope="module")
def fake_telegram():
    with FakeTelegram() as fake:
        yield fake


def telegram_settings(base: Settings, fake: FakeTelegram, **extra) -> Settings:
    return base.model_copy(update={"telegram_token": SecretStr(fake.TOKEN), "telegram_base_url": fake.base_url,
                                   **extra})


@pytest.fixture(scope="module")
def polling_bot(indexed_settings: Settings, bot_service: Assistant, fake_telegram: FakeTelegram):
    """The real bot, long polling the fake Bot API; at most 3 messages a minute per chat."""
    settings = telegram_settings(indexed_settings, fake_telegram, telegram_rate_limit_per_minute=3)
    with PollingBot(build_application(settings, bot_service), fake_telegram) as running:
        yield running

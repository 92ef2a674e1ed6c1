"""The chat bots inside the API process: what ``POST /bot/telegram`` and ``POST /bot/zalo/webhook``
(api/routes/webhooks.py) hand their updates to, and the bots' background work while the app serves."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from contextlib import asynccontextmanager

from telegram import Update
from telegram.error import TelegramError

from bot import telegram_quiz, zalo
from bot.delivery import deliver_forever
from bot.periodic import Periodic
from bot.tasks import stop_task
from bot.telegram import build_application, start_delivery, stop_delivery
from hoidap.assistant import Assistant
from hoidap.quiz.schedule import parse as parse_schedule
from core.redact import Redactor
from core.settings import Settings

log = logging.getLogger(__name__)


class TelegramWebhook:
    """The Telegram Application of the API process (built with ``.updater(None)``): started with the app,
    or on the first update if Telegram could not be reached then; fed by ``POST /bot/telegram``."""

    def __init__(self, settings: Settings, assistant: Assistant) -> None:
        self.application = build_application(settings, assistant, polling=False)
        secret = settings.telegram_webhook_secret
        self._secret = secret.get_secret_value().encode() if secret else b""
        self._lock = asyncio.Lock()
        self._redact = Redactor(self.application.bot.token)

    def describe(self, exc: Exception) -> str:
        """The error's text without the token (python-telegram-bot puts it in InvalidToken's message)."""
        return self._redact(str(exc))

    def secret_ok(self, given: str | None) -> bool:
        # constant time, so response timing tells nothing about how much of a guess was right
        return bool(self._secret) and hmac.compare_digest((given or "").encode(), self._secret)

    async def start(self) -> None:
        async with self._lock:
            if not self.application.running:
                await self.application.initialize()  # getMe: the bot's name, for mentions in groups
                await self.application.start()
                telegram_quiz.start_periodic(self.application)
                await start_delivery(self.application)  # expert replies out to their chats

    async def started(self) -> bool:
        """Start the bot if it is not running yet; False (logged) when Telegram cannot be reached."""
        try:
            await self.start()
        except TelegramError as exc:
            log.error("Telegram bot cannot start: %s", self.describe(exc))
            return False
        return True

    async def feed(self, data: bytes) -> None:
        """Queue one update posted to the webhook; one the library cannot read is logged and dropped
        (Telegram must not send it again)."""
        try:
            update = Update.de_json(json.loads(data), self.application.bot)
        except Exception as exc:  # bad JSON or a shape the library cannot read
            log.warning("ignored a Telegram webhook update that cannot be read (%s: %s)", type(exc).__name__, exc)
            return
        await self.application.update_queue.put(update)

    async def stop(self) -> None:
        async with self._lock:
            await telegram_quiz.stop_periodic(self.application)
            await stop_delivery(self.application)
            if self.application.running:
                await self.application.stop()
            await self.application.shutdown()


class Channels:
    """The chat bots of the API process, as configured: Telegram when a token is set, Zalo when an app id
    and the OA secret key are. Both answer through the app's one assistant; :meth:`running` starts and
    stops them (the periodic check, the expert replies) with the app. The HTTP routes that feed them are
    api/routes/webhooks.py."""

    def __init__(self, settings: Settings, assistant: Assistant) -> None:
        self.settings = settings
        self.assistant = assistant
        self.telegram: TelegramWebhook | None = None
        self.zalo: zalo.ZaloChannel | None = None
        self._zalo_periodic: Periodic | None = None
        if settings.telegram_token is not None and settings.telegram_token.get_secret_value().strip():
            self.telegram = TelegramWebhook(settings, assistant)
            # httpx logs request URLs at INFO, and Bot API URLs contain the token
            logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger("httpx").level))
            if settings.telegram_webhook_secret is None:
                log.warning("Telegram webhook refuses every update: set HOIDAP_TELEGRAM_WEBHOOK_SECRET")
        if settings.zalo_app_id and settings.zalo_oa_secret is not None:
            self.zalo = zalo.ZaloChannel(settings, assistant)
            schedule = parse_schedule(settings.quiz_schedule)
            if schedule is not None:
                self._zalo_periodic = Periodic(schedule, self.zalo.quiz.send_periodic, zalo.CHANNEL,
                                               claim=lambda *claim: assistant.quiz_claim_round(*claim))

    @property
    def any(self) -> bool:
        return self.telegram is not None or self.zalo is not None

    @asynccontextmanager
    async def running(self):
        """The bots' background work for as long as the app serves."""
        zalo_delivery = None
        if self.zalo is not None:
            zalo_delivery = asyncio.create_task(deliver_forever(self.assistant, zalo.CHANNEL, self.zalo.send_reply,
                                                                self.settings.expert_poll_seconds),
                                                name="zalo-expert-replies")
        if self.telegram is not None:
            try:
                await self.telegram.start()
            except TelegramError as exc:  # the API still serves; the webhook retries on the next update
                log.error("Telegram bot not started (%s); retrying when an update arrives", self.telegram.describe(exc))
        if self._zalo_periodic is not None:
            self._zalo_periodic.start()
        try:
            yield
        finally:
            if self._zalo_periodic is not None:
                await self._zalo_periodic.stop()
            await stop_task(zalo_delivery)
            if self.telegram is not None:
                await self.telegram.stop()
            if self.zalo is not None:
                await self.zalo.client.aclose()

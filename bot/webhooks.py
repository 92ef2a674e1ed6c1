"""The chat bots inside the API app: ``POST /bot/telegram`` and ``POST /bot/zalo/webhook``.

``mount(app, settings)`` is called by ``api.main.create_app``. Telegram is mounted when a token is
configured, Zalo when an app id and the OA secret key are. Both use the app's one assistant.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, FastAPI, Header, HTTPException, Request
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

    async def stop(self) -> None:
        async with self._lock:
            await telegram_quiz.stop_periodic(self.application)
            await stop_delivery(self.application)
            if self.application.running:
                await self.application.stop()
            await self.application.shutdown()


def mount(app: FastAPI, settings: Settings) -> None:
    """Add the webhook routes of the configured channels, and start/stop them with the app."""
    assistant = app.state.hoidap.assistant
    telegram = zalo_channel = None
    if settings.telegram_token is not None and settings.telegram_token.get_secret_value().strip():
        telegram = TelegramWebhook(settings, assistant)
        # httpx logs request URLs at INFO, and Bot API URLs contain the token
        logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger("httpx").level))
        if settings.telegram_webhook_secret is None:
            log.warning("Telegram webhook refuses every update: set HOIDAP_TELEGRAM_WEBHOOK_SECRET")
    zalo_periodic = None
    if settings.zalo_app_id and settings.zalo_oa_secret is not None:
        zalo_channel = zalo.ZaloChannel(settings, assistant)
        schedule = parse_schedule(settings.quiz_schedule)
        if schedule is not None:
            zalo_periodic = Periodic(schedule, zalo_channel.quiz.send_periodic, zalo.CHANNEL,
                                     claim=lambda *claim: assistant.quiz_claim_round(*claim))  # opened on first use
    if telegram is None and zalo_channel is None:
        return

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        zalo_delivery = None
        if zalo_channel is not None:
            zalo_delivery = asyncio.create_task(deliver_forever(assistant, zalo.CHANNEL, zalo_channel.send_reply,
                                                                settings.expert_poll_seconds), name="zalo-expert-replies")
        if telegram is not None:
            try:
                await telegram.start()
            except TelegramError as exc:  # the API still serves; the webhook retries on the next update
                log.error("Telegram bot not started (%s); retrying when an update arrives", telegram.describe(exc))
        if zalo_periodic is not None:
            zalo_periodic.start()
        try:
            yield
        finally:
            if zalo_periodic is not None:
                await zalo_periodic.stop()
            await stop_task(zalo_delivery)
            if telegram is not None:
                await telegram.stop()
            if zalo_channel is not None:
                await zalo_channel.client.aclose()

    router = APIRouter(prefix="/bot", tags=["bot"], lifespan=lifespan)
    if telegram is not None:
        _telegram_route(router, telegram)
    if zalo_channel is not None:
        _zalo_route(router, zalo_channel, settings)
    app.include_router(router)


def _telegram_route(router: APIRouter, telegram: TelegramWebhook) -> None:
    @router.post("/telegram")
    async def telegram_webhook(
        request: Request, x_telegram_bot_api_secret_token: Annotated[str | None, Header()] = None,
    ) -> dict:
        """Nhận update từ Telegram (webhook); trả lời được gửi qua Bot API."""
        if not telegram.secret_ok(x_telegram_bot_api_secret_token):
            raise HTTPException(status_code=403, detail={"code": "forbidden", "message":
                                "Tiêu đề X-Telegram-Bot-Api-Secret-Token không khớp HOIDAP_TELEGRAM_WEBHOOK_SECRET"})
        try:
            await telegram.start()
        except TelegramError as exc:
            log.error("Telegram bot cannot start: %s", telegram.describe(exc))
            raise HTTPException(status_code=503, detail={"code": "bot_unavailable", "message":
                                "Bot Telegram chưa khởi động được; Telegram sẽ gửi lại update sau"}) from None
        data = await request.body()
        try:
            update = Update.de_json(json.loads(data), telegram.application.bot)
        except Exception as exc:  # bad JSON or a shape the library cannot read: Telegram must not resend it
            log.warning("ignored a Telegram webhook update that cannot be read (%s: %s)", type(exc).__name__, exc)
            return {"ok": True}
        await telegram.application.update_queue.put(update)
        return {"ok": True}


def _zalo_route(router: APIRouter, channel: zalo.ZaloChannel, settings: Settings) -> None:
    secret = settings.zalo_oa_secret.get_secret_value()

    @router.post("/zalo/webhook")
    async def zalo_webhook(request: Request, background: BackgroundTasks,
                           x_zevent_signature: Annotated[str | None, Header()] = None) -> dict:
        """Nhận sự kiện từ Zalo OA; xác nhận ngay, câu trả lời được gửi sau qua OA API."""
        body = await request.body()
        if not zalo.verify(x_zevent_signature, settings.zalo_app_id, body, secret):
            log.warning("refused a Zalo webhook call with a missing or wrong X-ZEvent-Signature")
            raise HTTPException(status_code=401, detail={"code": "bad_signature", "message":
                                "Chữ ký X-ZEvent-Signature không hợp lệ"})
        event = channel.accept(json.loads(body))  # verify() has parsed it already
        if event is not None:
            background.add_task(channel.handle, event)  # runs after the 200 is sent
        return {"ok": True}

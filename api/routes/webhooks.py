"""The chat bots' webhooks: ``POST /bot/telegram`` (Telegram, behind its secret header) and
``POST /bot/zalo/webhook`` (Zalo OA, signed). They check the request, then hand it to bot/webhooks.py.

``mount(app, settings)`` is called by ``api.main.create_app``: Telegram is mounted when a token is
configured, Zalo when an app id and the OA secret key are.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, FastAPI, Header, HTTPException, Request

from bot import zalo, zalo_events
from bot.webhooks import Channels, TelegramWebhook
from core.settings import Settings

log = logging.getLogger(__name__)


def mount(app: FastAPI, settings: Settings) -> None:
    """Add the webhook routes of the configured channels, and run the channels with the app."""
    channels = Channels(settings, app.state.hoidap.assistant)
    if not channels.any:
        return
    router = APIRouter(prefix="/bot", tags=["bot"], lifespan=lambda _app: channels.running())
    if channels.telegram is not None:
        _telegram_route(router, channels.telegram)
    if channels.zalo is not None:
        _zalo_route(router, channels.zalo, settings)
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
        if not await telegram.started():
            raise HTTPException(status_code=503, detail={"code": "bot_unavailable", "message":
                                "Bot Telegram chưa khởi động được; Telegram sẽ gửi lại update sau"})
        data = await request.body()
        try:
            json.loads(data)
        except (ValueError, RecursionError):  # Telegram sends JSON: this body is not from Telegram
            log.warning("refused a Telegram webhook body that is not JSON")
            raise HTTPException(status_code=400, detail={"code": "invalid_json", "message":
                                "Nội dung không phải JSON của một update Telegram"}) from None
        await telegram.feed(data)
        return {"ok": True}


def _zalo_route(router: APIRouter, channel: zalo.ZaloChannel, settings: Settings) -> None:
    secret = settings.zalo_oa_secret.get_secret_value()

    @router.post("/zalo/webhook")
    async def zalo_webhook(request: Request, background: BackgroundTasks,
                           x_zevent_signature: Annotated[str | None, Header()] = None) -> dict:
        """Nhận sự kiện từ Zalo OA; xác nhận ngay, câu trả lời được gửi sau qua OA API."""
        refused = HTTPException(status_code=401, detail={"code": "bad_signature", "message":
                                "Chữ ký X-ZEvent-Signature không hợp lệ"})
        if not x_zevent_signature:  # refused before the body is read (its size is bounded by HOIDAP_MAX_JSON_KB)
            log.warning("refused a Zalo webhook call without X-ZEvent-Signature")
            raise refused
        body = await request.body()
        if not zalo_events.verify(x_zevent_signature, settings.zalo_app_id, body, secret):
            log.warning("refused a Zalo webhook call with a missing or wrong X-ZEvent-Signature")
            raise refused
        payload = json.loads(body)  # verify() has parsed it already
        if not channel.fresh(payload):
            log.warning("refused a signed Zalo event dated outside the %.0f-minute window (a replay?)",
                        channel.window_s / 60)
            raise HTTPException(status_code=400, detail={"code": "stale_event", "message":
                                "Sự kiện Zalo quá cũ hoặc sai thời điểm (HOIDAP_ZALO_EVENT_WINDOW_MINUTES); không xử lý"})
        event = await asyncio.to_thread(channel.accept, payload)  # SQLite: the msg_id shared by every worker
        if event is not None:
            background.add_task(channel.handle, event)  # runs after the 200 is sent
        return {"ok": True}

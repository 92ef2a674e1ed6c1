"""The Telegram channel (python-telegram-bot), wired: the Application with its handlers
(bot/telegram_handlers.py, bot/telegram_quiz.py), the expert replies going out, polling and webhooks.

The same Application runs by long polling (``hoidap bot telegram``) or inside the API behind
``POST /bot/telegram`` (built with ``polling=False``; see api/routes/webhooks.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from functools import partial

from telegram import Bot, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, Defaults, MessageHandler, filters
from telegram.request import HTTPXRequest, RequestData

from bot import format as fmt
from bot import telegram_quiz
from bot.delivery import deliver_forever
from bot.tasks import stop_task
from bot.telegram_handlers import CHANNEL, BotDeps, button, documents, help_command, on_error, question, start
from bot.telegram_send import send_html
from core.ratelimit import RateLimiter
from core.settings import Settings
from hoidap.assistant import Assistant
from hoidap.experts import Reply

log = logging.getLogger(__name__)

__all__ = ["CHANNEL", "build_application", "delete_webhook", "run_polling", "set_webhook", "start_delivery",
           "stop_delivery"]

async def _send_reply(bot: Bot, base_url: str, reply: Reply) -> str | None:
    """One expert reply to its Telegram chat; the reason when Telegram refuses it for good."""
    try:
        await send_html(bot, int(reply.reply_to), fmt.expert_reply_html(reply, base_url))
    except (BadRequest, Forbidden) as exc:  # the chat is gone or blocked the bot: sending again would fail too
        return f"Telegram: {exc}"
    return None


async def start_delivery(application: Application) -> None:
    deps: BotDeps = application.bot_data["deps"]
    send = partial(_send_reply, application.bot, deps.base_url)
    application.bot_data["delivery"] = asyncio.create_task(
        deliver_forever(deps.assistant, CHANNEL, send, application.bot_data["poll_seconds"]), name="expert-replies")


async def stop_delivery(application: Application) -> None:
    await stop_task(application.bot_data.pop("delivery", None))


class _SkipUnreadableUpdates(HTTPXRequest):
    """The getUpdates connection. An update the library cannot read would fail its whole batch, which
    polling would then fetch again forever; it is logged and replaced by its bare id instead."""

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         **timeouts: object) -> tuple[int, bytes]:
        code, payload = await super().do_request(url, method, request_data, **timeouts)
        try:
            data = json.loads(payload)
        except ValueError:
            return code, payload
        results = data.get("result") if isinstance(data, dict) else None
        if code != 200 or not isinstance(results, list):
            return code, payload
        readable = [update for update in map(_readable, results) if update is not None]
        if readable == results:
            return code, payload
        return code, json.dumps({**data, "result": readable}).encode()


def _readable(raw: object) -> dict | None:
    try:
        Update.de_json(raw, None)
        return raw
    except Exception as exc:  # the library raises TypeError, KeyError, AttributeError, ValueError on bad data
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        log.warning("skipped Telegram update %s: it cannot be read (%s: %s)", update_id, type(exc).__name__, exc)
        return {"update_id": update_id} if isinstance(update_id, int) else None


def build_application(settings: Settings, assistant: Assistant, *, polling: bool = True) -> Application:
    """The bot, wired once: handlers, error handler, HTML defaults, the Bot API address from the settings.

    Args:
        settings: ``telegram_token``, ``telegram_base_url``, ``telegram_rate_limit_per_minute``.
        assistant: the facade shared by every channel.
        polling: False inside the API, where updates come from the webhook (``.updater(None)``).

    Raises:
        ValueError: no token configured.

    Example:
        >>> application = build_application(settings, Assistant(settings))   # doctest: +SKIP
        >>> application.run_polling(allowed_updates=Update.ALL_TYPES)            # doctest: +SKIP
    """
    builder = (
        Application.builder()
        .token(_token(settings))
        .base_url(settings.telegram_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(4)
    )
    if polling:
        # expert replies go out from the polling process; inside the API, TelegramWebhook starts the same loop
        builder = builder.get_updates_request(_SkipUnreadableUpdates(connection_pool_size=1))
        # the periodic check and the expert replies run while polling runs (inside the API, TelegramWebhook
        # starts and stops both)
        builder = builder.post_init(_post_init).post_stop(_post_stop)
    else:
        builder = builder.updater(None)
    application = builder.build()
    application.bot_data["deps"] = BotDeps(assistant, RateLimiter(settings.telegram_rate_limit_per_minute,
                                                                       settings.rate_limit_max_clients),
                                           base_url=settings.public_base_url)
    application.bot_data["poll_seconds"] = settings.expert_poll_seconds
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", help_command))
    application.add_handler(CommandHandler("vanban", documents))
    telegram_quiz.install(application, settings)  # /kiemtra, /dangky, /huydangky and the A/B/C/D buttons
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, question))
    application.add_handler(CallbackQueryHandler(button))
    application.add_error_handler(on_error)
    return application


async def _post_init(application: Application) -> None:
    telegram_quiz.start_periodic(application)
    await start_delivery(application)


async def _post_stop(application: Application) -> None:
    await telegram_quiz.stop_periodic(application)
    await stop_delivery(application)


def run_polling(application: Application, **kwargs) -> None:
    """Long polling until stopped (Ctrl+C, SIGTERM, or ``application.stop_running()``)."""
    application.run_polling(allowed_updates=Update.ALL_TYPES, **kwargs)


def _token(settings: Settings) -> str:
    token = settings.telegram_token.get_secret_value().strip() if settings.telegram_token else ""
    if not token:
        raise ValueError("telegram_token is not set; set HOIDAP_TELEGRAM_TOKEN to the token @BotFather gave you")
    return token


def _plain_bot(settings: Settings) -> Bot:
    return Bot(_token(settings), base_url=settings.telegram_base_url)


async def set_webhook(settings: Settings, url: str) -> None:
    """Tell Telegram to post updates to ``url`` (the API's ``/bot/telegram``), with the webhook secret.

    Raises:
        ValueError: no token, or no usable webhook secret, configured.
        TelegramError: Telegram refused (for instance, the URL is not HTTPS).
    """
    secret = settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else ""
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise ValueError("HOIDAP_TELEGRAM_WEBHOOK_SECRET must be set to 1-256 characters among A-Z, a-z, 0-9, _ and -")
    async with _plain_bot(settings) as bot:
        await bot.set_webhook(url, secret_token=secret, allowed_updates=Update.ALL_TYPES)


async def delete_webhook(settings: Settings) -> None:
    """Stop webhook delivery (long polling also does this when it starts)."""
    async with _plain_bot(settings) as bot:
        await bot.delete_webhook()

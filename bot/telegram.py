"""The Telegram channel (python-telegram-bot): handlers, their wiring, retried sends.

The same Application runs by long polling (``hoidap bot telegram``) or inside the API behind
``POST /bot/telegram`` (built with ``polling=False``; see bot/webhooks.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import warnings
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import TypeVar

from telegram import (Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters,
                      Update)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (Application, CallbackQueryHandler, CommandHandler, ContextTypes, Defaults, MessageHandler,
                          filters)
from telegram.request import HTTPXRequest, RequestData
from telegram.warnings import PTBDeprecationWarning

from bot import format as fmt
from bot import telegram_quiz
from bot.delivery import deliver_forever
from bot.limits import ChatRateLimiter
from bot.tasks import stop_task
from hoidap.answer import Answer
from hoidap.assistant import Assistant
from hoidap.experts import Reply
from core.errors import HoidapError, InvalidQuery, NotFound
from core.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

CHANNEL = "telegram"
SEND_ATTEMPTS = 4
MAX_RETRY_AFTER = 120.0  # seconds; a longer flood wait gives up rather than holding the chat
_CALLBACK = re.compile(r"^([cfe]):([0-9a-f]{32}):(\d{1,2})$")


@dataclass
class BotDeps:
    """What the handlers share, kept in ``application.bot_data["deps"]``."""

    assistant: Assistant
    limiter: ChatRateLimiter
    base_url: str = ""  # HOIDAP_PUBLIC_BASE_URL: citations link to the library
    # one lock per chat: with concurrent updates, a follow-up question still waits for the one before it
    locks: weakref.WeakValueDictionary = field(default_factory=weakref.WeakValueDictionary)

    def lock_for(self, chat_id: int) -> asyncio.Lock:
        lock = self.locks.get(chat_id)
        if lock is None:
            lock = self.locks[chat_id] = asyncio.Lock()
        return lock


# --- sending ----------------------------------------------------------------------------------


async def with_retry(call: Callable[[], Awaitable[T]], what: str, attempts: int = SEND_ATTEMPTS) -> T:
    """``await call()``, again after a flood wait (429 ``retry_after``), a timeout or a network error.

    ``BadRequest`` and ``Forbidden`` are not retried: sending again would fail the same way.
    """
    backoff = 0.5
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except RetryAfter as exc:
            wait = _retry_after_seconds(exc)
            if attempt == attempts or wait > MAX_RETRY_AFTER:
                raise
            log.warning("Telegram flood limit on %s: retrying in %.1f s (attempt %d of %d)", what, wait, attempt, attempts)
            await asyncio.sleep(wait)
        except NetworkError as exc:  # TimedOut is a NetworkError; BadRequest too, but it is final
            if isinstance(exc, BadRequest) or attempt == attempts:
                raise
            log.warning("Telegram %s failed (%s: %s): retrying in %.1f s (attempt %d of %d)",
                        what, type(exc).__name__, exc, backoff, attempt, attempts)
            await asyncio.sleep(backoff)
            backoff *= 2
    raise AssertionError("unreachable")


def _retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that retry_after becomes a timedelta; accept both
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def send_html(bot: Bot, chat_id: int, html: str, *, reply_markup: InlineKeyboardMarkup | None = None,
                    reply_to: int | None = None) -> list[Message]:
    """Send ``html`` as one message, or several cut at paragraphs; buttons go under the last one."""
    parts = fmt.split_message(html, fmt.TELEGRAM_MAX_CHARS, html=True)
    sent = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to and i == 0 else None
        call = partial(bot.send_message, chat_id, part, reply_markup=reply_markup if last else None,
                       reply_parameters=reply)
        sent.append(await with_retry(call, "sendMessage"))
    return sent


# --- pure helpers -----------------------------------------------------------------------------


def parse_callback(data: str | None) -> tuple[str, str, int]:
    """(kind, answer id, number) from a button's data: ``c:<answer id>:<rank>``, ``f:<answer id>:<1|0>``
    or ``e:<answer id>:0`` (send the question to the expert in charge).

    Raises:
        ValueError: data of another shape (an old or forged button).
    """
    match = _CALLBACK.match(data or "")
    if not match or (match.group(1) == "f" and match.group(3) not in ("0", "1")) or \
            (match.group(1) == "e" and match.group(3) != "0"):
        raise ValueError(f"unreadable button data {data!r}; expected 'c:<answer id>:<rank>', 'f:<answer id>:<1|0>' "
                         "or 'e:<answer id>:0'")
    return match.group(1), match.group(2), int(match.group(3))


def answer_keyboard(answer: Answer) -> InlineKeyboardMarkup | None:
    """📄 1, 📄 2 … to read each cited clause; 👍/👎 for feedback; when nothing was found, a button to send
    the question to the expert in charge."""
    if not answer.answer_id:
        return None
    rows = []
    if answer.citations:
        rows.append([InlineKeyboardButton(f"📄 {c.rank}", callback_data=f"c:{answer.answer_id}:{c.rank}")
                     for c in answer.citations])
    rows.append([InlineKeyboardButton("👍", callback_data=f"f:{answer.answer_id}:1"),
                 InlineKeyboardButton("👎", callback_data=f"f:{answer.answer_id}:0")])
    if answer.escalable:
        rows.append([escalate_button(answer.answer_id)])
    return InlineKeyboardMarkup(rows)


def escalate_button(answer_id: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(fmt.ESCALATE_BUTTON, callback_data=f"e:{answer_id}:0")


def addressed_text(message: Message, bot_username: str | None, bot_id: int) -> str | None:
    """The question in ``message`` if it is meant for the bot: any private message; in a group only one
    that mentions the bot (the mention removed) or replies to it."""
    text = message.text or ""
    if message.chat.type == ChatType.PRIVATE:
        return text
    replied = message.reply_to_message
    if replied and replied.from_user and replied.from_user.id == bot_id:
        return text
    if bot_username:
        mention = re.compile(rf"(?<!\w)@{re.escape(bot_username)}(?!\w)", re.IGNORECASE)
        if mention.search(text):
            return mention.sub(" ", text).strip()
    return None


def _clause_html(assistant: Assistant, answer_id: str, rank: int) -> str:
    unit, doc = assistant.cited_unit(answer_id, rank)
    return fmt.clause_html(rank, doc.citation, unit.label, list(unit.breadcrumb), unit.text, doc.validity)


# --- handlers ---------------------------------------------------------------------------------


def _deps(context: ContextTypes.DEFAULT_TYPE) -> BotDeps:
    return context.bot_data["deps"]


async def _within_rate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    chat_id = update.effective_chat.id
    decision = _deps(context).limiter.take(f"tg:{chat_id}")
    if not decision.allowed:
        log.info("Telegram chat %s rate limited for %.0f s", chat_id, decision.wait)
        if decision.warn:
            await send_html(context.bot, chat_id, fmt.escape(fmt.rate_limited_text(decision.wait)))
    return decision.allowed


def _in_group(update: Update) -> bool:
    return update.effective_chat.type != ChatType.PRIVATE


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome, with example questions."""
    if await _within_rate(update, context):
        await send_html(context.bot, update.effective_chat.id, fmt.escape(fmt.welcome_text(telegram=True)))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """How to ask, buttons, commands."""
    if await _within_rate(update, context):
        await send_html(context.bot, update.effective_chat.id, fmt.escape(fmt.help_text(telegram=True)))


async def documents(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/vanban: the documents the answers come from."""
    if await _within_rate(update, context):
        docs = await asyncio.to_thread(_deps(context).assistant.documents)
        await send_html(context.bot, update.effective_chat.id, fmt.documents_html([d.public() for d in docs],
                                                                             _deps(context).base_url))


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any other text: answer it, with numbered citations and buttons."""
    message = update.effective_message
    text = addressed_text(message, context.bot.username, context.bot.id)
    if text is None or not await _within_rate(update, context):
        return
    deps, chat_id = _deps(context), message.chat_id
    reply_to = message.message_id if _in_group(update) else None
    async with deps.lock_for(chat_id):
        try:
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as exc:  # only a courtesy: the answer is still sent
            log.info("typing action failed in chat %s: %s", chat_id, exc)
        try:
            # retrieval is blocking CPU work: keep the event loop free for other chats
            answer = await asyncio.to_thread(deps.assistant.ask, text, conversation_id=f"tg:{chat_id}", channel=CHANNEL)
        except HoidapError as exc:
            if not isinstance(exc, InvalidQuery):
                log.error("cannot answer in Telegram chat %s: %s", chat_id, exc.message)
            await send_html(context.bot, chat_id, fmt.escape(fmt.error_text(exc)), reply_to=reply_to)
            return
        await send_html(context.bot, chat_id, fmt.answer_html(answer, deps.base_url), reply_markup=answer_keyboard(answer),
                        reply_to=reply_to)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """📄 n shows a cited clause in full; 👍/👎 stores feedback on the answer; ✉️ sends the question to the expert."""
    query = update.callback_query
    chat_id = update.effective_chat.id if update.effective_chat else query.from_user.id
    try:
        kind, answer_id, number = parse_callback(query.data)
    except ValueError as exc:
        log.warning("ignored a button press in chat %s: %s", chat_id, exc)
        await _answer_query(query.answer, "Nút này không còn dùng được.")
        return
    assistant = _deps(context).assistant
    if kind == "c":
        try:
            clause = await asyncio.to_thread(_clause_html, assistant, answer_id, number)
        except NotFound as exc:
            log.info("clause button in chat %s: %s", chat_id, exc.message)
            await _answer_query(query.answer, "Không còn tìm thấy điều khoản này.")
            return
        await _answer_query(query.answer)
        message_id = query.message.message_id if query.message else None
        await send_html(context.bot, chat_id, clause, reply_to=message_id)
        return
    if kind == "e":
        await _escalate(query, context, chat_id, answer_id)
        return
    try:
        await asyncio.to_thread(assistant.feedback, answer_id, number == 1, None, channel=CHANNEL)
    except NotFound as exc:
        log.info("feedback button in chat %s: %s", chat_id, exc.message)
        await _answer_query(query.answer, "Câu trả lời này không còn được lưu.")
        return
    await _answer_query(query.answer, "Cảm ơn bạn đã góp ý!")
    markup = getattr(query.message, "reply_markup", None)
    if markup is not None:  # one vote per answer: keep only the 📄 buttons, and after 👎 offer the expert
        rows = [row for row in markup.inline_keyboard if all((b.callback_data or "").startswith("c:") for b in row)]
        if number == 0:
            rows.append([escalate_button(answer_id)])
        await set_buttons(query, chat_id, rows, "feedback")  # the vote is stored even if this fails


async def set_buttons(query, chat_id: int, rows: list | None, what: str) -> None:
    """Replace the buttons under the message a button press came from (``rows`` empty: remove them); a
    message Telegram will not edit any more (too old) keeps its buttons, which is logged."""
    try:
        await with_retry(partial(query.edit_message_reply_markup, InlineKeyboardMarkup(rows) if rows else None),
                         "editMessageReplyMarkup")
    except BadRequest as exc:
        log.info("could not change the %s buttons in chat %s: %s", what, chat_id, exc)


async def _escalate(query, context: ContextTypes.DEFAULT_TYPE, chat_id: int, answer_id: str) -> None:
    try:
        await asyncio.to_thread(_deps(context).assistant.escalate, answer_id, channel=CHANNEL,
                                conversation_id=f"tg:{chat_id}", reply_to=str(chat_id))
    except NotFound as exc:
        log.info("expert button in chat %s: %s", chat_id, exc.message)
        await _answer_query(query.answer, "Câu trả lời này không còn được lưu.")
        return
    await _answer_query(query.answer, "Đã gửi cho cán bộ phụ trách")
    markup = getattr(query.message, "reply_markup", None)
    if markup is not None:  # sent once: the button goes
        rows = [row for row in markup.inline_keyboard if all(not (b.callback_data or "").startswith("e:") for b in row)]
        await set_buttons(query, chat_id, rows, "expert")
    await send_html(context.bot, chat_id, fmt.escape(fmt.ESCALATED))


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


async def _answer_query(answer: Callable[..., Awaitable[bool]], text: str | None = None) -> None:
    try:
        await with_retry(partial(answer, text), "answerCallbackQuery")
    except BadRequest as exc:  # the press is older than Telegram keeps it: nothing left to acknowledge
        log.info("could not acknowledge a button press: %s", exc)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log every error with the update that caused it; the bot goes on with the next update."""
    where = _describe(update)
    log.error("error while handling Telegram %s", where, exc_info=context.error)
    if isinstance(context.error, TelegramError) or not isinstance(update, Update) or update.effective_chat is None:
        return  # Telegram itself refused: a reply would most likely be refused too
    try:
        await context.bot.send_message(update.effective_chat.id, "Xin lỗi, đã có lỗi khi xử lý tin nhắn này; "
                                       "vui lòng thử lại sau.")
    except TelegramError as exc:
        log.warning("could not tell %s about the error: %s", where, exc)


def _describe(update: object) -> str:
    if isinstance(update, Update):
        chat = update.effective_chat.id if update.effective_chat else "?"
        return f"update {update.update_id} (chat {chat})"
    return f"event {type(update).__name__}"


# --- wiring -----------------------------------------------------------------------------------


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
    application.bot_data["deps"] = BotDeps(assistant, ChatRateLimiter(settings.telegram_rate_limit_per_minute,
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

"""The Telegram handlers: /start, /help, /vanban, a question, a button press, and the error handler.
What they share (the facade, the per-chat limiter and locks) is a :class:`BotDeps` in ``bot_data["deps"]``."""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from dataclasses import dataclass, field

from telegram import Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import format as fmt
from bot.telegram_buttons import answer_keyboard, escalate_button, kept_rows, parse_callback
from bot.telegram_send import answer_query, send_html, set_buttons
from core.errors import HoidapError, InvalidQuery, NotFound
from core.ratelimit import RateLimiter
from hoidap.assistant import Assistant

log = logging.getLogger(__name__)

CHANNEL = "telegram"


@dataclass
class BotDeps:
    """What the handlers share, kept in ``application.bot_data["deps"]``."""

    assistant: Assistant
    limiter: RateLimiter
    base_url: str = ""  # HOIDAP_PUBLIC_BASE_URL: citations link to the library
    # one lock per chat: with concurrent updates, a follow-up question still waits for the one before it
    locks: weakref.WeakValueDictionary = field(default_factory=weakref.WeakValueDictionary)

    def lock_for(self, chat_id: int) -> asyncio.Lock:
        lock = self.locks.get(chat_id)
        if lock is None:
            lock = self.locks[chat_id] = asyncio.Lock()
        return lock


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


def deps(context: ContextTypes.DEFAULT_TYPE) -> BotDeps:
    return context.bot_data["deps"]


async def within_rate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    chat_id = update.effective_chat.id
    decision = deps(context).limiter.take(f"tg:{chat_id}")
    if not decision.allowed:
        log.info("Telegram chat %s rate limited for %.0f s", chat_id, decision.wait)
        if decision.warn:
            await send_html(context.bot, chat_id, fmt.escape(fmt.rate_limited_text(decision.wait)))
    return decision.allowed


def _in_group(update: Update) -> bool:
    return update.effective_chat.type != ChatType.PRIVATE


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome, with example questions."""
    if await within_rate(update, context):
        await send_html(context.bot, update.effective_chat.id, fmt.escape(fmt.welcome_text(telegram=True)))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """How to ask, buttons, commands."""
    if await within_rate(update, context):
        await send_html(context.bot, update.effective_chat.id, fmt.escape(fmt.help_text(telegram=True)))


async def documents(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/vanban: the documents the answers come from."""
    if await within_rate(update, context):
        docs = await asyncio.to_thread(deps(context).assistant.documents)
        await send_html(context.bot, update.effective_chat.id, fmt.documents_html([d.public() for d in docs],
                                                                             deps(context).base_url))


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any other text: answer it, with numbered citations and buttons."""
    message = update.effective_message
    text = addressed_text(message, context.bot.username, context.bot.id)
    if text is None or not await within_rate(update, context):
        return
    shared, chat_id = deps(context), message.chat_id
    reply_to = message.message_id if _in_group(update) else None
    async with shared.lock_for(chat_id):
        try:
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as exc:  # only a courtesy: the answer is still sent
            log.info("typing action failed in chat %s: %s", chat_id, exc)
        try:
            # retrieval is blocking CPU work: keep the event loop free for other chats
            answer = await asyncio.to_thread(shared.assistant.ask, text, conversation_id=f"tg:{chat_id}", channel=CHANNEL)
        except HoidapError as exc:
            if not isinstance(exc, InvalidQuery):
                log.error("cannot answer in Telegram chat %s: %s", chat_id, exc.message)
            await send_html(context.bot, chat_id, fmt.escape(fmt.error_text(exc)), reply_to=reply_to)
            return
        await send_html(context.bot, chat_id, fmt.answer_html(answer, shared.base_url), reply_markup=answer_keyboard(answer),
                        reply_to=reply_to)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """📄 n shows a cited clause in full; 👍/👎 stores feedback on the answer; ✉️ sends the question to the expert."""
    query = update.callback_query
    chat_id = update.effective_chat.id if update.effective_chat else query.from_user.id
    try:
        kind, answer_id, number = parse_callback(query.data)
    except ValueError as exc:
        log.warning("ignored a button press in chat %s: %s", chat_id, exc)
        await answer_query(query.answer, "Nút này không còn dùng được.")
        return
    assistant = deps(context).assistant
    if kind == "c":
        try:
            clause = await asyncio.to_thread(_clause_html, assistant, answer_id, number)
        except NotFound as exc:
            log.info("clause button in chat %s: %s", chat_id, exc.message)
            await answer_query(query.answer, "Không còn tìm thấy điều khoản này.")
            return
        await answer_query(query.answer)
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
        await answer_query(query.answer, "Câu trả lời này không còn được lưu.")
        return
    await answer_query(query.answer, "Cảm ơn bạn đã góp ý!")
    rows = kept_rows(query.message, lambda data: data.startswith("c:"))
    if rows is not None:  # one vote per answer: keep only the 📄 buttons, and after 👎 offer the expert
        if number == 0:
            rows.append([escalate_button(answer_id)])
        await set_buttons(query, chat_id, rows, "feedback")  # the vote is stored even if this fails


async def _escalate(query, context: ContextTypes.DEFAULT_TYPE, chat_id: int, answer_id: str) -> None:
    try:
        await asyncio.to_thread(deps(context).assistant.escalate, answer_id, channel=CHANNEL,
                                conversation_id=f"tg:{chat_id}", reply_to=str(chat_id))
    except NotFound as exc:
        log.info("expert button in chat %s: %s", chat_id, exc.message)
        await answer_query(query.answer, "Câu trả lời này không còn được lưu.")
        return
    await answer_query(query.answer, "Đã gửi cho cán bộ phụ trách")
    rows = kept_rows(query.message, lambda data: not data.startswith("e:"))
    if rows is not None:  # sent once: the button goes
        await set_buttons(query, chat_id, rows, "expert")
    await send_html(context.bot, chat_id, fmt.escape(fmt.ESCALATED))


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

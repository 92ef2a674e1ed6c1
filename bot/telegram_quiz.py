"""Knowledge checks on Telegram: ``/kiemtra`` (one item at a time, buttons A/B/C/D, the cited clause after each
answer), ``/dangky`` and ``/huydangky`` for the periodic check, and the periodic task itself."""

from __future__ import annotations

import asyncio
import logging
import re
from functools import partial

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import quiz_format as qf
from bot.format import escape
from bot.periodic import Periodic
from bot.telegram_handlers import CHANNEL, within_rate
from bot.telegram_send import answer_query, send_html, set_buttons
from core.errors import HoidapError, NotFound, QuizEmpty, QuizError
from core.settings import Settings
from hoidap.assistant import Assistant
from hoidap.quiz.model import LETTERS, Check, QuizItem
from hoidap.quiz.schedule import parse as parse_schedule

log = logging.getLogger(__name__)

_BUTTON = re.compile(r"^k:([0-9a-f]{32}):(\d{1,2}):(\d)$")


def item_keyboard(check: Check, item: QuizItem) -> InlineKeyboardMarkup:
    """A, B, C, D (or A, B) under an item: ``k:<check id>:<item position>:<choice>``."""
    position = check.items.index(item)
    return InlineKeyboardMarkup([[InlineKeyboardButton(LETTERS[i], callback_data=f"k:{check.id}:{position}:{i}")
                                  for i in range(len(item.options))]])


def parse_button(data: str | None) -> tuple[str, int, int]:
    """(check id, item position, choice) from a quiz button; ValueError for any other data."""
    match = _BUTTON.match(data or "")
    if not match:
        raise ValueError(f"unreadable quiz button data {data!r}; expected 'k:<check id>:<position>:<choice>'")
    return match.group(1), int(match.group(2)), int(match.group(3))


def _assistant(context: ContextTypes.DEFAULT_TYPE) -> Assistant:
    return context.bot_data["deps"].assistant


async def send_item(bot: Bot, chat_id: int, check: Check, item: QuizItem) -> None:
    await send_html(bot, chat_id, qf.item_html(check, item), reply_markup=item_keyboard(check, item))


async def start_check(bot: Bot, assistant: Assistant, chat_id: int, *, agency: str | None = None,
                      periodic: bool = False) -> Check:
    """A new check for the chat: its intro and first item sent. Raises QuizEmpty when nothing is published."""
    check = await asyncio.to_thread(assistant.quiz_start, f"tg:{chat_id}", channel=CHANNEL, agency=agency)
    await send_html(bot, chat_id, escape(qf.intro(check, periodic=periodic)))
    await send_item(bot, chat_id, check, check.items[0])
    return check


async def kiemtra(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/kiemtra [cơ quan]: start a knowledge check of published items."""
    if not await within_rate(update, context):
        return
    chat_id = update.effective_chat.id
    agency = " ".join(context.args or []) or None
    try:
        await start_check(context.bot, _assistant(context), chat_id, agency=agency)
    except QuizEmpty:
        await send_html(context.bot, chat_id, escape(qf.NO_ITEMS))
    except QuizError as exc:
        await send_html(context.bot, chat_id, escape("⚠️ " + exc.message))


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/dangky: receive the periodic check in this chat."""
    if not await within_rate(update, context):
        return
    chat_id = update.effective_chat.id
    new = await asyncio.to_thread(_assistant(context).quiz_subscribe, CHANNEL, str(chat_id))
    text = (qf.SUBSCRIBED if new else qf.ALREADY_SUBSCRIBED).format(off="/huydangky")
    if not context.bot_data.get("quiz_schedule"):
        text += qf.NO_SCHEDULE.format(start="/kiemtra")
    await send_html(context.bot, chat_id, escape(text))


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/huydangky: stop the periodic check in this chat."""
    if not await within_rate(update, context):
        return
    chat_id = update.effective_chat.id
    was = await asyncio.to_thread(_assistant(context).quiz_unsubscribe, CHANNEL, str(chat_id))
    await send_html(context.bot, chat_id, escape((qf.UNSUBSCRIBED if was else qf.NOT_SUBSCRIBED).format(on="/dangky")))


async def quiz_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A/B/C/D under an item: the verdict and the cited clause, then the next item or the score."""
    query = update.callback_query
    chat_id = update.effective_chat.id if update.effective_chat else query.from_user.id
    assistant = _assistant(context)
    try:
        check_id, position, choice = parse_button(query.data)
        check = await asyncio.to_thread(assistant.quiz_check, check_id)
        item = check.items[position]
        outcome = await asyncio.to_thread(assistant.quiz_answer, check_id, item.id, choice)
    except (ValueError, IndexError, NotFound, QuizError) as exc:
        log.info("quiz button in chat %s not usable: %s", chat_id, getattr(exc, "message", exc))
        await answer_query(query.answer, "Nút này không còn dùng được.")
        return
    await answer_query(query.answer, "Đúng!" if outcome.correct else "Chưa đúng")
    await set_buttons(query, chat_id, None, "quiz")  # one answer per item: the buttons go
    await send_html(context.bot, chat_id, qf.outcome_html(outcome))
    check = await asyncio.to_thread(assistant.quiz_check, check_id)
    following = check.next_item()
    if following is not None:
        await send_item(context.bot, chat_id, check, following)
    else:
        await send_html(context.bot, chat_id, escape(qf.score_text(check)))


async def send_periodic(application: Application) -> int:
    """One round of the periodic check: a new check to every subscribed chat; chats that blocked the bot opt out."""
    assistant: Assistant = application.bot_data["deps"].assistant
    sent = 0
    for chat in await asyncio.to_thread(assistant.quiz_subscribers, CHANNEL):
        try:
            await start_check(application.bot, assistant, int(chat), periodic=True)
            sent += 1
        except QuizEmpty:
            log.warning("periodic quiz: no published item; nothing sent")
            return sent
        except Forbidden as exc:  # the user blocked the bot or left the group: stop sending
            log.info("periodic quiz: chat %s refuses messages (%s); unsubscribed", chat, exc)
            await asyncio.to_thread(assistant.quiz_unsubscribe, CHANNEL, chat)
        except (TelegramError, HoidapError) as exc:
            log.warning("periodic quiz: could not send to chat %s: %s", chat, exc)
    return sent


def claim_round(application: Application, channel: str, period: str, min_gap_s: float) -> bool:
    """Whether this process sends the round (API workers, and a polling bot, share the quiz database)."""
    return application.bot_data["deps"].assistant.quiz_claim_round(channel, period, min_gap_s)


def install(application: Application, settings: Settings) -> None:
    """Add the quiz commands and button handler; run the periodic check when ``HOIDAP_QUIZ_SCHEDULE`` is set."""
    application.add_handler(CommandHandler("kiemtra", kiemtra))
    application.add_handler(CommandHandler("dangky", subscribe))
    application.add_handler(CommandHandler("huydangky", unsubscribe))
    application.add_handler(CallbackQueryHandler(quiz_button, pattern=r"^k:"))
    schedule = parse_schedule(settings.quiz_schedule)
    application.bot_data["quiz_schedule"] = schedule
    if schedule is not None:
        application.bot_data["quiz_periodic"] = Periodic(schedule, partial(send_periodic, application), CHANNEL,
                                                         claim=partial(claim_round, application))


def start_periodic(application: Application) -> None:
    periodic = application.bot_data.get("quiz_periodic")
    if periodic is not None:
        periodic.start()


async def stop_periodic(application: Application) -> None:
    periodic = application.bot_data.get("quiz_periodic")
    if periodic is not None:
        await periodic.stop()

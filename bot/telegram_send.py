"""Sending on Telegram: a message cut at paragraphs, buttons replaced, a button press acknowledged,
each retried after a flood wait or a network error (``BadRequest``/``Forbidden`` are final)."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import TypeVar

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning

from bot import format as fmt

log = logging.getLogger(__name__)
T = TypeVar("T")

SEND_ATTEMPTS = 4
MAX_RETRY_AFTER = 120.0  # seconds; a longer flood wait gives up rather than holding the chat


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


async def set_buttons(query, chat_id: int, rows: list | None, what: str) -> None:
    """Replace the buttons under the message a button press came from (``rows`` empty: remove them); a
    message Telegram will not edit any more (too old) keeps its buttons, which is logged."""
    try:
        await with_retry(partial(query.edit_message_reply_markup, InlineKeyboardMarkup(rows) if rows else None),
                         "editMessageReplyMarkup")
    except BadRequest as exc:
        log.info("could not change the %s buttons in chat %s: %s", what, chat_id, exc)


async def answer_query(answer: Callable[..., Awaitable[bool]], text: str | None = None) -> None:
    try:
        await with_retry(partial(answer, text), "answerCallbackQuery")
    except BadRequest as exc:  # the press is older than Telegram keeps it: nothing left to acknowledge
        log.info("could not acknowledge a button press: %s", exc)

"""The buttons under a Telegram answer and the data they carry: 📄 n (the cited clause), 👍/👎, ✉️ (the expert)."""

from __future__ import annotations

import re
from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import format as fmt
from hoidap.model import Answer

_CALLBACK = re.compile(r"^([cfe]):([0-9a-f]{32}):(\d{1,2})$")


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


def kept_rows(message, keep: Callable[[str], bool]) -> list | None:
    """The rows of buttons under ``message`` whose every button's data passes ``keep``; None when the
    message has no buttons."""
    markup = getattr(message, "reply_markup", None)
    if markup is None:
        return None
    return [row for row in markup.inline_keyboard if all(keep(b.callback_data or "") for b in row)]

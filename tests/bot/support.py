"""Helpers for the bot tests: the real polling bot run in a thread, Telegram updates as the API sends them."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time

from telegram.ext import Application

from bot.telegram import run_polling
from tests.bot.fakes import FakeTelegram, wait_until

_ids = itertools.count(1)


def new_chat_id() -> int:
    """A chat no other test uses: rate limits and follow-up turns are per chat."""
    return 7_000_000 + next(_ids)


class PollingBot:
    """``run_polling`` of the real Application, in a thread with its own event loop, as ``hoidap bot telegram``
    runs it; stopped with ``stop_running`` the way a signal would."""

    def __init__(self, application: Application, fake: FakeTelegram) -> None:
        self.application = application
        self.fake = fake
        self.loop = asyncio.new_event_loop()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="polling-bot", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            run_polling(self.application, stop_signals=None, close_loop=True)
        except BaseException as exc:  # reported by __enter__ / __exit__
            self.error = exc

    def __enter__(self) -> PollingBot:
        started = len(self.fake.called("getUpdates"))
        self.thread.start()
        wait_until(lambda: self.error or (self.application.running and len(self.fake.called("getUpdates")) > started),
                   what="the bot to start polling")
        if self.error:
            raise self.error
        return self

    def __exit__(self, *exc) -> None:
        self.loop.call_soon_threadsafe(self.application.stop_running)
        self.thread.join(timeout=20)
        assert not self.thread.is_alive(), "the bot did not stop"
        assert self.error is None, self.error


def user(user_id: int) -> dict:
    return {"id": user_id, "is_bot": False, "first_name": "Lan", "language_code": "vi"}


_message_ids = itertools.count(1)


def message(chat_id: int, text: str, *, chat_type: str = "private", reply_to: dict | None = None,
            user_id: int | None = None) -> dict:
    """A ``message`` update body; a leading /command gets its bot_command entity, as Telegram sends it."""
    msg = {"message_id": next(_message_ids), "date": int(time.time()), "text": text,
           "chat": {"id": chat_id, "type": chat_type, **({"title": "Nhóm CCHC"} if chat_type != "private" else {})},
           "from": user(user_id or abs(chat_id))}
    if text.startswith("/"):
        msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    if reply_to is not None:
        msg["reply_to_message"] = reply_to
    return {"message": msg}


def button_press(sent: dict, data: str, *, query_id: str | None = None) -> dict:
    """A ``callback_query`` update: the user pressed the button carrying ``data`` under the message ``sent``."""
    chat_id = sent["chat"]["id"]
    return {"callback_query": {"id": query_id or f"q{next(_message_ids)}", "from": user(abs(chat_id)),
                               "chat_instance": f"ci{chat_id}", "data": data, "message": sent}}


def buttons(sent: dict) -> list[tuple[str, str]]:
    """(text, callback_data) of every inline button under a sent message."""
    markup = sent.get("reply_markup") or {"inline_keyboard": []}
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]

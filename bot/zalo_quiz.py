"""Knowledge checks on Zalo: "/kiemtra" starts one, the user replies A, B, C or D to each item and gets the cited
clause; "/dangky" and "/huydangky" for the periodic check, sent by :meth:`ZaloQuiz.send_periodic`."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable

import httpx

from bot import quiz_format as qf
from core.errors import HoidapError, QuizEmpty, QuizError
from hoidap.assistant import Assistant
from hoidap.quiz.model import LETTERS, Check

log = logging.getLogger(__name__)

CHANNEL = "zalo"
_START = {"/kiemtra", "kiemtra", "kiểm tra", "kiem tra"}
_ON = {"/dangky", "dangky", "đăng ký"}
_OFF = {"/huydangky", "huydangky", "hủy đăng ký", "huỷ đăng ký"}
_LETTER = re.compile(r"^([a-d])[.)]?$", re.IGNORECASE)


class ZaloQuiz:
    """The quiz part of the Zalo channel; ``send(user_id, text)`` is the channel's sender."""

    def __init__(self, assistant: Assistant, send: Callable[[str, str], Awaitable[None]]) -> None:
        self.assistant = assistant
        self.send = send

    async def handle(self, user_id: str, text: str) -> bool:
        """Answer ``text`` if it is a quiz command or a reply to an item; False to let it be a question."""
        command = " ".join(text.strip().lower().split())
        head = command.split(" ", 1)[0] if command.startswith("/") else command
        if head in _START or command in _START:
            agency = text.strip().split(" ", 1)[1].strip() if command.startswith("/kiemtra ") else None
            await self.start(user_id, agency=agency)
            return True
        if command in _ON:
            new = await asyncio.to_thread(self.assistant.quiz_subscribe, CHANNEL, user_id)
            await self.send(user_id, (qf.SUBSCRIBED if new else qf.ALREADY_SUBSCRIBED).format(off="/huydangky"))
            return True
        if command in _OFF:
            was = await asyncio.to_thread(self.assistant.quiz_unsubscribe, CHANNEL, user_id)
            await self.send(user_id, (qf.UNSUBSCRIBED if was else qf.NOT_SUBSCRIBED).format(on="/dangky"))
            return True
        letter = _LETTER.match(command)
        if letter:
            await self.answer(user_id, LETTERS.index(letter.group(1).upper()))
            return True
        return False

    async def start(self, user_id: str, *, agency: str | None = None, periodic: bool = False) -> Check | None:
        try:
            check = await asyncio.to_thread(self.assistant.quiz_start, f"zalo:{user_id}", channel=CHANNEL,
                                            agency=agency)
        except QuizEmpty:
            await self.send(user_id, qf.NO_ITEMS)
            return None
        except QuizError as exc:
            await self.send(user_id, "⚠️ " + exc.message)
            return None
        await self.send(user_id, qf.intro(check, periodic=periodic) + "\n\n" + qf.item_plain(check, check.items[0]))
        return check

    async def answer(self, user_id: str, choice: int) -> None:
        check = await asyncio.to_thread(self.assistant.quiz_open_check, f"zalo:{user_id}", CHANNEL)
        if check is None:
            await self.send(user_id, qf.NO_OPEN_CHECK.format(start="/kiemtra"))
            return
        item = check.next_item()
        if choice >= len(item.options):
            await self.send(user_id, f"Câu này chỉ có các phương án {', '.join(LETTERS[:len(item.options)])}.")
            return
        outcome = await asyncio.to_thread(self.assistant.quiz_answer, check.id, item.id, choice)
        check = await asyncio.to_thread(self.assistant.quiz_check, check.id)
        following = check.next_item()
        tail = qf.item_plain(check, following) if following is not None else qf.score_text(check)
        await self.send(user_id, qf.outcome_plain(outcome))
        await self.send(user_id, tail)

    async def send_periodic(self) -> int:
        """One round of the periodic check: a new check to every subscribed Zalo user."""
        sent = 0
        for user_id in await asyncio.to_thread(self.assistant.quiz_subscribers, CHANNEL):
            try:
                if await self.start(user_id, periodic=True) is None:
                    return sent
                sent += 1
            except (HoidapError, httpx.HTTPError) as exc:
                log.warning("periodic quiz: could not send to Zalo user %s: %s", user_id, exc)
        return sent

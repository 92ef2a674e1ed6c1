"""The Zalo Official Account channel: the handling of ``user_send_text`` events through the shared
assistant (commands, quiz answers, questions, /canbo) and the expert replies going out.

The events are read by :mod:`bot.zalo_events` (signature, age, text), the messages sent by
:mod:`bot.zalo_send` (the OA API with token refresh); ``POST /bot/zalo/webhook`` (api/routes/webhooks.py)
hands the events here.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import OrderedDict

import httpx

from bot import format as fmt
from bot.seen import SeenEvents
from bot.zalo_events import TextEvent, event_age, text_event
from bot.zalo_quiz import ZaloQuiz
from bot.zalo_send import ZaloApiError, ZaloClient
from hoidap.assistant import Assistant
from hoidap.experts import Reply
from core.errors import HoidapError, InvalidQuery, NotFound
from core.ratelimit import RateLimiter
from core.settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "zalo"


class ZaloChannel:
    """Answers ``user_send_text`` events through the shared assistant.

    Args:
        settings: ``zalo_rate_limit_per_minute`` and the client's settings.
        assistant: the facade shared by every channel.
        client: the OA API client (built from ``settings`` when not given).
    """

    def __init__(self, settings: Settings, assistant: Assistant, client: ZaloClient | None = None) -> None:
        self.settings = settings
        self.assistant = assistant
        self.client = client or ZaloClient(settings)
        self.limiter = RateLimiter(settings.zalo_rate_limit_per_minute, settings.rate_limit_max_clients)
        # msg_ids received, shared by every worker on the data directory and kept across restarts
        self.window_s = settings.zalo_event_window_minutes * 60
        self.seen = SeenEvents(settings.data_dir / "channels.sqlite3", CHANNEL, self.window_s)
        self.quiz = ZaloQuiz(assistant, self.send)
        # each user's last answer, for /canbo (send it to the expert); bounded like the rate limiter
        self.last_answer: OrderedDict[str, str] = OrderedDict()
        # one lock per user: a follow-up question waits for the answer before it
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def fresh(self, event: object) -> bool:
        """Whether the event is dated within the window (either side of now): an older one is a replay."""
        age = event_age(event)
        return age is not None and abs(age) <= self.window_s

    def accept(self, event: object) -> TextEvent | None:
        """The text event to answer, or None: another kind of event, or one already received (Zalo redelivers)."""
        text = text_event(event)
        if text is None:
            return None
        if text.msg_id and not self.seen.add(text.msg_id):
            log.info("Zalo message %s received again; already answered", text.msg_id)
            return None
        return text

    async def handle(self, event: TextEvent) -> None:
        """Answer one message; errors are logged here, at the edge, since Zalo was acknowledged already."""
        try:
            await self._reply(event)
        except (HoidapError, httpx.HTTPError) as exc:
            log.error("could not answer Zalo message %s from user %s", event.msg_id, event.user_id, exc_info=exc)

    async def _reply(self, event: TextEvent) -> None:
        decision = self.limiter.take(f"zalo:{event.user_id}")
        if not decision.allowed:
            log.info("Zalo user %s rate limited for %.0f s", event.user_id, decision.wait)
            if decision.warn:
                await self.send(event.user_id, fmt.rate_limited_text(decision.wait))
            return
        command = event.text.strip().lower()
        if command in ("/start", "/help"):
            return await self.send(event.user_id, fmt.welcome_text() if command == "/start" else fmt.help_text())
        if command == "/vanban":
            docs = await asyncio.to_thread(self.assistant.documents)
            return await self.send(event.user_id, fmt.documents_plain([d.public() for d in docs], self.settings.public_base_url))
        if command == fmt.ESCALATE_COMMAND:
            return await self._escalate(event.user_id)
        lock = self._locks.get(event.user_id)
        if lock is None:
            lock = self._locks[event.user_id] = asyncio.Lock()
        async with lock:
            if await self.quiz.handle(event.user_id, event.text):  # /kiemtra, A/B/C/D, /dangky, /huydangky
                return
            try:
                answer = await asyncio.to_thread(self.assistant.ask, event.text,
                                                 conversation_id=f"zalo:{event.user_id}", channel=CHANNEL)
            except HoidapError as exc:
                if not isinstance(exc, InvalidQuery):
                    log.error("cannot answer Zalo user %s: %s", event.user_id, exc.message)
                return await self.send(event.user_id, fmt.error_text(exc))
            if answer.answer_id:
                self.last_answer[event.user_id] = answer.answer_id
                self.last_answer.move_to_end(event.user_id)
                while len(self.last_answer) > self.settings.rate_limit_max_clients:
                    self.last_answer.popitem(last=False)
            await self.send(event.user_id, fmt.answer_plain(answer, self.settings.public_base_url))

    async def _escalate(self, user_id: str) -> None:
        """/canbo: the user's last question goes to the expert in charge."""
        answer_id = self.last_answer.get(user_id)
        if answer_id is None:
            return await self.send(user_id, fmt.NOTHING_TO_ESCALATE)
        try:
            await asyncio.to_thread(self.assistant.escalate, answer_id, channel=CHANNEL,
                                    conversation_id=f"zalo:{user_id}", reply_to=user_id)
        except NotFound:
            return await self.send(user_id, fmt.NOTHING_TO_ESCALATE)
        await self.send(user_id, fmt.ESCALATED)

    async def send_reply(self, reply: Reply) -> str | None:
        """An expert's reply to the Zalo user who asked; the reason when Zalo refuses it."""
        try:
            await self.send(reply.reply_to, fmt.expert_reply_plain(reply, self.settings.public_base_url))
        except ZaloApiError as exc:
            return exc.message
        return None

    async def send(self, user_id: str, text: str) -> None:
        for part in fmt.split_message(text, fmt.ZALO_MAX_CHARS):
            await self.client.send_text(user_id, part)

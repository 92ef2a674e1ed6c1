"""The periodic knowledge check: an asyncio task that sends a check to every subscribed chat when the schedule says.

Used by Telegram (started with the Application, polling or webhook) and Zalo (started with the API). An equivalent of
python-telegram-bot's JobQueue that needs no extra dependency and serves both channels.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from bot.tasks import stop_task
from hoidap.quiz.schedule import Schedule

log = logging.getLogger(__name__)


class Claim(Protocol):
    def __call__(self, channel: str, period: str, min_gap_s: float) -> bool: ...


class Periodic:
    """Runs ``send_all()`` at each time ``schedule`` gives, until stopped.

    With ``claim`` (``QuizService.claim_round``: a row in the quiz database), a round is sent only by the process
    that claims it first, so N API workers running the same schedule send each round once.

    Example:
        >>> periodic = Periodic(parse("daily 08:00"), send_all, "telegram")   # doctest: +SKIP
        >>> periodic.start(); ...; await periodic.stop()                        # doctest: +SKIP
    """

    def __init__(self, schedule: Schedule, send_all: Callable[[], Awaitable[int]], name: str,
                 claim: Claim | None = None) -> None:
        self.schedule = schedule
        self.send_all = send_all
        self.name = name
        self.claim = claim
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"periodic-quiz-{self.name}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await stop_task(task)

    async def _run(self) -> None:
        while True:
            now = datetime.now()
            due = self.schedule.next_after(now)
            await asyncio.sleep(max(0.0, (due - now).total_seconds()))
            try:
                await self.round(due)
            except Exception as exc:  # one failed round must not end the schedule; logged with its traceback
                log.error("periodic quiz (%s) failed; next round at the next scheduled time", self.name, exc_info=exc)

    async def round(self, due: datetime) -> int | None:
        """The round due at ``due``: the number of chats sent a check, or None when another process claimed it."""
        if self.claim is not None:
            period = self.schedule.period(due)
            if not await asyncio.to_thread(self.claim, self.name, period, self.schedule.min_gap_s):
                log.info("periodic quiz (%s): the round of %s is sent by another process", self.name, period)
                return None
        sent = await self.send_all()
        log.info("periodic quiz (%s): a check sent to %d subscribed chats", self.name, sent)
        return sent

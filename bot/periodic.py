"""The periodic knowledge check: an asyncio task that sends a check to every subscribed chat when the schedule says.

Used by Telegram (started with the Application, polling or webhook) and Zalo (started with the API). An equivalent of
python-telegram-bot's JobQueue that needs no extra dependency and serves both channels.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from hoidap.quiz.schedule import Schedule

log = logging.getLogger(__name__)


class Periodic:
    """Runs ``send_all()`` at each time ``schedule`` gives, until stopped.

    Example:
        >>> periodic = Periodic(parse("daily 08:00"), send_all, "telegram")   # doctest: +SKIP
        >>> periodic.start(); ...; await periodic.stop()                        # doctest: +SKIP
    """

    def __init__(self, schedule: Schedule, send_all: Callable[[], Awaitable[int]], name: str) -> None:
        self.schedule = schedule
        self.send_all = send_all
        self.name = name
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"periodic-quiz-{self.name}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        while True:
            now = datetime.now()
            due = self.schedule.next_after(now)
            await asyncio.sleep(max(0.0, (due - now).total_seconds()))
            try:
                sent = await self.send_all()
                log.info("periodic quiz (%s): a check sent to %d subscribed chats", self.name, sent)
            except Exception as exc:  # one failed round must not end the schedule; logged with its traceback
                log.error("periodic quiz (%s) failed; next round at the next scheduled time", self.name, exc_info=exc)

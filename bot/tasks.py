"""Background asyncio tasks of the channels (periodic checks, expert-reply delivery): stopping one."""

from __future__ import annotations

import asyncio
import contextlib


async def stop_task(task: asyncio.Task | None) -> None:
    """Cancel ``task`` and wait until it has ended; nothing when there is none."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

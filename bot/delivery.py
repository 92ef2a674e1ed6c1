"""Expert replies out to the askers: a loop each channel runs, draining its outbox (hoidap.experts) every
``HOIDAP_EXPERT_POLL_SECONDS``. The outbox is SQLite, so a bot in another process than the API (long
polling) delivers what an expert saved in the console.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from hoidap.assistant import Assistant
from hoidap.experts import Reply

log = logging.getLogger(__name__)

# send(reply) returns None when delivered, a reason when the channel refused it for good; it raises when
# the failure may pass (network): the reply is then tried again once its claim expires
Send = Callable[[Reply], Awaitable[str | None]]


async def deliver_once(assistant: Assistant, channel: str, send: Send) -> int:
    """Send every reply waiting for ``channel``; the number delivered."""
    delivered = 0
    for reply in await asyncio.to_thread(assistant.pending_replies, channel):
        try:
            refused = await send(reply)
        except Exception as exc:  # the loop must outlive any one send; logged with the reason
            log.warning("expert reply %d on %s not sent yet (%s: %s); trying again later", reply.request_id,
                        channel, type(exc).__name__, exc)
            continue
        if refused:
            await asyncio.to_thread(assistant.reply_failed, reply.request_id, refused)
            continue
        await asyncio.to_thread(assistant.reply_delivered, reply.request_id)
        log.info("expert reply %d delivered on %s", reply.request_id, channel)
        delivered += 1
    return delivered


async def deliver_forever(assistant: Assistant, channel: str, send: Send, interval: float) -> None:
    """:func:`deliver_once` every ``interval`` seconds until cancelled."""
    while True:
        try:
            await deliver_once(assistant, channel, send)
        except Exception:  # e.g. the database is locked for a moment: log and go on
            log.exception("expert replies on %s: delivery round failed", channel)
        await asyncio.sleep(interval)

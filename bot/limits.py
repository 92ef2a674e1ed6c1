"""Bounded per-chat memory for the channels: the message ids already seen (the rate limit per chat is
core.ratelimit.RateLimiter, keyed by chat: "tg:<chat id>", "zalo:<user id>")."""

from __future__ import annotations

import threading
from collections import OrderedDict

__all__ = ["RecentIds"]


class RecentIds:
    """The last ``size`` ids seen, to answer a redelivered event once.

    Example:
        >>> seen = RecentIds(2)
        >>> seen.add("a"), seen.add("a"), seen.add("b"), seen.add("c"), seen.add("a")
        (True, False, True, True, True)
    """

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, key: str) -> bool:
        """True when ``key`` is new (and now remembered), False when it was seen recently."""
        with self._lock:
            if key in self._ids:
                self._ids.move_to_end(key)
                return False
            self._ids[key] = None
            if len(self._ids) > self.size:
                self._ids.popitem(last=False)
            return True

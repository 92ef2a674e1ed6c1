"""Bounded per-chat memory for the channels: a rate limit per chat, and the message ids already seen."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass


@dataclass
class Decision:
    allowed: bool
    wait: float = 0.0  # seconds until the next message would be allowed
    warn: bool = False  # first refusal since the chat was last allowed: tell the user once, not every time


class ChatRateLimiter:
    """A token bucket per chat: ``per_minute`` messages, refilled continuously.

    Args:
        per_minute: messages a chat may send per minute.
        max_chats: chats remembered; the least recently seen is forgotten first.

    Example:
        >>> limiter = ChatRateLimiter(1)
        >>> limiter.take("tg:1").allowed, limiter.take("tg:1").warn, limiter.take("tg:1").warn
        (True, True, False)
    """

    def __init__(self, per_minute: int, max_chats: int = 10_000) -> None:
        if per_minute < 1:
            raise ValueError(f"per_minute={per_minute}; use 1 or more")
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self.max_chats = max_chats
        self._buckets: OrderedDict[str, tuple[float, float, bool]] = OrderedDict()  # tokens, time, warned
        self._lock = threading.Lock()

    def take(self, chat: str) -> Decision:
        now = time.monotonic()
        with self._lock:
            tokens, last, warned = self._buckets.pop(chat, (self.capacity, now, False))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1:
                decision, self._buckets[chat] = Decision(True), (tokens - 1, now, False)
            else:
                decision = Decision(False, (1 - tokens) / self.rate, warn=not warned)
                self._buckets[chat] = (tokens, now, True)
            while len(self._buckets) > self.max_chats:
                self._buckets.popitem(last=False)
        return decision


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

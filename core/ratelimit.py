"""One rate limiter for every channel: a token bucket per key (client address, chat), in bounded memory."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass


@dataclass
class Decision:
    allowed: bool
    wait: float = 0.0  # seconds until the next request would be allowed
    warn: bool = False  # first refusal since the key was last allowed: tell the user once, not every time


class RateLimiter:
    """A token bucket per key: ``per_minute`` requests, refilled continuously.

    At most ``max_keys`` buckets are kept; the least recently seen is dropped first, so a flood of new keys
    costs bounded memory (a dropped key starts again with a full bucket).

    Args:
        per_minute: requests a key may make per minute (also the burst size).
        max_keys: buckets remembered.

    Raises:
        ValueError: ``per_minute`` or ``max_keys`` below 1.

    Example:
        >>> limiter = RateLimiter(1)
        >>> limiter.take("tg:1").allowed, limiter.take("tg:1").warn, limiter.take("tg:1").warn
        (True, True, False)
    """

    def __init__(self, per_minute: int, max_keys: int = 10_000) -> None:
        if per_minute < 1:
            raise ValueError(f"per_minute={per_minute}; use 1 or more")
        if max_keys < 1:
            raise ValueError(f"max_keys={max_keys}; use 1 or more")
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float, bool]] = OrderedDict()  # tokens, time, warned
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> Decision:
        """Spend one token of ``key``'s bucket if it has one."""
        now = time.monotonic()
        with self._lock:
            tokens, last, warned = self._buckets.pop(key, (self.capacity, now, False))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1:
                decision, self._buckets[key] = Decision(True), (tokens - 1, now, False)
            else:
                decision = Decision(False, (1 - tokens) / self.rate, warn=not warned)
                self._buckets[key] = (tokens, now, True)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return decision

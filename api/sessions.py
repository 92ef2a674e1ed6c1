"""Sign-in sessions of the admin console, and the count of failed sign-ins per client address.

A session is a random token (256 bits) in an HttpOnly, SameSite=Strict cookie; the server keeps only its
SHA-256, with its expiry and its CSRF token. State-changing requests made with the cookie must carry the
CSRF token in ``X-CSRF-Token`` (the console reads it from ``GET /api/console/session``), so another site
cannot make the browser act for the admin even where SameSite is not enforced. Sessions live in the API
process: a restart signs everyone out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

COOKIE = "hoidap_admin"
CSRF_HEADER = "X-CSRF-Token"
MAX_SESSIONS = 1000


@dataclass
class Session:
    csrf: str
    expires_at: float

    def csrf_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.csrf.encode())


class Sessions:
    """Server-side sessions with an expiry.

    Example:
        >>> sessions = Sessions(ttl_s=60)
        >>> token, session = sessions.create()
        >>> sessions.get(token) is session, sessions.get("forged")
        (True, None)
    """

    def __init__(self, ttl_s: float) -> None:
        if ttl_s <= 0:
            raise ValueError(f"ttl_s={ttl_s}; use a number of seconds above 0")
        self.ttl_s = ttl_s
        self._by_hash: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def create(self) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        session = Session(secrets.token_urlsafe(32), time.time() + self.ttl_s)
        with self._lock:
            self._expire()
            self._by_hash[_digest(token)] = session
            while len(self._by_hash) > MAX_SESSIONS:
                self._by_hash.popitem(last=False)
        return token, session

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        with self._lock:
            session = self._by_hash.get(_digest(token))
            if session is not None and session.expires_at <= time.time():
                del self._by_hash[_digest(token)]
                return None
            return session

    def end(self, token: str | None) -> None:
        with self._lock:
            self._by_hash.pop(_digest(token or ""), None)

    def _expire(self) -> None:
        now = time.time()
        for key in [k for k, s in self._by_hash.items() if s.expires_at <= now]:
            del self._by_hash[key]


class SignInGuard:
    """At most ``max_failures`` failed sign-ins per address in ``window_s``; then refused until the window passes.

    Example:
        >>> guard = SignInGuard(2, 60)
        >>> guard.fail("1.2.3.4"); guard.wait("1.2.3.4")
        0.0
        >>> guard.fail("1.2.3.4"); guard.wait("1.2.3.4") > 0
        True
    """

    def __init__(self, max_failures: int, window_s: float, max_addresses: int = 10_000) -> None:
        self.max_failures, self.window_s, self.max_addresses = max_failures, window_s, max_addresses
        self._failures: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, address: str) -> float:
        """Seconds before ``address`` may try again; 0 when it may now."""
        with self._lock:
            recent = self._recent(address)
            if len(recent) < self.max_failures:
                return 0.0
            return max(0.0, recent[0] + self.window_s - time.time())

    def fail(self, address: str) -> None:
        with self._lock:
            recent = self._recent(address)
            recent.append(time.time())
            self._failures[address] = recent
            self._failures.move_to_end(address)
            while len(self._failures) > self.max_addresses:
                self._failures.popitem(last=False)

    def succeed(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)

    def _recent(self, address: str) -> list[float]:
        cutoff = time.time() - self.window_s
        return [t for t in self._failures.get(address, []) if t > cutoff]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

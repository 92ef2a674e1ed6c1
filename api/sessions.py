"""Sign-in sessions of the admin console, and the count of failed sign-ins per client address.

A session is a random token (256 bits) in an HttpOnly, SameSite=Strict cookie; the server keeps only its
SHA-256, with its expiry and its CSRF token. State-changing requests made with the cookie must carry the
CSRF token in ``X-CSRF-Token`` (the console reads it from ``GET /api/console/session``), so another site
cannot make the browser act for the admin even where SameSite is not enforced. Sessions and failed sign-ins
are kept in SQLite (``DATA_DIR/sessions.sqlite3``, mode 600), so every worker of ``hoidap serve --workers N``
knows a session another made, the failure limit counts across workers, and a restart signs nobody out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from core.private import private_file
from core.sqlite import Step, open_database, schema_version, transaction
from hoidap.privacy import keyed_hash

COOKIE = "hoidap_admin"
CSRF_HEADER = "X-CSRF-Token"
MAX_SESSIONS = 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    csrf TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions(expires_at);
CREATE TABLE IF NOT EXISTS signin_failures (
    address_hash TEXT NOT NULL,
    failed_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS signin_failures_address ON signin_failures(address_hash, failed_at);
"""
STEPS = [Step(1, "sessions, sign-in failures", _SCHEMA)]  # core.sqlite.migrate; a change is a new step


@dataclass
class Session:
    csrf: str
    expires_at: float

    def csrf_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.csrf.encode())


class _Store:
    """One connection to the sessions file (created mode 600 with its folder), shared by this process's threads."""

    def __init__(self, path: Path) -> None:
        private_file(path)
        self.path = path
        self.lock = threading.RLock()
        self.conn = open_database(path, STEPS, foreign_keys=False)

    @property
    def schema_version(self) -> int:
        """The version of the file's schema (``PRAGMA user_version``), the last of ``STEPS`` once opened."""
        return schema_version(self.conn)

    def close(self) -> None:
        self.conn.close()


class Sessions:
    """Server-side sessions with an expiry, in SQLite (only a hash of each token is stored).

    Args:
        path: the SQLite file (``Settings.sessions_path``); every process given the same file shares the sessions.
        ttl_s: how long a session lasts.

    Raises:
        ValueError: ``ttl_s`` is not above 0.

    Example:
        >>> import tempfile; path = Path(tempfile.mkdtemp()) / "sessions.sqlite3"
        >>> token, session = Sessions(path, ttl_s=60).create()
        >>> Sessions(path, ttl_s=60).get(token) == session, Sessions(path, ttl_s=60).get("forged")
        (True, None)
    """

    def __init__(self, path: Path, ttl_s: float) -> None:
        if ttl_s <= 0:
            raise ValueError(f"ttl_s={ttl_s}; use a number of seconds above 0")
        self.ttl_s = ttl_s
        self._store = _Store(path)

    def create(self) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        now = time.time()
        session = Session(secrets.token_urlsafe(32), now + self.ttl_s)
        conn = self._store.conn
        with transaction(conn, self._store.lock):
            conn.execute("DELETE FROM sessions WHERE expires_at <= ?", (now,))
            conn.execute("INSERT INTO sessions (token_hash, csrf, created_at, expires_at) VALUES (?, ?, ?, ?)",
                         (_digest(token), session.csrf, now, session.expires_at))
            # the oldest sessions go first when too many are open (as the in-memory cap did)
            conn.execute("DELETE FROM sessions WHERE token_hash IN (SELECT token_hash FROM sessions "
                         "ORDER BY created_at DESC LIMIT -1 OFFSET ?)", (MAX_SESSIONS,))
        return token, session

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        with self._store.lock:
            row = self._store.conn.execute("SELECT csrf, expires_at FROM sessions WHERE token_hash = ?",
                                           (_digest(token),)).fetchone()
        if row is None:
            return None
        if row["expires_at"] <= time.time():
            self.end(token)
            return None
        return Session(row["csrf"], row["expires_at"])

    def end(self, token: str | None) -> None:
        with transaction(self._store.conn, self._store.lock):
            self._store.conn.execute("DELETE FROM sessions WHERE token_hash = ?", (_digest(token or ""),))

    def close(self) -> None:
        self._store.close()


class SignInGuard:
    """At most ``max_failures`` failed sign-ins per address in ``window_s``; then refused until the window passes.

    Failures are counted in SQLite, so the limit holds across every process given ``path``. Addresses are
    stored as a keyed hash (HMAC under ``key``, the query log's key): a plain hash of an IPv4 address is
    undone by trying all four billion.

    Example:
        >>> import tempfile; guard = SignInGuard(Path(tempfile.mkdtemp()) / "sessions.sqlite3", 2, 60)
        >>> guard.fail("1.2.3.4"); guard.wait("1.2.3.4")
        0.0
        >>> guard.fail("1.2.3.4"); guard.wait("1.2.3.4") > 0
        True
    """

    def __init__(self, path: Path, max_failures: int, window_s: float, max_addresses: int = 10_000,
                 key: bytes | None = None) -> None:
        self.max_failures, self.window_s, self.max_addresses = max_failures, window_s, max_addresses
        self._store = _Store(path)
        self._key = key or secrets.token_bytes(32)  # no key given: this process's own (tests, doctests)

    def _address(self, address: str) -> str:
        return keyed_hash(self._key, "signin:" + address)

    def wait(self, address: str) -> float:
        """Seconds before ``address`` may try again; 0 when it may now."""
        cutoff = time.time() - self.window_s
        with self._store.lock:
            rows = self._store.conn.execute(
                "SELECT failed_at FROM signin_failures WHERE address_hash = ? AND failed_at > ? ORDER BY failed_at",
                (self._address(address), cutoff)).fetchall()
        if len(rows) < self.max_failures:
            return 0.0
        # as before: the lockout lasts until the oldest failure counted leaves the window
        return max(0.0, rows[0]["failed_at"] + self.window_s - time.time())

    def fail(self, address: str) -> None:
        now = time.time()
        conn = self._store.conn
        with transaction(conn, self._store.lock):
            conn.execute("DELETE FROM signin_failures WHERE failed_at <= ?", (now - self.window_s,))
            conn.execute("INSERT INTO signin_failures (address_hash, failed_at) VALUES (?, ?)", (self._address(address), now))
            # a flood from many addresses must not grow the file without end: the least recent addresses go
            conn.execute("DELETE FROM signin_failures WHERE address_hash IN (SELECT address_hash FROM signin_failures "
                         "GROUP BY address_hash ORDER BY MAX(failed_at) DESC LIMIT -1 OFFSET ?)", (self.max_addresses,))

    def succeed(self, address: str) -> None:
        hashed = self._address(address)
        with self._store.lock:  # every admin request with a right key comes here: write only when there is a count
            if self._store.conn.execute("SELECT 1 FROM signin_failures WHERE address_hash = ? LIMIT 1",
                                        (hashed,)).fetchone() is None:
                return
        with transaction(self._store.conn, self._store.lock):
            self._store.conn.execute("DELETE FROM signin_failures WHERE address_hash = ?", (hashed,))

    def close(self) -> None:
        self._store.close()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

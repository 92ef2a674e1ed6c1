"""Event ids already received, remembered in SQLite for a window: a redelivered Zalo message is answered once,
by whichever worker gets it first, also after a restart.

The ids live in ``DATA_DIR/channels.sqlite3`` (mode 600) as ``(channel, event_id, seen_at)``; the first
insert of an id wins (SQLite's own uniqueness, so two processes cannot both win), and ids older than the
window are forgotten, which bounds the file. Events dated outside the window are refused by the channel.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from core.private import private_file
from core.sqlite import open_database, transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen_events (
    channel TEXT NOT NULL,
    event_id TEXT NOT NULL,
    seen_at REAL NOT NULL,
    PRIMARY KEY (channel, event_id)
);
CREATE INDEX IF NOT EXISTS seen_events_time ON seen_events(seen_at);
"""
PURGE_EVERY = 256  # inserts between two purges of expired ids


class SeenEvents:
    """``add(id)`` is True the first time an id is given within ``window_s``, False after (in any process).

    Example:
        >>> import tempfile; path = Path(tempfile.mkdtemp()) / "channels.sqlite3"
        >>> SeenEvents(path, "zalo", 60).add("m1"), SeenEvents(path, "zalo", 60).add("m1"), SeenEvents(path, "tg", 60).add("m1")
        (True, False, True)
    """

    def __init__(self, path: Path, channel: str, window_s: float) -> None:
        if window_s <= 0:
            raise ValueError(f"window_s={window_s}; use a number of seconds above 0")
        private_file(path)
        self.channel, self.window_s = channel, window_s
        self._lock = threading.RLock()
        self._conn = open_database(path, _SCHEMA, foreign_keys=False)
        self._inserts = 0

    def add(self, event_id: str) -> bool:
        """Remember ``event_id``; False when it was already seen within the window."""
        now = time.time()
        with transaction(self._conn, self._lock):
            row = self._conn.execute("SELECT seen_at FROM seen_events WHERE channel = ? AND event_id = ?",
                                     (self.channel, event_id)).fetchone()
            if row is not None and row["seen_at"] > now - self.window_s:
                return False
            self._conn.execute("INSERT OR REPLACE INTO seen_events (channel, event_id, seen_at) VALUES (?, ?, ?)",
                               (self.channel, event_id, now))
            self._inserts += 1
            if self._inserts % PURGE_EVERY == 1:
                self._conn.execute("DELETE FROM seen_events WHERE seen_at <= ?", (now - self.window_s,))
        return True

    def close(self) -> None:
        self._conn.close()

"""SQLite helpers shared by the stores (stdlib ``sqlite3`` only)."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager, nullcontext
from typing import Iterator


@contextmanager
def transaction(conn: sqlite3.Connection, lock: threading.Lock | threading.RLock | None = None) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error; under ``lock`` when given
    (connections opened in autocommit mode, ``isolation_level=None``)."""
    with lock if lock is not None else nullcontext():
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

"""SQLite helpers shared by the stores (stdlib ``sqlite3`` only)."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Iterator


def open_database(path: Path, schema: str, *, foreign_keys: bool = True) -> sqlite3.Connection:
    """One connection shared by a store's threads: autocommit (transactions via ``transaction``), rows by
    name, WAL so readers never wait for a writer, and ``schema`` (idempotent ``CREATE … IF NOT EXISTS``)."""
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    if foreign_keys:
        conn.execute("PRAGMA foreign_keys=ON")
    conn.executescript(schema)
    return conn


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

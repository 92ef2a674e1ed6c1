"""SQLite helpers shared by the stores (stdlib ``sqlite3`` only): one connection, its transactions, and the
migrations that bring a store's file to the code's schema (``PRAGMA user_version``, ordered steps)."""

from __future__ import annotations

import errno
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from core.errors import HoidapError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    """One migration of a store: what brings its file to ``version`` (its ``PRAGMA user_version``).

    ``run`` is SQL (one or more statements) or a function of the connection; either runs inside the
    step's transaction, which also sets the version, so a step is applied whole or not at all.
    """

    version: int
    what: str
    run: str | Callable[[sqlite3.Connection], None]


class SchemaTooNew(HoidapError):
    """The file was written by a newer version of the code; opening it here could lose data."""

    code = "schema_too_new"


class MigratedStore:
    """What every store shares once it has opened ``self._conn`` with :func:`open_database`: its schema
    version and closing it."""

    _conn: sqlite3.Connection

    @property
    def schema_version(self) -> int:
        """The version of the file's schema (``PRAGMA user_version``): the store's last step once opened."""
        return schema_version(self._conn)

    def close(self) -> None:
        self._conn.close()


def open_database(path: Path, steps: Sequence[Step] | str, *, foreign_keys: bool = True,
                  functions: dict[str, Callable[[object], object]] | None = None) -> sqlite3.Connection:
    """One connection shared by a store's threads: autocommit (transactions via ``transaction``), rows by
    name, WAL so readers never wait for a writer, brought up to date by ``steps`` (see :func:`migrate`).

    A plain ``steps`` string is the store's whole schema as its first step (``CREATE … IF NOT EXISTS``).
    ``functions`` are one-argument SQL functions the steps (and the store) may call."""
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    if foreign_keys:
        conn.execute("PRAGMA foreign_keys=ON")
    for name, function in (functions or {}).items():
        conn.create_function(name, 1, function, deterministic=True)
    migrate(conn, [Step(1, "the schema", steps)] if isinstance(steps, str) else steps, name=Path(path).name)
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    """The version a store's file is at (``PRAGMA user_version``; 0 for a file no step has run on)."""
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, steps: Sequence[Step], *, name: str = "database") -> int:
    """Run, in order, each step above the file's version; returns the version reached (the last step's).

    Each step re-reads the version inside its own ``BEGIN IMMEDIATE``, so two processes opening the same
    file at once run every step once. A file at version 0 made by a layout before migrations (its tables
    created with ``IF NOT EXISTS``) goes through every step: the first ones must accept tables that exist.

    Raises:
        SchemaTooNew: the file is at a version above the last step (written by newer code).
        ValueError: the steps are not numbered 1, 2, 3, … in order.

    Example:
        >>> conn = sqlite3.connect(":memory:", isolation_level=None)
        >>> steps = [Step(1, "notes", "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT);"),
        ...          Step(2, "notes.created_at", "ALTER TABLE notes ADD COLUMN created_at REAL;")]
        >>> migrate(conn, steps), [row[1] for row in conn.execute("PRAGMA table_info(notes)")]
        (2, ['id', 'text', 'created_at'])
        >>> migrate(conn, steps)  # nothing left to do
        2
    """
    if [s.version for s in steps] != list(range(1, len(steps) + 1)):
        raise ValueError(f"migration steps must be numbered 1..{len(steps)} in order, got {[s.version for s in steps]}")
    latest = len(steps)
    if schema_version(conn) > latest:
        raise SchemaTooNew(f"{name} is at schema version {schema_version(conn)}, newer than this code knows "
                           f"({latest}); run the version of hoidap that wrote it, or restore a backup")
    for step in steps:
        if schema_version(conn) >= step.version:  # cheap check first: most opens have nothing to do
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) < step.version:  # another process may have run it meanwhile
                if callable(step.run):
                    step.run(conn)
                else:
                    run_script(conn, step.run)
                conn.execute(f"PRAGMA user_version = {int(step.version)}")
                log.info("%s: schema version %d (%s)", name, step.version, step.what)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return schema_version(conn)


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Execute each statement of ``script`` inside the current transaction (``executescript`` would commit it)."""
    for statement in _statements(script):
        conn.execute(statement)


def _statements(script: str) -> list[str]:
    """The complete statements of ``script`` (a ``;`` inside a trigger or a string does not end one)."""
    out, current = [], ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n\t;"):
                out.append(current.strip())
            current = ""
    if current.strip(" \n\t;"):
        out.append(current.strip())
    return out


@contextmanager
def transaction(conn: sqlite3.Connection, lock: threading.Lock | threading.RLock | None = None) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error; under ``lock`` when given
    (connections opened in autocommit mode, ``isolation_level=None``)."""
    with lock if lock is not None else nullcontext():
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            # SQLite may have rolled back already (a full disk does): a second ROLLBACK would hide the cause
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk (or the database's size limit) is full: SQLite's ``SQLITE_FULL`` or ``ENOSPC``.

    Example:
        >>> disk_full(sqlite3.OperationalError("database or disk is full")), disk_full(OSError(28, "No space left"))
        (True, True)
    """
    if isinstance(exc, sqlite3.OperationalError):
        return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc)
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)

"""The quiz bank in SQLite (``DATA_DIR/quiz.sqlite3``): items, checks taken, answers, chat subscriptions, and the
periodic rounds claimed (so that with several API workers each round is sent by one process only).

One module owns this file. Persons are stored only as keyed hashes (see :mod:`hoidap.privacy`); a subscription
keeps the chat id in clear because the periodic check must be sent to it, and is deleted when the chat opts out.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path

from core.errors import NotFound
from core.private import private_file
from core.sqlite import MigratedStore, Step, open_database, transaction
from hoidap.quiz.model import Check, Outcome, QuizItem

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    question TEXT NOT NULL,
    options_json TEXT NOT NULL,
    answer_index INTEGER NOT NULL,
    unit_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    citation TEXT NOT NULL,
    label TEXT NOT NULL,
    unit_text TEXT NOT NULL,
    fact TEXT NOT NULL,
    fact_kind TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS items_status ON items(status);
CREATE TABLE IF NOT EXISTS checks (
    id TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    agency TEXT NOT NULL,
    channel TEXT NOT NULL,
    item_ids_json TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS checks_person ON checks(person, created_at);
CREATE TABLE IF NOT EXISTS answers (
    check_id TEXT NOT NULL REFERENCES checks(id) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    person TEXT NOT NULL,
    agency TEXT NOT NULL,
    choice INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    answered_at REAL NOT NULL,
    PRIMARY KEY (check_id, item_id)
);
CREATE INDEX IF NOT EXISTS answers_person ON answers(person, item_id);
CREATE TABLE IF NOT EXISTS subscribers (
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    subscribed_at REAL NOT NULL,
    last_sent_at REAL,
    PRIMARY KEY (channel, chat_id)
);
CREATE TABLE IF NOT EXISTS rounds (
    channel TEXT NOT NULL,
    period TEXT NOT NULL,
    claimed_at REAL NOT NULL,
    pid INTEGER NOT NULL,
    UNIQUE (channel, period)
);
"""


def _drop_last_sent_at(conn: sqlite3.Connection) -> None:
    """subscribers.last_sent_at was written by nothing (the periodic rounds are claimed in ``rounds``)."""
    if "last_sent_at" in {row[1] for row in conn.execute("PRAGMA table_info(subscribers)")}:
        conn.execute("ALTER TABLE subscribers DROP COLUMN last_sent_at")


# the file's schema, step by step (core.sqlite.migrate); a change is a new step, never an edit of an old one
STEPS = [Step(1, "items, checks, answers, subscribers, rounds", _SCHEMA),
         Step(2, "subscribers without last_sent_at", _drop_last_sent_at),
         Step(3, "the agencies an admin lists (results are counted under their names)",
              "CREATE TABLE IF NOT EXISTS agencies (name TEXT PRIMARY KEY, position INTEGER NOT NULL);")]
ROUNDS_KEPT_S = 30 * 86400  # claims older than this are purged: no schedule repeats a period that far back
_ITEM_COLUMNS = ("id, kind, question, options_json, answer_index, unit_id, doc_id, citation, label, unit_text, fact, "
                 "fact_kind, status")


class QuizBank(MigratedStore):
    """Items, checks, answers and subscriptions in one SQLite file.

    Args:
        path: the database file (created mode 600, with its folder, when missing).

    Example:
        >>> import tempfile; bank = QuizBank(Path(tempfile.mkdtemp()) / "quiz.sqlite3")
        >>> bank.items()
        []
    """

    def __init__(self, path: Path) -> None:
        private_file(path)
        self.path = path
        self._lock = threading.RLock()
        self._conn = open_database(path, STEPS)

    # --- items ----------------------------------------------------------------------------------

    def add(self, items: list[QuizItem]) -> list[QuizItem]:
        """Store the items not stored yet (as drafts); returns those added. Reviewed items are never overwritten."""
        now = time.time()
        added = []
        with transaction(self._conn, self._lock):
            for item in items:
                cursor = self._conn.execute(
                    f"INSERT OR IGNORE INTO items ({_ITEM_COLUMNS}, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?)",
                    (item.id, item.kind, item.question, json.dumps(item.options, ensure_ascii=False),
                     item.answer_index, item.unit_id, item.doc_id, item.citation, item.label, item.unit_text,
                     item.fact, item.fact_kind, now, now))
                if cursor.rowcount:
                    item.status = "draft"
                    added.append(item)
        return added

    def items(self, status: str | None = None) -> list[QuizItem]:
        """Stored items, oldest first; only those of ``status`` when given."""
        where, params = ("WHERE status = ?", (status,)) if status else ("", ())
        rows = self._conn.execute(f"SELECT {_ITEM_COLUMNS} FROM items {where} ORDER BY created_at, rowid",
                                  params).fetchall()
        return [_item(row) for row in rows]

    def get(self, item_id: str) -> QuizItem:
        row = self._conn.execute(f"SELECT {_ITEM_COLUMNS} FROM items WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            raise NotFound(f"không có câu hỏi mã '{item_id}'; xem danh sách bằng `hoidap quiz list`")
        return _item(row)

    def save(self, item: QuizItem) -> None:
        """Write an edited item (question, options, answer, status)."""
        with transaction(self._conn, self._lock):
            self._conn.execute(
                "UPDATE items SET question = ?, options_json = ?, answer_index = ?, status = ?, updated_at = ? "
                "WHERE id = ?", (item.question, json.dumps(item.options, ensure_ascii=False), item.answer_index,
                                 item.status, time.time(), item.id))

    # --- agencies ---------------------------------------------------------------------------------

    def agencies(self) -> list[str]:
        """The agencies the admin listed, in their order."""
        return [row["name"] for row in self._conn.execute("SELECT name FROM agencies ORDER BY position")]

    def set_agencies(self, names: list[str]) -> None:
        """Replace the list (names already checked: distinct, non-empty)."""
        with transaction(self._conn, self._lock):
            self._conn.execute("DELETE FROM agencies")
            self._conn.executemany("INSERT INTO agencies VALUES (?, ?)", [(name, n) for n, name in enumerate(names)])

    # --- checks and answers -----------------------------------------------------------------------

    def history(self, person: str) -> dict[str, tuple[int, int]]:
        """For each item ``person`` answered: (times answered, times right)."""
        rows = self._conn.execute("SELECT item_id, COUNT(*) AS n, SUM(correct) AS ok FROM answers WHERE person = ? "
                                  "GROUP BY item_id", (person,)).fetchall()
        return {row["item_id"]: (row["n"], row["ok"] or 0) for row in rows}

    def new_check(self, check: Check) -> None:
        with transaction(self._conn, self._lock):
            self._conn.execute("INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?)",
                               (check.id, check.person, check.agency, check.channel,
                                json.dumps([i.id for i in check.items]), time.time()))

    def check(self, check_id: str) -> Check:
        """A check with its items and the answers given so far."""
        row = self._conn.execute("SELECT * FROM checks WHERE id = ?", (check_id,)).fetchone()
        if row is None:
            raise NotFound(f"không có bài kiểm tra mã '{check_id}'; hãy bắt đầu bài mới")
        ids = json.loads(row["item_ids_json"])
        marks = ",".join("?" * len(ids))
        found = {r["id"]: _item(r) for r in self._conn.execute(
            f"SELECT {_ITEM_COLUMNS} FROM items WHERE id IN ({marks})", ids).fetchall()} if ids else {}
        items = [found[i] for i in ids if i in found]
        check = Check(row["id"], row["person"], row["agency"], row["channel"], items)
        for a in self._conn.execute("SELECT item_id, choice, correct FROM answers WHERE check_id = ?", (check_id,)):
            if a["item_id"] in found:
                check.answers[a["item_id"]] = Outcome(found[a["item_id"]], a["choice"], bool(a["correct"]))
        return check

    def latest_open_check(self, person: str, channel: str) -> Check | None:
        """The newest check of ``person`` on ``channel`` that still has an item to answer."""
        row = self._conn.execute("SELECT id FROM checks WHERE person = ? AND channel = ? ORDER BY created_at DESC, "
                                 "rowid DESC LIMIT 1", (person, channel)).fetchone()
        if row is None:
            return None
        check = self.check(row["id"])
        return None if check.finished else check

    def record(self, check: Check, outcome: Outcome) -> bool:
        """Store one answer; False when this item of the check was answered already (the first answer stands)."""
        with transaction(self._conn, self._lock):
            cursor = self._conn.execute(
                "INSERT OR IGNORE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?)",
                (check.id, outcome.item.id, check.person, check.agency, outcome.choice, int(outcome.correct),
                 time.time()))
        return bool(cursor.rowcount)

    def results(self, by: str) -> list[dict]:
        """Answers counted per agency or per item: ``{key, taken, correct, share}`` (items: also the question)."""
        if by == "agency":
            rows = self._conn.execute("SELECT agency AS key, COUNT(*) AS taken, SUM(correct) AS correct FROM answers "
                                      "GROUP BY agency ORDER BY taken DESC, key").fetchall()
            return [_row(r) for r in rows]
        rows = self._conn.execute(
            "SELECT a.item_id AS key, COUNT(*) AS taken, SUM(a.correct) AS correct, i.question AS question "
            "FROM answers a LEFT JOIN items i ON i.id = a.item_id GROUP BY a.item_id "
            "ORDER BY CAST(SUM(a.correct) AS REAL) / COUNT(*), taken DESC, key").fetchall()
        return [{**_row(r), "question": r["question"] or ""} for r in rows]

    # --- subscriptions ----------------------------------------------------------------------------

    def subscribe(self, channel: str, chat_id: str) -> bool:
        """True when the chat was not subscribed before."""
        with transaction(self._conn, self._lock):
            cursor = self._conn.execute("INSERT OR IGNORE INTO subscribers (channel, chat_id, subscribed_at) "
                                        "VALUES (?, ?, ?)", (channel, chat_id, time.time()))
        return bool(cursor.rowcount)

    def unsubscribe(self, channel: str, chat_id: str) -> bool:
        """True when the chat was subscribed (its row is deleted)."""
        with transaction(self._conn, self._lock):
            cursor = self._conn.execute("DELETE FROM subscribers WHERE channel = ? AND chat_id = ?", (channel, chat_id))
        return bool(cursor.rowcount)

    def subscribers(self, channel: str) -> list[str]:
        rows = self._conn.execute("SELECT chat_id FROM subscribers WHERE channel = ? ORDER BY subscribed_at",
                                  (channel,)).fetchall()
        return [row["chat_id"] for row in rows]

    # --- periodic rounds ----------------------------------------------------------------------------

    def claim_round(self, channel: str, period: str, min_gap_s: float = 0.0) -> bool:
        """True when this process takes the periodic round of ``channel`` for ``period`` (a period start);
        False when another process took it, or took any round of the channel less than ``min_gap_s`` ago."""
        now = time.time()
        with transaction(self._conn, self._lock):
            self._conn.execute("DELETE FROM rounds WHERE claimed_at < ?", (now - ROUNDS_KEPT_S,))
            if min_gap_s > 0 and self._conn.execute(
                    "SELECT 1 FROM rounds WHERE channel = ? AND claimed_at > ?", (channel, now - min_gap_s)).fetchone():
                return False
            cursor = self._conn.execute("INSERT OR IGNORE INTO rounds (channel, period, claimed_at, pid) "
                                        "VALUES (?, ?, ?, ?)", (channel, period, now, os.getpid()))
        return bool(cursor.rowcount)


def _row(row: sqlite3.Row) -> dict:
    taken, correct = row["taken"], row["correct"] or 0
    return {"key": row["key"], "taken": taken, "correct": correct, "share": round(correct / taken, 4) if taken else 0.0}


def _item(row: sqlite3.Row) -> QuizItem:
    return QuizItem(id=row["id"], kind=row["kind"], question=row["question"], options=json.loads(row["options_json"]),
                    answer_index=row["answer_index"], unit_id=row["unit_id"], doc_id=row["doc_id"],
                    citation=row["citation"], label=row["label"], unit_text=row["unit_text"], fact=row["fact"],
                    fact_kind=row["fact_kind"], status=row["status"])

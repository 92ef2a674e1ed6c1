"""The query log: every answer (question, answer id, abstained, cited units, latency, channel),
conversation turns for follow-up questions, and feedback. SQLite beside the corpus store."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from core.errors import NotFound

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    channel TEXT NOT NULL,
    conversation_id TEXT,
    question TEXT NOT NULL,
    search_query TEXT NOT NULL,
    answer TEXT NOT NULL,
    abstained INTEGER NOT NULL,
    unit_ids TEXT NOT NULL,
    top_doc TEXT,
    latency_ms REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_conv ON answers(conversation_id, created_at);
CREATE TABLE IF NOT EXISTS feedback (
    answer_id TEXT NOT NULL REFERENCES answers(id),
    helpful INTEGER NOT NULL,
    comment TEXT,
    channel TEXT NOT NULL,
    created_at REAL NOT NULL
);
"""


@dataclass
class Turn:
    question: str
    search_query: str
    top_doc: str | None
    unit_ids: list[str]


class QueryLog:
    """Answers, conversations and feedback in ``data_dir/querylog.sqlite3``."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        # a log line per answer: no fsync per insert (WAL stays consistent; a power cut may lose the last lines)
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    def record(self, *, channel: str, conversation_id: str | None, question: str, search_query: str, answer: str,
               abstained: bool, unit_ids: list[str], top_doc: str | None, latency_ms: float) -> str:
        answer_id = uuid.uuid4().hex
        with self._lock:
            self._conn.execute(
                "INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (answer_id, time.time(), channel, conversation_id, question, search_query, answer, int(abstained),
                 json.dumps(unit_ids), top_doc, latency_ms),
            )
        return answer_id

    def last_turn(self, conversation_id: str, max_age_s: float = 3600) -> Turn | None:
        row = self._conn.execute(
            "SELECT question, search_query, top_doc, unit_ids FROM answers WHERE conversation_id = ? AND created_at > ? "
            "ORDER BY created_at DESC LIMIT 1", (conversation_id, time.time() - max_age_s)).fetchone()
        if row is None:
            return None
        return Turn(row["question"], row["search_query"], row["top_doc"], json.loads(row["unit_ids"]))

    def get(self, answer_id: str) -> dict:
        row = self._conn.execute("SELECT * FROM answers WHERE id = ?", (answer_id,)).fetchone()
        if row is None:
            raise NotFound(f"không có câu trả lời mã '{answer_id}'")
        return dict(row)

    def feedback(self, answer_id: str, helpful: bool, comment: str | None = None, channel: str = "api") -> None:
        self.get(answer_id)
        with self._lock:
            self._conn.execute("INSERT INTO feedback VALUES (?, ?, ?, ?, ?)",
                               (answer_id, int(helpful), comment, channel, time.time()))

    def questions(self, limit: int = 100) -> list[dict]:
        """Logged questions, those that abstained or got negative feedback first."""
        rows = self._conn.execute(
            """SELECT a.id, a.created_at, a.channel, a.question, a.answer, a.abstained, a.latency_ms,
                      SUM(CASE WHEN f.helpful = 0 THEN 1 ELSE 0 END) AS negative,
                      SUM(CASE WHEN f.helpful = 1 THEN 1 ELSE 0 END) AS positive,
                      GROUP_CONCAT(f.comment, ' | ') AS comments
               FROM answers a LEFT JOIN feedback f ON f.answer_id = a.id
               GROUP BY a.id
               ORDER BY (a.abstained = 1 OR negative > 0) DESC, a.created_at DESC
               LIMIT ?""", (limit,)).fetchall()
        return [{**dict(r), "abstained": bool(r["abstained"]), "negative": r["negative"] or 0,
                 "positive": r["positive"] or 0} for r in rows]

    def feedback_for(self, answer_id: str) -> list[dict]:
        rows = self._conn.execute("SELECT * FROM feedback WHERE answer_id = ?", (answer_id,)).fetchall()
        return [dict(r) for r in rows]

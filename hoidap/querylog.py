"""The query log: every answer (question, answer id, abstained, cited units, latency, channel),
conversation turns for follow-up questions, and feedback. SQLite beside the corpus store.

Private by construction: questions and comments are stored with phone numbers, ID card numbers and e-mail
addresses masked; conversation ids (``tg:<chat>``, ``zalo:<user>``, the widget's) only as keyed hashes, so a
follow-up finds its conversation by hashing the same id again; rows older than the retention are deleted; the
file is readable by its owner only.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from core.sqlite import MigratedStore, Step, open_database, run_script, transaction
from core.errors import NotFound
from core.private import private_file, private_key
from core.settings import Settings
from corpus.text import fold
from hoidap.privacy import keyed_hash, mask_personal

log = logging.getLogger(__name__)

PURGE_EVERY_S = 3600.0
STATES = ("", "flagged", "abstained", "negative", "answered")
KEY_FILE = "querylog.key"

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


def _tables_masked(conn) -> None:
    """The tables, and what a log from before masking (schema version 0) stored in clear masked and hashed
    (``mask_personal`` and ``conversation_key`` are the connection's functions, see QueryLog)."""
    run_script(conn, _SCHEMA)
    rows = conn.execute("UPDATE answers SET question = mask_personal(question), search_query = mask_personal(search_query), "
                        "conversation_id = conversation_key(conversation_id)").rowcount
    conn.execute("UPDATE feedback SET comment = mask_personal(comment)")
    if rows:
        log.info("query log: %d older answers masked, their conversation ids hashed", rows)


# the file's schema, step by step (core.sqlite.migrate); a change is a new step, never an edit of an old one
STEPS = [Step(1, "answers, feedback; questions masked, conversation ids hashed", _tables_masked),
         Step(2, "indexes for the console's pages of the log (feedback by answer, answers by time)",
              "CREATE INDEX IF NOT EXISTS feedback_answer ON feedback(answer_id);\n"
              "CREATE INDEX IF NOT EXISTS answers_time ON answers(created_at);")]


@dataclass
class Turn:
    question: str
    search_query: str
    top_doc: str | None
    unit_ids: list[str]


class QueryLog(MigratedStore):
    """Answers, conversations and feedback in ``data_dir/querylog.sqlite3``.

    Args:
        path: the SQLite file (created with mode 600, its folder 700).
        key: the secret for hashing conversation ids; None: a random key kept in ``querylog.key`` beside ``path``.
        retention_days: rows older than this are deleted on opening and then hourly.

    Raises:
        ValueError: ``retention_days`` not above 0, or the key file holds no key.

    Example:
        >>> querylog = QueryLog(Path("/tmp/hd/querylog.sqlite3"))
        >>> querylog.record(channel="telegram", conversation_id="tg:42", question="sđt 0912345678 hỏi QĐ 1601",
        ...                 search_query="QĐ 1601", answer="...", abstained=False, unit_ids=[], top_doc=None,
        ...                 latency_ms=1.0) != ""
        True
        >>> querylog.last_turn("tg:42").question
        'sđt [số điện thoại] hỏi QĐ 1601'
    """

    def __init__(self, path: Path, *, key: bytes | None = None, retention_days: float = 180) -> None:
        if retention_days <= 0:
            raise ValueError(f"retention_days={retention_days}; use a number of days above 0")
        private_file(path)
        self._key = key or private_key(path.parent / KEY_FILE)
        self.retention_s = retention_days * 86400
        self._lock = threading.Lock()
        self._conn = open_database(path, STEPS, foreign_keys=False, functions={
            "mask_personal": lambda text: text and mask_personal(text),
            "conversation_key": lambda conv: conv and self.conversation_key(conv),
            "fold_text": lambda text: text and fold(text).lower()})
        # a log line per answer: no fsync per insert (WAL stays consistent; a power cut may lose the last lines)
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._purged_at = 0.0
        self.purged_on_open = self.purge()

    @classmethod
    def from_settings(cls, settings: Settings) -> QueryLog:
        """The query log at ``settings.querylog_path``, with ``log_key`` and ``log_retention_days``."""
        key = settings.log_key.get_secret_value().encode("utf-8") if settings.log_key else None
        return cls(settings.querylog_path, key=key, retention_days=settings.log_retention_days)

    def conversation_key(self, conversation_id: str) -> str:
        """What is stored for ``conversation_id``: its keyed hash."""
        return keyed_hash(self._key, conversation_id)

    def record(self, *, channel: str, conversation_id: str | None, question: str, search_query: str, answer: str,
               abstained: bool, unit_ids: list[str], top_doc: str | None, latency_ms: float) -> str:
        answer_id = uuid.uuid4().hex
        conversation = self.conversation_key(conversation_id) if conversation_id else None
        with self._lock:
            self._conn.execute(
                "INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (answer_id, time.time(), channel, conversation, mask_personal(question), mask_personal(search_query),
                 answer, int(abstained), json.dumps(unit_ids), top_doc, latency_ms),
            )
        if time.time() - self._purged_at > PURGE_EVERY_S:
            self.purge()
        return answer_id

    def record_answer(self, answer, *, channel: str, question: str) -> str:
        """Log ``answer`` (a ``hoidap.answer.Answer`` with its search query, conversation and latency set),
        asked as ``question``; returns its answer id."""
        return self.record(channel=channel, conversation_id=answer.conversation_id, question=question,
                           search_query=answer.search_query, answer=answer.answer, abstained=answer.abstained,
                           unit_ids=[c.unit_id for c in answer.citations],
                           top_doc=answer.citations[0].doc_id if answer.citations else None,
                           latency_ms=answer.latency_ms)

    def last_turn(self, conversation_id: str, max_age_s: float = 3600) -> Turn | None:
        row = self._conn.execute(
            "SELECT question, search_query, top_doc, unit_ids FROM answers WHERE conversation_id = ? AND created_at > ? "
            "ORDER BY created_at DESC LIMIT 1", (self.conversation_key(conversation_id), time.time() - max_age_s)
        ).fetchone()
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
                               (answer_id, int(helpful), mask_personal(comment) if comment else comment, channel,
                                time.time()))

    def questions(self, limit: int = 100) -> list[dict]:
        """Logged questions, those that abstained or got negative feedback first."""
        return self.page(limit=limit)[1]

    def page(self, *, q: str = "", channel: str = "", state: str = "", offset: int = 0,
             limit: int = 50) -> tuple[int, list[dict]]:
        """One page of logged questions and how many match: words of the question (without diacritics), a
        channel, a state (``flagged``: abstained or 👎; ``abstained``; ``negative``; ``answered``: neither),
        abstained and 👎 first, newest first.

        Raises:
            ValueError: an unknown ``state``.
        """
        if state not in STATES:
            raise ValueError(f"state={state!r}; use one of {', '.join(repr(s) for s in STATES)}")
        where, params = ["1"], []
        for word in fold(q).lower().split():
            where.append("fold_text(a.question) LIKE ?")
            params.append(f"%{word}%")
        if channel:
            where.append("a.channel = ?")
            params.append(channel)
        negative = "EXISTS (SELECT 1 FROM feedback f WHERE f.answer_id = a.id AND f.helpful = 0)"
        where.append({"": "1", "flagged": f"(a.abstained = 1 OR {negative})", "abstained": "a.abstained = 1",
                      "negative": negative, "answered": f"(a.abstained = 0 AND NOT {negative})"}[state])
        # one pass: the page and the count of every match (a window over the filtered rows)
        rows = self._conn.execute(
            f"""SELECT a.id, a.created_at, a.channel, a.question, a.answer, a.abstained, a.latency_ms,
                       {negative} AS flagged, COUNT(*) OVER () AS total
                FROM answers a WHERE {' AND '.join(where)}
                ORDER BY (a.abstained = 1 OR flagged) DESC, a.created_at DESC LIMIT ? OFFSET ?""",
            (*params, limit, offset)).fetchall()
        if not rows:
            total = self._conn.execute(f"SELECT COUNT(*) FROM answers a WHERE {' AND '.join(where)}", params).fetchone()[0]
            return total, []
        ids = [r["id"] for r in rows]
        votes = {r["answer_id"]: r for r in self._conn.execute(
            f"""SELECT answer_id, SUM(helpful = 0) AS negative, SUM(helpful = 1) AS positive,
                       GROUP_CONCAT(comment, ' | ') AS comments
                FROM feedback WHERE answer_id IN ({','.join('?' * len(ids))}) GROUP BY answer_id""", ids)}
        out = []
        for r in rows:
            vote = votes.get(r["id"])
            out.append({"id": r["id"], "created_at": r["created_at"], "channel": r["channel"], "question": r["question"],
                        "answer": r["answer"], "abstained": bool(r["abstained"]), "latency_ms": r["latency_ms"],
                        "negative": vote["negative"] if vote else 0, "positive": vote["positive"] if vote else 0,
                        "comments": vote["comments"] if vote else None})
        return rows[0]["total"], out

    def feedback_for(self, answer_id: str) -> list[dict]:
        rows = self._conn.execute("SELECT * FROM feedback WHERE answer_id = ?", (answer_id,)).fetchall()
        return [dict(r) for r in rows]

    def purge(self, now: float | None = None) -> int:
        """Delete answers (and their feedback) older than the retention; the number of answers deleted."""
        now = time.time() if now is None else now
        cutoff = now - self.retention_s
        with self._transaction():
            self._conn.execute("DELETE FROM feedback WHERE answer_id IN (SELECT id FROM answers WHERE created_at < ?)",
                               (cutoff,))
            deleted = self._conn.execute("DELETE FROM answers WHERE created_at < ?", (cutoff,)).rowcount
            self._purged_at = now
        if deleted:
            log.info("query log: %d answers older than %.0f days deleted", deleted, self.retention_s / 86400)
        return deleted

    def _transaction(self):
        return transaction(self._conn, self._lock)

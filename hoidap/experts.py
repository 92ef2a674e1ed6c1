"""A person behind the bot: questions sent to the expert in charge, their replies, and curated answers (FAQ).

SQLite in ``data_dir/experts.sqlite3`` (mode 600, like the query log). A request keeps what is needed to
answer the asker in the channel they asked in: the channel, the conversation's keyed hash (as in the
query log) and, for Telegram and Zalo, the chat or user id to send to. The widget needs no address: it
asks for its replies with its conversation id, which is hashed again to find them. Replies wait in an
outbox (``delivered_at`` unset) that each channel's process drains, so a bot running in another process
than the API delivers too.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import InvalidQuery, NotFound
from core.private import private_file
from core.sqlite import MigratedStore, Step, open_database, transaction
from hoidap.faq import Signature, best_match, signature
from index.query import Query
from hoidap.privacy import mask_personal

log = logging.getLogger(__name__)

CHANNELS = ("api", "telegram", "zalo")
MAX_REPLY_CHARS = 4000
CLAIM_S = 60.0  # a delivery claimed by a process that died is tried again after this long

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    channel TEXT NOT NULL,
    conversation TEXT NOT NULL,
    reply_to TEXT,
    answer_id TEXT UNIQUE,
    question TEXT NOT NULL,
    bot_answer TEXT NOT NULL,
    abstained INTEGER NOT NULL,
    reply TEXT,
    reply_units TEXT,
    answered_at REAL,
    claimed_at REAL,
    delivered_at REAL,
    delivery_error TEXT,
    faq_id INTEGER
);
CREATE INDEX IF NOT EXISTS requests_conv ON requests(conversation);
CREATE TABLE IF NOT EXISTS faq (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    units TEXT NOT NULL,
    request_id INTEGER,
    active INTEGER NOT NULL DEFAULT 1
);
"""
STEPS = [Step(1, "expert requests, curated answers", _SCHEMA)]  # core.sqlite.migrate; a change is a new step


@dataclass
class CitedUnit:
    """A unit an expert's reply cites, with what the asker is shown of it."""

    unit_id: str
    doc_id: str
    label: str
    citation: str


@dataclass
class Reply:
    """An expert's reply as it is sent to the asker."""

    request_id: int
    channel: str
    reply_to: str | None
    question: str
    text: str
    units: list[CitedUnit] = field(default_factory=list)
    answered_at: float = 0.0


@dataclass
class FaqEntry:
    id: int
    question: str
    answer: str
    units: list[CitedUnit]
    created_at: float


class ExpertDesk(MigratedStore):
    """The expert queue, its outbox and the FAQ.

    Args:
        path: the SQLite file (created with mode 600, its folder 700).

    Example:
        >>> desk = ExpertDesk(Path("/tmp/hd-experts/experts.sqlite3"))
        >>> rid = desk.escalate(channel="telegram", conversation="h:1", reply_to="42", answer_id=None,
        ...                     question="Hỏi gì đó", bot_answer="Chưa tìm thấy", abstained=True)
        >>> desk.answer(rid, "Trả lời", [], as_faq=False)["status"]
        'answered'
    """

    def __init__(self, path: Path) -> None:
        private_file(path)
        self._lock = threading.Lock()
        self._conn = open_database(path, STEPS, foreign_keys=False)
        self._faq_cache: tuple[int, list[tuple[int, Signature]]] | None = None

    # --- the queue ------------------------------------------------------------------------------

    def escalate(self, *, channel: str, conversation: str, reply_to: str | None, answer_id: str | None,
                 question: str, bot_answer: str, abstained: bool) -> int:
        """Queue a question for the expert; the same answer sent twice is queued once. Returns the request id."""
        if channel not in CHANNELS:
            raise ValueError(f"channel={channel!r}; use one of {', '.join(CHANNELS)}")
        with transaction(self._conn, self._lock):
            if answer_id:
                row = self._conn.execute("SELECT id FROM requests WHERE answer_id = ?", (answer_id,)).fetchone()
                if row is not None:
                    return row["id"]
            cursor = self._conn.execute(
                "INSERT INTO requests (created_at, channel, conversation, reply_to, answer_id, question, bot_answer, "
                "abstained) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (time.time(), channel, conversation, reply_to, answer_id, mask_personal(question), bot_answer,
                 int(abstained)))
        log.info("question queued for the expert: request %d from %s", cursor.lastrowid, channel)
        return cursor.lastrowid

    def requests(self, status: str = "open", limit: int = 200) -> list[dict]:
        """Queued requests, oldest open first (``status``: open, answered, all); never the reply address."""
        if status not in ("open", "answered", "all"):
            raise InvalidQuery(f"trạng thái '{status}' không hợp lệ; dùng open, answered hoặc all",
                               code="invalid_status")
        where = {"open": "WHERE reply IS NULL", "answered": "WHERE reply IS NOT NULL", "all": ""}[status]
        order = "created_at ASC" if status == "open" else "created_at DESC"
        rows = self._conn.execute(f"SELECT * FROM requests {where} ORDER BY {order} LIMIT ?", (limit,)).fetchall()
        return [self._public(row) for row in rows]

    def get(self, request_id: int) -> dict:
        return self._public(self._row(request_id))

    def by_answer(self, answer_ids: list[str]) -> dict[str, dict]:
        """The requests made from these answers (the query log's rows), by answer id."""
        if not answer_ids:
            return {}
        rows = self._conn.execute(f"SELECT * FROM requests WHERE answer_id IN ({','.join('?' * len(answer_ids))})",
                                  answer_ids).fetchall()
        return {row["answer_id"]: self._public(row) for row in rows}

    def answer(self, request_id: int, text: str, units: list[CitedUnit], *, as_faq: bool,
               faq_question: str | None = None) -> dict:
        """Save the expert's reply (it then waits in the outbox) and, with ``as_faq``, make it a FAQ entry.

        Raises:
            NotFound: no such request.
            InvalidQuery: an empty or too long reply, or one already given.
        """
        text = (text or "").strip()
        if not text:
            raise InvalidQuery("câu trả lời đang trống; hãy nhập nội dung trả lời", code="empty_reply")
        if len(text) > MAX_REPLY_CHARS:
            raise InvalidQuery(f"câu trả lời dài {len(text)} ký tự; tối đa {MAX_REPLY_CHARS}", code="reply_too_long")
        unit_json = json.dumps([u.__dict__ for u in units], ensure_ascii=False)
        with transaction(self._conn, self._lock):
            row = self._conn.execute("SELECT * FROM requests WHERE id = ?", (request_id,)).fetchone()
            if row is None:
                raise NotFound(f"không có câu hỏi chuyển cán bộ mã {request_id}")
            if row["reply"] is not None:
                raise InvalidQuery(f"câu hỏi {request_id} đã được trả lời", code="already_answered")
            now = time.time()
            faq_id = None
            if as_faq:
                question = (faq_question or "").strip() or row["question"]
                faq_id = self._conn.execute(
                    "INSERT INTO faq (created_at, question, answer, units, request_id) VALUES (?, ?, ?, ?, ?)",
                    (now, mask_personal(question), text, unit_json, request_id)).lastrowid
            self._conn.execute("UPDATE requests SET reply = ?, reply_units = ?, answered_at = ?, faq_id = ? "
                               "WHERE id = ?", (text, unit_json, now, faq_id, request_id))
        self._faq_cache = None
        log.info("expert answered request %d%s", request_id, f" (FAQ entry {faq_id})" if faq_id else "")
        return self.get(request_id)

    # --- the outbox -----------------------------------------------------------------------------

    def claim(self, channel: str) -> list[Reply]:
        """Replies for ``channel`` not yet delivered, claimed for ``CLAIM_S`` seconds by the caller."""
        now = time.time()
        with transaction(self._conn, self._lock):
            rows = self._conn.execute(
                "SELECT * FROM requests WHERE channel = ? AND reply IS NOT NULL AND delivered_at IS NULL "
                "AND delivery_error IS NULL AND (claimed_at IS NULL OR claimed_at < ?) ORDER BY answered_at",
                (channel, now - CLAIM_S)).fetchall()
            for row in rows:
                self._conn.execute("UPDATE requests SET claimed_at = ? WHERE id = ?", (now, row["id"]))
        return [self._reply(row) for row in rows]

    def delivered(self, request_id: int) -> None:
        with self._lock:
            self._conn.execute("UPDATE requests SET delivered_at = ? WHERE id = ?", (time.time(), request_id))

    def failed(self, request_id: int, reason: str) -> None:
        """The channel refused the reply for good (the chat is gone): keep the reason, stop trying."""
        with self._lock:
            self._conn.execute("UPDATE requests SET delivery_error = ? WHERE id = ?", (reason[:500], request_id))
        log.warning("expert reply %d not delivered: %s", request_id, reason)

    def replies_for(self, conversation: str) -> list[Reply]:
        """Every answered request of a conversation (the widget shows them when it is opened again)."""
        rows = self._conn.execute("SELECT * FROM requests WHERE conversation = ? AND reply IS NOT NULL "
                                  "ORDER BY answered_at", (conversation,)).fetchall()
        delivered = [row["id"] for row in rows if row["delivered_at"] is None]
        if delivered:
            with self._lock:
                self._conn.executemany("UPDATE requests SET delivered_at = ? WHERE id = ?",
                                       [(time.time(), rid) for rid in delivered])
        return [self._reply(row) for row in rows]

    # --- the FAQ --------------------------------------------------------------------------------

    def faq(self) -> list[FaqEntry]:
        rows = self._conn.execute("SELECT * FROM faq WHERE active = 1 ORDER BY created_at DESC").fetchall()
        return [self._faq(row) for row in rows]

    def retire_faq(self, faq_id: int) -> None:
        with self._lock:
            changed = self._conn.execute("UPDATE faq SET active = 0 WHERE id = ? AND active = 1", (faq_id,)).rowcount
        if not changed:
            raise NotFound(f"không có mục hỏi đáp thường gặp mã {faq_id}")
        self._faq_cache = None

    def match(self, question: str | Query) -> tuple[FaqEntry, float] | None:
        """The FAQ entry ``question`` closely paraphrases (:mod:`hoidap.faq`), with its score, or None."""
        count = self._conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM faq WHERE active = 1").fetchone()
        stamp = count[0] * 1_000_000 + count[1]  # another process may have added or retired entries
        if self._faq_cache is None or self._faq_cache[0] != stamp:
            rows = self._conn.execute("SELECT id, question FROM faq WHERE active = 1").fetchall()
            self._faq_cache = (stamp, [(row["id"], signature(row["question"])) for row in rows])
        found = best_match(question, self._faq_cache[1])
        if found is None:
            return None
        row = self._conn.execute("SELECT * FROM faq WHERE id = ?", (found[0],)).fetchone()
        return (self._faq(row), found[1]) if row is not None else None

    # --- rows -----------------------------------------------------------------------------------

    def _row(self, request_id: int) -> sqlite3.Row:
        row = self._conn.execute("SELECT * FROM requests WHERE id = ?", (request_id,)).fetchone()
        if row is None:
            raise NotFound(f"không có câu hỏi chuyển cán bộ mã {request_id}")
        return row

    @staticmethod
    def _units(raw: str | None) -> list[CitedUnit]:
        return [CitedUnit(**u) for u in json.loads(raw or "[]")]

    def _public(self, row: sqlite3.Row) -> dict:
        status = "open" if row["reply"] is None else "delivered" if row["delivered_at"] else \
            "failed" if row["delivery_error"] else "answered"
        return {"id": row["id"], "created_at": row["created_at"], "channel": row["channel"],
                "answer_id": row["answer_id"], "question": row["question"], "bot_answer": row["bot_answer"],
                "abstained": bool(row["abstained"]), "status": status, "reply": row["reply"],
                "units": [u.__dict__ for u in self._units(row["reply_units"])], "answered_at": row["answered_at"],
                "delivered_at": row["delivered_at"], "delivery_error": row["delivery_error"], "faq_id": row["faq_id"]}

    def _reply(self, row: sqlite3.Row) -> Reply:
        return Reply(row["id"], row["channel"], row["reply_to"], row["question"], row["reply"],
                     self._units(row["reply_units"]), row["answered_at"])

    @staticmethod
    def _faq(row: sqlite3.Row) -> FaqEntry:
        return FaqEntry(row["id"], row["question"], row["answer"], ExpertDesk._units(row["units"]), row["created_at"])

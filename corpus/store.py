"""Storage of documents and units in SQLite (stdlib ``sqlite3``), inside the data directory.

One transaction per document: replacing a document replaces all its units or none.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from dataclasses import asdict
from pathlib import Path

from corpus.model import Document, Metadata, Reference, Segment
from core.errors import NotFound

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    fmt TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    raw_text TEXT NOT NULL,
    text TEXT NOT NULL,
    meta_json TEXT NOT NULL,
    ingested_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS units (
    id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    breadcrumb_json TEXT NOT NULL,
    text TEXT NOT NULL,
    context TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS units_doc ON units(doc_id, ordinal);
"""


def unit_hash(segment: Segment, meta: Metadata) -> str:
    """Hash of everything that is embedded for a unit: text, context and document title."""
    payload = "\x1f".join([meta.citation_name(), meta.title, segment.label, segment.context, segment.text])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def metadata_from_json(raw: str) -> Metadata:
    data = json.loads(raw)
    data["references"] = [Reference(**ref) for ref in data.get("references", [])]
    return Metadata(**data)


class Store:
    """Documents and their units in one SQLite file.

    Args:
        path: the database file; its folder is created if missing.

    Example:
        >>> store = Store(Path("/tmp/hd-doc/hoidap.sqlite3"))
        >>> store.list_documents()
        []
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        self._conn.close()

    # --- writes -------------------------------------------------------------------------------

    def content_hash(self, doc_id: str) -> str | None:
        row = self._conn.execute("SELECT content_hash FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return row["content_hash"] if row else None

    def put_document(self, doc: Document, fmt: str) -> None:
        """Insert or replace a document and all its units in one transaction."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.execute("DELETE FROM units WHERE doc_id = ?", (doc.id,))
                self._conn.execute("DELETE FROM documents WHERE id = ?", (doc.id,))
                self._conn.execute(
                    "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (doc.id, doc.path, fmt, doc.content_hash, doc.raw_text, doc.text,
                     json.dumps(asdict(doc.metadata), ensure_ascii=False), time.time()),
                )
                self._conn.executemany(
                    'INSERT INTO units VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
                    [(u.id, doc.id, u.ordinal, u.kind, u.label, json.dumps(u.breadcrumb, ensure_ascii=False),
                      u.text, u.context, u.start, u.end, unit_hash(u, doc.metadata)) for u in doc.segments],
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def delete_document(self, doc_id: str) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            cursor = self._conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
            self._conn.execute("DELETE FROM units WHERE doc_id = ?", (doc_id,))
            self._conn.execute("COMMIT")
        if cursor.rowcount == 0:
            raise NotFound(f"không có văn bản mã '{doc_id}'")

    # --- reads --------------------------------------------------------------------------------

    def list_documents(self) -> list[dict]:
        rows = self._conn.execute(
            "SELECT d.id, d.path, d.fmt, d.meta_json, d.ingested_at, COUNT(u.id) AS units "
            "FROM documents d LEFT JOIN units u ON u.doc_id = d.id GROUP BY d.id ORDER BY d.id"
        ).fetchall()
        return [self._doc_row(row) for row in rows]

    def get_document(self, doc_id: str) -> dict:
        row = self._conn.execute(
            "SELECT d.id, d.path, d.fmt, d.meta_json, d.ingested_at, d.text, d.raw_text, "
            "(SELECT COUNT(*) FROM units u WHERE u.doc_id = d.id) AS units FROM documents d WHERE d.id = ?",
            (doc_id,),
        ).fetchone()
        if row is None:
            raise NotFound(f"không có văn bản mã '{doc_id}'")
        out = self._doc_row(row)
        out["text"], out["raw_text"] = row["text"], row["raw_text"]
        return out

    def metadata(self, doc_id: str) -> Metadata:
        row = self._conn.execute("SELECT meta_json FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            raise NotFound(f"không có văn bản mã '{doc_id}'")
        return metadata_from_json(row["meta_json"])

    @staticmethod
    def _doc_row(row: sqlite3.Row) -> dict:
        meta = metadata_from_json(row["meta_json"])
        return {
            "id": row["id"], "path": row["path"], "format": row["fmt"], "type": meta.doc_type,
            "number": meta.number, "number_display": meta.number_display, "date": meta.date,
            "date_text": meta.date_text, "year": meta.year, "province": meta.province, "issuer": meta.issuer,
            "title": meta.title, "signer": meta.signer, "attachments": meta.attachments,
            "references": [asdict(r) for r in meta.references], "units": row["units"],
            "ingested_at": row["ingested_at"], "citation": meta.citation_name(),
        }

    def units(self, doc_id: str | None = None) -> list[Segment]:
        if doc_id is None:
            rows = self._conn.execute("SELECT * FROM units ORDER BY doc_id, ordinal").fetchall()
        else:
            rows = self._conn.execute("SELECT * FROM units WHERE doc_id = ? ORDER BY ordinal", (doc_id,)).fetchall()
        return [self._unit(row) for row in rows]

    def unit_hashes(self) -> dict[str, str]:
        """unit id → hash of its embedded content, for incremental indexing."""
        return {row[0]: row[1] for row in self._conn.execute("SELECT id, text_hash FROM units")}

    def get_unit(self, unit_id: str) -> Segment:
        row = self._conn.execute("SELECT * FROM units WHERE id = ?", (unit_id,)).fetchone()
        if row is None:
            raise NotFound(f"không có đoạn văn bản mã '{unit_id}'")
        return self._unit(row)

    def neighbours(self, unit: Segment, radius: int = 1) -> list[Segment]:
        rows = self._conn.execute(
            "SELECT * FROM units WHERE doc_id = ? AND ordinal BETWEEN ? AND ? AND id != ? ORDER BY ordinal",
            (unit.doc_id, unit.ordinal - radius, unit.ordinal + radius, unit.id),
        ).fetchall()
        return [self._unit(row) for row in rows]

    def fingerprint(self) -> str:
        """Hash of every unit id and content hash: changes whenever the corpus does."""
        digest = hashlib.sha256()
        for unit_id, text_hash in self._conn.execute("SELECT id, text_hash FROM units ORDER BY id"):
            digest.update(f"{unit_id}:{text_hash}\n".encode())
        return digest.hexdigest()[:16]

    @staticmethod
    def _unit(row: sqlite3.Row) -> Segment:
        return Segment(id=row["id"], doc_id=row["doc_id"], ordinal=row["ordinal"], kind=row["kind"],
                       label=row["label"], breadcrumb=json.loads(row["breadcrumb_json"]), text=row["text"],
                       start=row["start"], end=row["end"], context=row["context"])

"""Storage of documents and units in SQLite (stdlib ``sqlite3``), inside the data directory.

One transaction per document: replacing a document replaces all its units or none.
A document deleted or replaced moves, with its units, into the trash (``trash_documents`` and
``trash_units``) in that same transaction, and can be restored from there until it is purged.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from corpus.model import Document, Metadata, Reference, Segment
from corpus.overrides import apply_overrides
from core.private import private_file
from core.sqlite import MigratedStore, Step, open_database, transaction
from core.errors import NotFound

# the columns a document and a unit have, live and in the trash (one list, so the two cannot drift)
_DOCUMENT_FIELDS = """
    path TEXT NOT NULL,
    fmt TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    raw_text TEXT NOT NULL,
    text TEXT NOT NULL,
    meta_json TEXT NOT NULL,
    ingested_at REAL NOT NULL
"""
_UNIT_FIELDS = """
    ordinal INTEGER NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    breadcrumb_json TEXT NOT NULL,
    text TEXT NOT NULL,
    context TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text_hash TEXT NOT NULL
"""
_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
{documents});
CREATE TABLE IF NOT EXISTS units (
    id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
{units});
CREATE INDEX IF NOT EXISTS units_doc ON units(doc_id, ordinal);
CREATE INDEX IF NOT EXISTS documents_hash ON documents(content_hash);
CREATE INDEX IF NOT EXISTS documents_path ON documents(path);
CREATE TABLE IF NOT EXISTS trash_documents (
    trash_id INTEGER PRIMARY KEY AUTOINCREMENT,
    reason TEXT NOT NULL,
    trashed_at REAL NOT NULL,
    id TEXT NOT NULL,
{documents});
CREATE TABLE IF NOT EXISTS trash_units (
    trash_id INTEGER NOT NULL REFERENCES trash_documents(trash_id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
{units});
CREATE INDEX IF NOT EXISTS trash_units_entry ON trash_units(trash_id);
CREATE TABLE IF NOT EXISTS boilerplate (
    doc_id TEXT PRIMARY KEY,
    lines_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS metadata_overrides (
    doc_id TEXT PRIMARY KEY,
    json TEXT NOT NULL,
    updated_at REAL NOT NULL
);
""".format(documents=_DOCUMENT_FIELDS.lstrip("\n"), units=_UNIT_FIELDS.lstrip("\n"))
# the file's schema, step by step (core.sqlite.migrate); a new column is a new step, never an edit above
STEPS = [Step(1, "documents, units, the trash, metadata corrections", _SCHEMA)]
_DOC_COLUMNS = "id, path, fmt, content_hash, raw_text, text, meta_json, ingested_at"
_UNIT_COLUMNS = 'id, doc_id, ordinal, kind, label, breadcrumb_json, text, context, start, "end", text_hash'


@dataclass(frozen=True)
class TrashEntry:
    """A deleted or replaced document waiting in the trash."""

    trash_id: int
    doc_id: str
    reason: str  # "deleted" or "replaced"
    trashed_at: float
    title: str
    units: int
    path: str = ""  # the file this copy was read from (an upload's file name)
    ingested_at: float = 0.0  # when this copy was stored (uploaded)


def unit_hash(segment: Segment, meta: Metadata) -> str:
    """Hash of everything that is embedded for a unit: text, context and document title."""
    payload = "\x1f".join([meta.citation_name(), meta.title, segment.label, segment.context, segment.text])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def metadata_from_json(raw: str) -> Metadata:
    data = json.loads(raw)
    data["references"] = [Reference(**ref) for ref in data.get("references", [])]
    return Metadata(**data)


class Store(MigratedStore):
    """Documents and their units in one SQLite file.

    Args:
        path: the database file; its folder is created if missing.

    Example:
        >>> store = Store(Path("/tmp/hd-doc/hoidap.sqlite3"))
        >>> store.list_documents()
        []
    """

    def __init__(self, path: Path) -> None:
        private_file(path)  # the data directory (700) and the file (600) before SQLite writes a byte
        self.path = path
        self._lock = threading.RLock()
        self._conn = open_database(path, STEPS)

    # --- writes -------------------------------------------------------------------------------

    def content_hash(self, doc_id: str) -> str | None:
        row = self._conn.execute("SELECT content_hash FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return row["content_hash"] if row else None

    def find_content(self, content_hash: str) -> str | None:
        """The id of a stored document with exactly this content, if any."""
        row = self._conn.execute("SELECT id FROM documents WHERE content_hash = ? ORDER BY id LIMIT 1",
                                 (content_hash,)).fetchone()
        return row["id"] if row else None

    def find_path(self, path: str) -> str | None:
        """The id of the stored document read from the source file ``path``, if any."""
        row = self._conn.execute("SELECT id FROM documents WHERE path = ? ORDER BY id LIMIT 1", (path,)).fetchone()
        return row["id"] if row else None

    def source_path(self, doc_id: str) -> str | None:
        """Where a stored document was read from (a file path, or an upload's file name)."""
        row = self._conn.execute("SELECT path FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return row["path"] if row else None

    def put_document(self, doc: Document, fmt: str) -> int | None:
        """Insert a document and all its units in one transaction; one stored under the same id
        moves to the trash. Returns that trash entry's id, or None when nothing was replaced."""
        with self._lock, self._transaction():
            replaced = self._to_trash(doc.id, "replaced")
            self._conn.execute("DELETE FROM boilerplate WHERE doc_id = ?", (doc.id,))
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
        return replaced

    def boilerplate(self) -> dict[str, list[int]]:
        """The cleaned-text lines each document's units leave out as boilerplate (corpus.boilerplate),
        by id; a document not yet evaluated is absent."""
        return {row[0]: json.loads(row[1]) for row in self._conn.execute("SELECT doc_id, lines_json FROM boilerplate")}

    def replace_units(self, doc_id: str, segments: list[Segment], boilerplate: list[int]) -> None:
        """A stored document's units cut again (its boilerplate lines ``boilerplate`` left out), in one
        transaction."""
        meta = self.metadata(doc_id)
        with self._lock, self._transaction():
            self._conn.execute("DELETE FROM units WHERE doc_id = ?", (doc_id,))
            self._conn.executemany(
                'INSERT INTO units VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
                [(u.id, doc_id, u.ordinal, u.kind, u.label, json.dumps(u.breadcrumb, ensure_ascii=False),
                  u.text, u.context, u.start, u.end, unit_hash(u, meta)) for u in segments],
            )
            self._conn.execute("INSERT OR REPLACE INTO boilerplate VALUES (?, ?)", (doc_id, json.dumps(boilerplate)))

    def delete_document(self, doc_id: str) -> int:
        """Move a document and its units to the trash; returns the trash entry's id."""
        with self._lock, self._transaction():
            trash_id = self._to_trash(doc_id, "deleted")
        if trash_id is None:
            raise NotFound(f"không có văn bản mã '{doc_id}'")
        return trash_id

    # --- trash --------------------------------------------------------------------------------

    def trash(self) -> list[TrashEntry]:
        """Entries in the trash, newest first."""
        rows = self._conn.execute(
            "SELECT t.trash_id, t.id, t.reason, t.trashed_at, t.meta_json, t.path, t.ingested_at, "
            "(SELECT COUNT(*) FROM trash_units u WHERE u.trash_id = t.trash_id) AS units "
            "FROM trash_documents t ORDER BY t.trashed_at DESC, t.trash_id DESC").fetchall()
        return [TrashEntry(row["trash_id"], row["id"], row["reason"], row["trashed_at"],
                           metadata_from_json(row["meta_json"]).title, row["units"], row["path"], row["ingested_at"])
                for row in rows]

    def restore(self, doc_id: str, trash_id: int | None = None) -> tuple[TrashEntry, int | None]:
        """Bring back the newest trash entry of ``doc_id`` (or entry ``trash_id``). A document now
        stored under that id moves to the trash in its place, so nothing is lost.

        Returns the restored entry and the trash id of the document it displaced, if any.
        """
        entries = [e for e in self.trash() if e.doc_id == doc_id and trash_id in (None, e.trash_id)]
        if not entries:
            which = f"mục {trash_id} của " if trash_id is not None else ""
            raise NotFound(f"thùng rác không có {which}văn bản mã '{doc_id}'; xem danh sách bằng GET /api/admin/trash "
                           "hoặc `hoidap trash`")
        entry = entries[0]
        with self._lock, self._transaction():
            displaced = self._to_trash(doc_id, "replaced")
            self._conn.execute(f"INSERT INTO documents ({_DOC_COLUMNS}) SELECT {_DOC_COLUMNS} FROM trash_documents "
                               "WHERE trash_id = ?", (entry.trash_id,))
            self._conn.execute(f"INSERT INTO units ({_UNIT_COLUMNS}) SELECT {_UNIT_COLUMNS} FROM trash_units "
                               "WHERE trash_id = ?", (entry.trash_id,))
            self._drop_trash("trash_id = ?", (entry.trash_id,))
        return entry, displaced

    def purge_trash(self, older_than: float) -> int:
        """Forget trash entries trashed before the epoch time ``older_than``; returns how many."""
        with self._lock, self._transaction():
            return self._drop_trash("trashed_at < ?", (older_than,))

    def _to_trash(self, doc_id: str, reason: str) -> int | None:
        """Inside a transaction: move a stored document and its units to the trash."""
        cursor = self._conn.execute(f"INSERT INTO trash_documents (reason, trashed_at, {_DOC_COLUMNS}) "
                                    f"SELECT ?, ?, {_DOC_COLUMNS} FROM documents WHERE id = ?",
                                    (reason, time.time(), doc_id))
        if cursor.rowcount == 0:
            return None
        trash_id = cursor.lastrowid
        self._conn.execute(f"INSERT INTO trash_units (trash_id, {_UNIT_COLUMNS}) SELECT ?, {_UNIT_COLUMNS} FROM units "
                           "WHERE doc_id = ?", (trash_id, doc_id))
        self._conn.execute("DELETE FROM units WHERE doc_id = ?", (doc_id,))
        self._conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        return trash_id

    def _drop_trash(self, where: str, params: tuple) -> int:
        ids = [row[0] for row in self._conn.execute(f"SELECT trash_id FROM trash_documents WHERE {where}", params)]
        for trash_id in ids:
            self._conn.execute("DELETE FROM trash_units WHERE trash_id = ?", (trash_id,))
            self._conn.execute("DELETE FROM trash_documents WHERE trash_id = ?", (trash_id,))
        return len(ids)

    def _transaction(self):
        return transaction(self._conn)

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
        return apply_overrides(metadata_from_json(row["meta_json"]), self.overrides(doc_id))

    def texts(self) -> dict[str, str]:
        """Every document's cleaned text, by id (for the relations between documents)."""
        return {row[0]: row[1] for row in self._conn.execute("SELECT id, text FROM documents")}

    # --- admin corrections of metadata (kept by id, across re-ingests and replacements) ----------

    def overrides(self, doc_id: str | None = None) -> dict:
        """The corrections of ``doc_id`` ({} when none), or of every document by id when not given."""
        if doc_id is None:
            return {row[0]: json.loads(row[1]) for row in self._conn.execute("SELECT doc_id, json FROM metadata_overrides")}
        row = self._conn.execute("SELECT json FROM metadata_overrides WHERE doc_id = ?", (doc_id,)).fetchone()
        return json.loads(row[0]) if row else {}

    def set_overrides(self, doc_id: str, changes: dict) -> dict:
        """Merge checked ``changes`` (:func:`corpus.overrides.check_overrides`) into the corrections of a
        stored document; a None value drops that field's correction. Returns the corrections now kept."""
        with self._lock, self._transaction():
            if self._conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone() is None:
                raise NotFound(f"không có văn bản mã '{doc_id}'")
            kept = self.overrides(doc_id)
            for key, value in changes.items():
                if value is None:
                    kept.pop(key, None)
                else:
                    kept[key] = value
            if kept:
                self._conn.execute("INSERT OR REPLACE INTO metadata_overrides VALUES (?, ?, ?)",
                                   (doc_id, json.dumps(kept, ensure_ascii=False, sort_keys=True), time.time()))
            else:
                self._conn.execute("DELETE FROM metadata_overrides WHERE doc_id = ?", (doc_id,))
        return kept

    def _doc_row(self, row: sqlite3.Row) -> dict:
        meta = self.metadata(row["id"])
        return {
            "id": row["id"], "path": row["path"], "format": row["fmt"], "type": meta.doc_type,
            "number": meta.number, "number_display": meta.number_display, "date": meta.date,
            "date_text": meta.date_text, "year": meta.year, "province": meta.province, "issuer": meta.issuer,
            "title": meta.title, "signer": meta.signer, "attachments": meta.attachments,
            "references": [asdict(r) for r in meta.references], "units": row["units"],
            "ingested_at": row["ingested_at"], "citation": meta.citation_name(),
            "sources": dict(meta.sources),
        }

    def units(self, doc_id: str | None = None) -> list[Segment]:
        if doc_id is None:
            rows = self._conn.execute("SELECT * FROM units ORDER BY doc_id, ordinal").fetchall()
        else:
            rows = self._conn.execute("SELECT * FROM units WHERE doc_id = ? ORDER BY ordinal", (doc_id,)).fetchall()
        return [self._unit(row) for row in rows]

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
        # an admin's correction changes citations and relations: a new version too
        for doc_id, raw in self._conn.execute("SELECT doc_id, json FROM metadata_overrides ORDER BY doc_id"):
            digest.update(f"{doc_id}={raw}\n".encode())
        return digest.hexdigest()[:16]

    @staticmethod
    def _unit(row: sqlite3.Row) -> Segment:
        return Segment(id=row["id"], doc_id=row["doc_id"], ordinal=row["ordinal"], kind=row["kind"],
                       label=row["label"], breadcrumb=json.loads(row["breadcrumb_json"]), text=row["text"],
                       start=row["start"], end=row["end"], context=row["context"])

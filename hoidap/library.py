"""The document library: add, replace, delete and restore documents while answers keep flowing.

One change at a time, each followed by an index update. A change waits for the one before it
at most ``HOIDAP_ADMIN_WAIT_SECONDS`` and then gives up with :class:`Busy`, so a slow upload never
holds other admin requests for long. Uploads are parsed in a child process bounded in time
(``HOIDAP_ADMIN_TIMEOUT_SECONDS``) and memory. Deleted and replaced documents stay in the trash
for ``HOIDAP_TRASH_DAYS`` days; expired entries are purged at each change.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TypeVar

from corpus.ingest import FileResult, Ingester, check_doc_id
from corpus.overrides import check_overrides
from corpus.store import Store, TrashEntry
from core.errors import Busy, DuplicateDocument, NotFound
from core.private import write_private
from core.filelock import FileLock
from core.settings import Settings
from index.build import BuildReport, IndexBuilder
from index.model.embedder import Embedder
from index.search import Searcher

log = logging.getLogger(__name__)

T = TypeVar("T")
DAY = 86_400.0


@dataclass
class Restored:
    """A document back from the trash, and the trash entry of the one it displaced (if any)."""

    entry: TrashEntry
    displaced: int | None
    report: BuildReport


class Library:
    """The admin side of the service, used by the API and the CLI.

    Args:
        settings: limits, trash retention and wait times.
        store: the documents.
        embedder: for index updates (loaded lazily when not given).
        searcher: told to reload after each change, when the caller answers questions.

    Example:
        >>> from pathlib import Path
        >>> library = Library(Settings(data_dir=Path("/tmp/hd-lib")), Store(Path("/tmp/hd-lib/db.sqlite3")))
        >>> library.trash()
        []
    """

    def __init__(self, settings: Settings, store: Store, embedder: Embedder | None = None,
                 searcher: Searcher | None = None) -> None:
        self.settings = settings
        self.store = store
        self.searcher = searcher
        self.builder = IndexBuilder(settings, store, embedder)
        self.ingester = Ingester(store, settings, isolate=True)
        # one admin change at a time across every API worker (and thread) using this data directory
        self._lock = FileLock(settings.data_dir / "admin.lock")
        self.journal = Journal(settings.data_dir / "admin-journal.json")
        self._status: tuple[tuple, dict] | None = None  # sync_status and what it was computed from

    def add(self, name: str, data: bytes, doc_id: str | None = None, *,
            replace: bool = False) -> tuple[FileResult, BuildReport]:
        """Store and index an uploaded file; refuses to replace unless ``replace`` (see :meth:`Ingester.ingest_bytes`).

        The same content already stored but not served (a change killed before its index update) is not a
        duplicate: it is indexed now, with status ``indexed``.
        """
        def work() -> FileResult:
            try:
                return self.ingester.ingest_bytes(name, data, doc_id, replace=replace,
                                                  max_units=self.settings.max_upload_units)
            except DuplicateDocument as exc:
                if self.builder.in_sync() is not False:
                    raise
                log.info("%s is stored as %s but not served yet: indexing it", name, exc.doc_id)
                return FileResult(name, "indexed", exc.doc_id, len(self.store.units(exc.doc_id)))

        return self._change(work, what=f"add {doc_id or name}")

    def delete(self, doc_id: str) -> tuple[TrashEntry, BuildReport]:
        """Move a document to the trash and drop it from the index; returns its trash entry."""
        trash_id, report = self._change(lambda: self.store.delete_document(doc_id), what=f"delete {doc_id}")
        return next(e for e in self.store.trash() if e.trash_id == trash_id), report

    def restore(self, doc_id: str, trash_id: int | None = None, *, index: bool = True) -> Restored:
        """Bring back a trashed document (its newest entry, or ``trash_id``) and index it again."""
        check_doc_id(doc_id)
        (entry, displaced), report = self._change(lambda: self.store.restore(doc_id, trash_id), index=index,
                                                  what=f"restore {doc_id}")
        return Restored(entry, displaced, report)

    def metadata(self, doc_id: str) -> dict:
        """A stored document's metadata as now in effect, with the corrections an admin made."""
        row = self.store.get_document(doc_id)
        return {"doc_id": doc_id, "doc_type": row["type"], "title": row["title"], "number": row["number"],
                "date": row["date"], "date_text": row["date_text"], "citation": row["citation"],
                "sources": row["sources"], "overrides": self.store.overrides(doc_id)}

    def set_metadata(self, doc_id: str, changes: dict, *, index: bool = True) -> tuple[dict, BuildReport | None]:
        """Correct what a document's text leaves blank or wrong (number, date, title, doc_type, in_force, replaced_by; a
        None value drops a correction) and update the index. Corrections are kept by id, across re-ingests.

        Raises:
            InvalidMetadata: an unknown field or a bad value. NotFound: no document ``doc_id``.
        """
        check_doc_id(doc_id)
        self.store.get_document(doc_id)  # NotFound before anything is checked against it
        known = {d["id"] for d in self.store.list_documents()}
        checked = check_overrides(changes, known=known, doc_id=doc_id)
        return self._change(lambda: self.store.set_overrides(doc_id, checked), index=index, what=f"metadata {doc_id}")

    def trash(self) -> list[TrashEntry]:
        """What can be restored, newest first (expired entries are purged at the next change)."""
        return self.store.trash()

    def trash_listing(self) -> list[dict]:
        """The trash as admins read it, so that two copies of one document are told apart: each copy's file and
        upload time, when it was deleted or replaced, and by what (the upload that replaced it, or a restore).
        Times are epoch seconds (shown in local time by the console)."""
        entries = self.store.trash()
        copies: dict[str, list[tuple[float, str]]] = {}
        for entry in entries:
            copies.setdefault(entry.doc_id, []).append((entry.ingested_at, entry.path))
        for doc_id in copies:
            try:
                current = self.store.get_document(doc_id)
            except NotFound:
                continue
            copies[doc_id].append((current["ingested_at"], current["path"]))
        out = []
        for entry in entries:
            if entry.reason == "deleted":
                by = {"kind": "deleted"}
            else:  # the copy stored when this one left: uploaded at that moment, else brought back from the trash
                # (stored in the same transaction, after this copy left: never before its trashed_at)
                later = sorted(c for c in copies[entry.doc_id] if c[0] >= entry.trashed_at)
                by = ({"kind": "upload", "file": Path(later[0][1]).name, "uploaded_at": later[0][0]} if later
                      else {"kind": "restore"})
            out.append({"trash_id": entry.trash_id, "doc_id": entry.doc_id, "title": entry.title,
                        "reason": entry.reason, "units": entry.units, "file": Path(entry.path).name,
                        "uploaded_at": entry.ingested_at, "trashed_at": entry.trashed_at,
                        "restorable_until": self.expires_at(entry), "by": by})
        return out

    def expires_at(self, entry: TrashEntry) -> float:
        return entry.trashed_at + self.settings.trash_days * DAY

    def purge(self) -> int:
        """Forget trash entries older than ``HOIDAP_TRASH_DAYS``."""
        purged = self.store.purge_trash(time.time() - self.settings.trash_days * DAY)
        if purged:
            log.info("purged %d expired trash entries", purged)
        return purged

    def sync_status(self) -> dict:
        """Whether the serving version was built from the store as it is, and a change left unfinished, if any."""
        # compared again only when the store's files or the serving version changed (a hash over every unit)
        key = (self.builder.versions.current_name(), *(_stamp(self.store.path.with_name(self.store.path.name + end))
                                                       for end in ("", "-wal")), self.journal.path.exists())
        if self._status is not None and self._status[0] == key:
            return self._status[1]
        in_sync = self.builder.in_sync()
        status = {"in_sync": in_sync, "interrupted_change": self.journal.read()}
        if in_sync is False:
            status["repair"] = "hoidap index"
        self._status = (key, status)
        return status

    def recover(self) -> str | None:
        """Finish an admin change that a killed process left between the store and the index: its journal is
        still there, so the index is brought up to the store (the store's change is one transaction: either
        in it or not). Returns what was finished; None when nothing was (or another process is at it)."""
        if self.journal.read() is None or not self._lock.acquire(0):
            return None
        try:
            entry = self.journal.read()  # another worker may have finished it while this one waited
            if entry is None:
                return None
            in_sync = self.builder.in_sync()
            if in_sync is not True:
                report = self.builder.build()
                log.warning("finished the interrupted admin change %r (pid %s): index %s serves the store again",
                            entry.get("what"), entry.get("pid"), report.version)
            else:
                log.info("the interrupted admin change %r had reached the index already", entry.get("what"))
            self.journal.clear()
        finally:
            self._lock.release()
        self._status = None
        if self.searcher is not None:
            self.searcher.invalidate()
        return str(entry.get("what"))

    def _change(self, work: Callable[[], T], *, index: bool = True, what: str = "change") -> tuple[T, BuildReport | None]:
        wait = self.settings.admin_wait_seconds
        if not self._lock.acquire(wait):
            raise Busy("đang có một thay đổi văn bản khác chạy; hãy thử lại sau ít giây",
                       retry_after=max(1, math.ceil(wait)))
        try:
            self.purge()
            # journalled until the index serves it: a process killed in between has it finished at the next start
            self.journal.write(what)
            try:
                done = work()
            except BaseException:
                if _unchanged(self.builder):  # refused before the store changed: nothing to finish
                    self.journal.clear()
                raise
            report = self.builder.build() if index else None
            self.journal.clear()
        finally:
            self._lock.release()
            self._status = None
        if self.searcher is not None and index:
            self.searcher.invalidate()
        return done, report


def _unchanged(builder: IndexBuilder) -> bool:
    try:
        return builder.in_sync() is not False
    except Exception:  # the disk full, the store unreadable: keep the journal, the next start looks again
        return False


def _stamp(path: Path) -> tuple[int, int]:
    try:
        info = path.stat()
    except FileNotFoundError:
        return (0, 0)
    return (info.st_mtime_ns, info.st_size)


class Journal:
    """The admin change under way (``DATA_DIR/admin-journal.json``, mode 600): written before the store is
    touched, cleared once the index serves the change.

    Example:
        >>> import tempfile; journal = Journal(Path(tempfile.mkdtemp()) / "admin-journal.json")
        >>> journal.write("add kh-2025"); journal.read()["what"]
        'add kh-2025'
        >>> journal.clear(); journal.read() is None
        True
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, what: str) -> None:
        write_private(self.path, json.dumps({"what": what, "pid": os.getpid(), "started_at": time.time()}).encode())

    def read(self) -> dict | None:
        try:
            entry = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except ValueError:  # cut short by a crash while written (atomic renames make this unlikely)
            return {"what": "unknown change"}
        return entry if isinstance(entry, dict) else {"what": "unknown change"}

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

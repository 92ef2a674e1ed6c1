"""The document library: add, replace, delete and restore documents while answers keep flowing.

One change at a time, each followed by an index update. A change waits for the one before it
at most ``HOIDAP_ADMIN_WAIT_SECONDS`` and then gives up with :class:`Busy`, so a slow upload never
holds other admin requests for long. Uploads are parsed in a child process bounded in time
(``HOIDAP_ADMIN_TIMEOUT_SECONDS``) and memory. Deleted and replaced documents stay in the trash
for ``HOIDAP_TRASH_DAYS`` days; expired entries are purged at each change.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Callable, TypeVar

from corpus.ingest import FileResult, Ingester, check_doc_id
from corpus.overrides import check_overrides
from corpus.store import Store, TrashEntry
from core.errors import Busy
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

    def add(self, name: str, data: bytes, doc_id: str | None = None, *,
            replace: bool = False) -> tuple[FileResult, BuildReport]:
        """Store and index an uploaded file; refuses to replace unless ``replace`` (see :meth:`Ingester.ingest_bytes`)."""
        return self._change(lambda: self.ingester.ingest_bytes(name, data, doc_id, replace=replace))

    def delete(self, doc_id: str) -> tuple[TrashEntry, BuildReport]:
        """Move a document to the trash and drop it from the index; returns its trash entry."""
        trash_id, report = self._change(lambda: self.store.delete_document(doc_id))
        return next(e for e in self.store.trash() if e.trash_id == trash_id), report

    def restore(self, doc_id: str, trash_id: int | None = None, *, index: bool = True) -> Restored:
        """Bring back a trashed document (its newest entry, or ``trash_id``) and index it again."""
        check_doc_id(doc_id)
        (entry, displaced), report = self._change(lambda: self.store.restore(doc_id, trash_id), index=index)
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
        return self._change(lambda: self.store.set_overrides(doc_id, checked), index=index)

    def trash(self) -> list[TrashEntry]:
        """What can be restored, newest first (expired entries are purged at the next change)."""
        return self.store.trash()

    def expires_at(self, entry: TrashEntry) -> float:
        return entry.trashed_at + self.settings.trash_days * DAY

    def purge(self) -> int:
        """Forget trash entries older than ``HOIDAP_TRASH_DAYS``."""
        purged = self.store.purge_trash(time.time() - self.settings.trash_days * DAY)
        if purged:
            log.info("purged %d expired trash entries", purged)
        return purged

    def _change(self, work: Callable[[], T], *, index: bool = True) -> tuple[T, BuildReport | None]:
        wait = self.settings.admin_wait_seconds
        if not self._lock.acquire(wait):
            raise Busy("đang có một thay đổi văn bản khác chạy; hãy thử lại sau ít giây",
                       retry_after=max(1, math.ceil(wait)))
        try:
            self.purge()
            done = work()
            report = self.builder.build() if index else None
        finally:
            self._lock.release()
        if self.searcher is not None and index:
            self.searcher.invalidate()
        return done, report

"""Ingest: load → clean → segment → metadata → store, for files on disk or uploaded bytes.

A bad file is reported with its name and reason and skipped; the other files of the run go
on, and what is already stored is never touched by a file that fails.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from corpus.clean import clean_text
from corpus.load import SUPPORTED, LoadedFile, load_bytes, load_file
from corpus.metadata import extract_metadata, read_sidecar
from corpus.model import Document
from corpus.segment import Segmenter
from corpus.store import Store
from corpus.text import fold
from core.errors import EmptyDocument, FileTooLarge, IngestError
from core.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class FileResult:
    """What happened to one file: added, updated, unchanged or failed (with the reason)."""

    path: str
    status: str
    doc_id: str | None = None
    units: int = 0
    reason: str = ""
    code: str = ""


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def changed(self) -> bool:
        return any(r.status in ("added", "updated") for r in self.results)


def doc_id_for(name: str) -> str:
    """A stable, URL-safe id from a file name: "QĐ 1601 Đồng Tháp.pdf" → "qd-1601-dong-thap"."""
    stem = Path(name).name
    for suffix in SUPPORTED:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    slug = re.sub(r"[^a-z0-9]+", "-", fold(stem).lower()).strip("-")
    if not slug:
        raise IngestError(f"{name}: tên tệp không tạo được mã văn bản; hãy đặt tên có chữ hoặc số")
    return slug[:80]


def build_document(loaded: LoadedFile, doc_id: str, *, max_chars: int, sidecar: dict | None = None) -> Document:
    """Clean, segment and describe one loaded file."""
    cleaned = clean_text(loaded.text, fmt=loaded.fmt)
    segments = Segmenter(max_chars).segment(doc_id, cleaned.text, cleaned.appendix_start)
    if not segments:
        raise EmptyDocument(f"{loaded.path.name}: không tách được đoạn nội dung nào")
    meta = extract_metadata(cleaned.text, appendix_start=cleaned.appendix_start, sidecar=sidecar)
    if not meta.title:
        meta.title = loaded.path.stem
    return Document(id=doc_id, path=str(loaded.path), content_hash=hashlib.sha256(loaded.data).hexdigest(),
                    raw_text=loaded.text, text=cleaned.text, metadata=meta, segments=segments)


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files named, and the files inside folders named (sidecars and hidden files left out)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")
                                and not p.name.endswith(".meta.json") and p.name != "README.md"))
        else:
            files.append(path)
    return files


class Ingester:
    """Runs the corpus pipeline into a :class:`Store`.

    Args:
        store: where documents and units go.
        settings: size limit and unit length.
    """

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def ingest_paths(self, paths: list[Path], progress: Callable[[FileResult], None] | None = None) -> IngestReport:
        report = IngestReport()
        started = time.perf_counter()
        for path in expand_paths(paths):
            result = self._ingest_one(path)
            report.results.append(result)
            if progress:
                progress(result)
        report.seconds = time.perf_counter() - started
        return report

    def _ingest_one(self, path: Path) -> FileResult:
        try:
            if not path.exists():
                raise IngestError(f"{path}: không tìm thấy tệp")
            loaded = load_file(path, max_bytes=self.settings.max_file_bytes)
            return self._store(loaded, doc_id_for(path.name), read_sidecar(path), str(path))
        except IngestError as exc:
            log.warning("ingest failed: %s", exc.message)
            return FileResult(str(path), "failed", reason=exc.message, code=exc.code)

    def ingest_bytes(self, name: str, data: bytes, doc_id: str | None = None) -> FileResult:
        """Ingest an uploaded file; raises :class:`IngestError` on bad input."""
        if len(data) > self.settings.max_file_bytes:
            raise FileTooLarge(f"{name}: tệp {len(data) / 1e6:.1f} MB vượt giới hạn {self.settings.max_file_mb:g} MB")
        loaded = load_bytes(name, data)
        return self._store(loaded, doc_id or doc_id_for(name), {}, name)

    def _store(self, loaded: LoadedFile, doc_id: str, sidecar: dict, path: str) -> FileResult:
        content_hash = hashlib.sha256(loaded.data).hexdigest()
        previous = self.store.content_hash(doc_id)
        if previous == content_hash:
            return FileResult(path, "unchanged", doc_id, len(self.store.units(doc_id)))
        doc = build_document(loaded, doc_id, max_chars=self.settings.max_unit_chars, sidecar=sidecar)
        doc.path = path
        self.store.put_document(doc, loaded.fmt)
        status = "updated" if previous else "added"
        log.info("%s %s: %d units", status, doc_id, len(doc.segments))
        return FileResult(path, status, doc_id, len(doc.segments))

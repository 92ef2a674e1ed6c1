"""Ingest: load → clean → segment → metadata → store, for files on disk or uploaded bytes.

A bad file is reported with its name and reason and skipped; the other files of the run go
on, and what is already stored is never touched by a file that fails.

Which document a file lands in:
- a file on disk keeps the id it was first stored under (the store remembers its path): the same
  file unchanged is skipped, the same file changed replaces its document (the old version goes to
  the trash). Another file whose name gives an id already taken by a different file gets the next
  free ``<id>-2``, ``<id>-3``…, and the run says so; two source files never share one id.
- an upload never replaces a document unless asked to (``replace=True``), and content already
  stored under another id is refused as a duplicate.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable

from corpus.clean import clean_text
from corpus.isolate import run_bounded
from corpus.load import SUPPORTED, LoadedFile, check_bytes, load_bytes, load_file
from corpus.metadata import extract_metadata, read_sidecar
from corpus.model import Document
from corpus.ocr import scanned_units
from corpus.segment import Segmenter
from corpus.store import Store
from corpus.text import fold
from core.errors import DocumentExists, DuplicateDocument, EmptyDocument, FileTooLarge, IngestError, InvalidDocId
from core.settings import Settings

log = logging.getLogger(__name__)


_DOC_ID = re.compile(r"[a-z0-9-]{1,80}")
MAX_DOC_ID = 80


@dataclass
class FileResult:
    """What happened to one file: added, updated, unchanged, duplicate (skipped: its content is
    stored as ``doc_id``) or failed (with the reason). ``note`` tells of an id other than the one
    its name gives; ``trash_id`` is the trash entry of the version it replaced."""

    path: str
    status: str
    doc_id: str | None = None
    units: int = 0
    reason: str = ""
    code: str = ""
    note: str = ""
    trash_id: int | None = None


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


def check_doc_id(doc_id: str) -> str:
    """``doc_id`` itself when it is 1 to 80 of ``a-z``, ``0-9`` and ``-``.

    Raises:
        InvalidDocId: naming the value and what is accepted.

    Example:
        >>> check_doc_id("qd-1601-dong-thap")
        'qd-1601-dong-thap'
    """
    if not _DOC_ID.fullmatch(doc_id):
        shown = doc_id if len(doc_id) <= 100 else doc_id[:100] + "…"
        raise InvalidDocId(f"mã văn bản '{shown}' không hợp lệ: chỉ dùng chữ thường không dấu a-z, chữ số 0-9 và "
                           f"dấu gạch ngang '-', dài 1 đến {MAX_DOC_ID} ký tự, ví dụ 'qd-1601-dong-thap'")
    return doc_id


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
    return slug[:MAX_DOC_ID].rstrip("-")


def build_document(loaded: LoadedFile, doc_id: str, *, max_chars: int, sidecar: dict | None = None) -> Document:
    """Clean, segment and describe one loaded file."""
    cleaned = clean_text(loaded.text, fmt=loaded.fmt)
    segments = Segmenter(max_chars).segment(doc_id, cleaned.text, cleaned.appendix_start)
    if not segments:
        raise EmptyDocument(f"{loaded.path.name}: không tách được đoạn nội dung nào")
    meta = extract_metadata(cleaned.text, appendix_start=cleaned.appendix_start, sidecar=sidecar)
    if not meta.title:
        meta.title = loaded.path.stem
    if loaded.ocr_pages:
        meta.ocr_pages = loaded.ocr_pages
        meta.ocr_units = scanned_units([(s.id, s.text) for s in segments], loaded.ocr_text, loaded.text)
    meta.encoding = loaded.encoding
    return Document(id=doc_id, path=str(loaded.path), content_hash=content_hash(loaded.data),
                    raw_text=loaded.text, text=cleaned.text, metadata=meta, segments=segments)


def parse_upload(name: str, data: bytes, doc_id: str, *, max_chars: int, max_unzipped_bytes: int) -> tuple[Document, str]:
    """Load and build an uploaded file: the document and its format. Runs in a child process."""
    loaded = load_bytes(name, data, max_unzipped_bytes=max_unzipped_bytes)
    return build_document(loaded, doc_id, max_chars=max_chars), loaded.fmt


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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
        settings: size limits, unit length, and the time limit of an isolated parse.
        isolate: parse uploads in a child process bounded in time and memory (the API does;
            the CLI reads trusted local files in-process).
    """

    def __init__(self, store: Store, settings: Settings, *, isolate: bool = False) -> None:
        self.store = store
        self.settings = settings
        self.isolate = isolate

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
            loaded = load_file(path, max_bytes=self.settings.max_file_bytes,
                               max_unzipped_bytes=self.settings.max_unzipped_bytes)
            return self._store_file(loaded, path)
        except IngestError as exc:
            log.warning("ingest failed: %s", exc.message)
            return FileResult(str(path), "failed", reason=exc.message, code=exc.code)

    def _store_file(self, loaded: LoadedFile, path: Path) -> FileResult:
        source = str(path.resolve())
        digest = content_hash(loaded.data)
        doc_id, note = self._id_for_file(path, source)
        previous = self.store.content_hash(doc_id)
        if previous == digest:
            return FileResult(str(path), "unchanged", doc_id, len(self.store.units(doc_id)))
        same = self.store.find_content(digest)
        if same is not None:
            if same == doc_id_for(path.name):  # the same file, moved: nothing new to store
                return FileResult(str(path), "unchanged", same, len(self.store.units(same)))
            reason = f"{path.name}: nội dung giống hệt văn bản '{same}' đã lưu; bỏ qua, không tạo bản trùng"
            log.info("duplicate %s: %s", path, reason)
            return FileResult(str(path), "duplicate", same, reason=reason, code="duplicate_document", note=reason)
        doc = build_document(loaded, doc_id, max_chars=self.settings.max_unit_chars, sidecar=read_sidecar(path))
        doc.path = source
        return self._put(doc, loaded.fmt, str(path), note)

    def _id_for_file(self, path: Path, source: str) -> tuple[str, str]:
        """The id a file on disk is stored under, and a note when it is not the one its name gives."""
        owned = self.store.find_path(source)
        if owned is not None:
            return owned, ""
        base = doc_id_for(path.name)
        candidate, n = base, 1
        while (stored := self.store.source_path(candidate)) is not None and not _same_file(stored, source):
            n += 1
            candidate = f"{base[:MAX_DOC_ID - len(str(n)) - 1]}-{n}"
        if candidate == base:
            return base, ""
        return candidate, (f"{path.name}: mã '{base}' đã thuộc tệp {self.store.source_path(base)}; "
                           f"lưu thành văn bản riêng với mã '{candidate}'")

    def ingest_bytes(self, name: str, data: bytes, doc_id: str | None = None, *, replace: bool = False) -> FileResult:
        """Ingest an uploaded file under ``doc_id`` (default: from its name).

        Raises:
            InvalidDocId: ``doc_id`` outside ``[a-z0-9-]{1,80}``.
            DuplicateDocument: this content is already stored (under this or another id).
            DocumentExists: ``doc_id`` is taken and ``replace`` is False.
            IngestError: the file is too big, of an unsupported format, empty, corrupt or too slow to read.
        """
        if len(data) > self.settings.max_file_bytes:
            raise FileTooLarge(f"{name}: tệp {len(data) / 1e6:.1f} MB vượt giới hạn {self.settings.max_file_mb:g} MB")
        doc_id = check_doc_id(doc_id) if doc_id is not None else doc_id_for(name)
        check_bytes(name, data, max_unzipped_bytes=self.settings.max_unzipped_bytes)
        digest = content_hash(data)
        previous = self.store.content_hash(doc_id)
        if previous == digest and replace:
            return FileResult(name, "unchanged", doc_id, len(self.store.units(doc_id)))
        same = self.store.find_content(digest)
        if same is not None:
            raise DuplicateDocument(f"{name}: nội dung giống hệt văn bản '{same}' đã lưu; không tạo bản trùng. "
                                    f"Muốn sửa văn bản đó, hãy tải lên phiên bản mới thay cho mã '{same}'", doc_id=same)
        if previous is not None and not replace:
            title = self.store.metadata(doc_id).title
            raise DocumentExists(f"đã có văn bản mã '{doc_id}' ({title}); không ghi đè khi chưa được yêu cầu. "
                                 f"Để thay thế: PUT /api/admin/documents/{doc_id} hoặc thêm ?replace=true; "
                                 "để lưu thành văn bản mới: đổi tên tệp hoặc đặt ?doc_id=<mã khác>", doc_id=doc_id)
        doc, fmt = self._parse(name, data, doc_id)
        return self._put(doc, fmt, name, "")

    def _parse(self, name: str, data: bytes, doc_id: str) -> tuple[Document, str]:
        parse = partial(parse_upload, max_chars=self.settings.max_unit_chars,
                        max_unzipped_bytes=self.settings.max_unzipped_bytes)
        if not self.isolate:
            return parse(name, data, doc_id)
        # an lxml tree takes about ten bytes per byte of XML; room for the largest accepted .docx
        memory = max(2**30, 16 * self.settings.max_unzipped_bytes)
        return run_bounded(parse, name, data, doc_id, name=name, seconds=self.settings.admin_timeout_seconds,
                           memory_bytes=memory)

    def _put(self, doc: Document, fmt: str, path: str, note: str) -> FileResult:
        trash_id = self.store.put_document(doc, fmt)
        status = "updated" if trash_id is not None else "added"
        log.info("%s %s: %d units", status, doc.id, len(doc.segments))
        return FileResult(path, status, doc.id, len(doc.segments), note=note, trash_id=trash_id)


def _same_file(stored: str, source: str) -> bool:
    """Is the stored path of a document the file at ``source`` (stored paths may be relative)?"""
    if stored == source:
        return True
    try:
        return str(Path(stored).resolve()) == source
    except OSError:
        return False

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
import multiprocessing
import os
import re
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable

from corpus.boilerplate import blank_lines, boilerplate_lines, footer_keys, repeated_keys
from corpus.clean import clean_text
from corpus.folder import parse_file, planned_ids, walk, watch_parent
from corpus.isolate import run_bounded
from corpus.load import SUPPORTED, LoadedFile, check_bytes, load_bytes
from corpus.metadata import extract_metadata, read_sidecar
from corpus.model import GUESSED, Document
from corpus.ocr import scanned_units
from corpus.segment import Segmenter
from corpus.store import Store
from corpus.text import fold, printable
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
    # documents whose units were cut again because lines of theirs are now known boilerplate (lines left out)
    boilerplate: dict[str, int] = field(default_factory=dict)

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
        meta.sources["title"] = GUESSED
    # a title is shown in lists, pages and answers: no control or bidi characters, from the text or the name
    meta.title = printable(meta.title) or doc_id
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
    """Files named, and the files under folders named, subfolders included (sidecars, hidden files
    and folders left out)."""
    return [source.path for source in walk(paths)]


POOL_MIN_FILES = 8  # fewer files to parse: in this process (starting workers would cost more than it saves)


@dataclass
class _Task:
    index: int
    path: Path
    source: str  # resolved path, stored with the document
    doc_id: str
    note: str
    digest: str
    sidecar: dict


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

    def ingest_paths(self, paths: list[Path], progress: Callable[[FileResult], None] | None = None, *,
                     jobs: int | None = None) -> IngestReport:
        """Ingest files and folders (subfolders included); ``progress`` is called as each file is done.

        Files are hashed here first: one already stored unchanged is skipped without being parsed,
        so a run killed midway continues where it stopped. The others are parsed by ``jobs`` worker
        processes (default ``HOIDAP_INGEST_JOBS``, 0 = one per core) and stored here as they come
        back, one transaction each. ``report.results`` follow the order of the files.
        """
        report = IngestReport()
        started = time.perf_counter()
        data_dir = self.settings.data_dir.resolve()
        # our own store and index are never documents, even under a folder given ("hoidap ingest .")
        sources = [s for s in walk(paths) if not s.path.resolve().is_relative_to(data_dir)]
        planned = planned_ids(sources, doc_id_for, SUPPORTED)
        results: list[FileResult | None] = [None] * len(sources)
        reserved: dict[str, str] = {}  # id -> source of a file of this run not stored yet
        holders: dict[str, _Task] = {}  # content hash -> the file of this run that will store it
        waiting: dict[str, list[tuple[int, Path]]] = {}  # content hash -> later files with the same content
        tasks: list[_Task] = []

        def done(index: int, result: FileResult) -> None:
            if result.status == "failed":
                log.warning("ingest failed: %s", result.reason)
            results[index] = result
            if progress:
                progress(result)

        for index, source in enumerate(sources):
            try:
                prepared = self._prepare(index, source.path, planned.get(source.path), reserved)
            except IngestError as exc:
                done(index, FileResult(str(source.path), "failed", reason=exc.message, code=exc.code))
                continue
            if isinstance(prepared, FileResult):
                done(index, prepared)
            elif prepared.digest in holders:
                waiting.setdefault(prepared.digest, []).append((index, source.path))
            else:
                holders[prepared.digest] = prepared
                reserved[prepared.doc_id] = prepared.source
                tasks.append(prepared)

        for task, outcome in self._parse_all(tasks, jobs):
            if outcome[0] == "ok":
                _, doc, fmt = outcome
                doc.path = task.source
                result = self._put(doc, fmt, str(task.path), task.note)
            else:
                result = FileResult(str(task.path), "failed", reason=outcome[1], code=outcome[2])
            done(task.index, result)
            for index, path in waiting.pop(task.digest, []):
                if result.status == "failed":  # the same bytes fail the same way
                    reason = result.reason.replace(task.path.name, path.name, 1)
                    done(index, FileResult(str(path), "failed", reason=reason, code=result.code))
                else:
                    done(index, self._duplicate(path, result.doc_id))
        report.results = [r for r in results if r is not None]
        if report.changed:
            report.boilerplate = self.reevaluate_boilerplate()
        report.seconds = time.perf_counter() - started
        return report

    def reevaluate_boilerplate(self) -> dict[str, int]:
        """Cut again the units of every stored document whose boilerplate lines changed with the store
        (:mod:`corpus.boilerplate`): {doc id: lines now left out}. Called after each ingest."""
        texts = self.store.texts()
        repeated = repeated_keys(list(texts.values()))
        footer = footer_keys(list(texts.values()), repeated)
        known = self.store.boilerplate()
        changed: dict[str, int] = {}
        for doc_id, text in texts.items():
            lines = boilerplate_lines(text, repeated, footer)
            if lines == known.get(doc_id, []):
                continue
            row = self.store.get_document(doc_id)
            cleaned = clean_text(row["raw_text"], fmt=row["format"])
            if cleaned.text != text:
                log.info("%s: stored text was cleaned by another version; boilerplate left for a re-ingest", doc_id)
                continue
            segments = Segmenter(self.settings.max_unit_chars).segment(doc_id, blank_lines(text, lines),
                                                                       cleaned.appendix_start)
            if not segments:
                continue
            self.store.replace_units(doc_id, segments, lines)
            changed[doc_id] = len(lines)
        if changed:
            log.info("boilerplate re-evaluated: %d documents cut again (%d lines left out)", len(changed),
                     sum(changed.values()))
        return changed

    def _prepare(self, index: int, path: Path, planned: str | None, reserved: dict[str, str]) -> FileResult | _Task:
        """What needs no parsing: unchanged, duplicate of a stored document, too big; else the parse task."""
        if not path.is_file():
            raise IngestError(f"{path}: không tìm thấy tệp")
        size = path.stat().st_size
        if size > self.settings.max_file_bytes:
            raise FileTooLarge(f"{path.name}: tệp {size / 1e6:.1f} MB vượt giới hạn {self.settings.max_file_mb:g} MB")
        if size == 0:
            raise EmptyDocument(f"{path.name}: tệp rỗng")
        source = str(path.resolve())
        digest = content_hash(path.read_bytes())
        doc_id, note = self._id_for_file(path, source, planned, reserved)
        if self.store.content_hash(doc_id) == digest:
            return FileResult(str(path), "unchanged", doc_id, len(self.store.units(doc_id)))
        same = self.store.find_content(digest)
        if same is not None:
            if same == doc_id_for(path.name) or same == planned:  # the same file, moved: nothing new to store
                return FileResult(str(path), "unchanged", same, len(self.store.units(same)))
            return self._duplicate(path, same)
        return _Task(index, path, source, doc_id, note, digest, read_sidecar(path))

    def _duplicate(self, path: Path, same: str) -> FileResult:
        where = self.store.source_path(same)
        reason = (f"{path.name}: nội dung giống hệt văn bản '{same}' đã lưu"
                  + (f" (tệp {where})" if where else "") + "; bỏ qua, không tạo bản trùng")
        log.info("duplicate %s: %s", path, reason)
        return FileResult(str(path), "duplicate", same, reason=reason, code="duplicate_document", note=reason)

    def _parse_all(self, tasks: list[_Task], jobs: int | None):
        """(task, outcome of :func:`corpus.folder.parse_file`) as each parse ends: in worker processes
        when there are enough files, else here."""
        limits = dict(max_bytes=self.settings.max_file_bytes, max_unzipped_bytes=self.settings.max_unzipped_bytes,
                      max_chars=self.settings.max_unit_chars)
        workers = jobs or self.settings.ingest_jobs or os.cpu_count() or 1
        if workers <= 1 or len(tasks) < POOL_MIN_FILES:
            for task in tasks:
                yield task, parse_file(str(task.path), task.doc_id, task.sidecar, **limits)
            return
        # spawned workers: forking a process that may hold threads (torch, tqdm) can copy a held lock
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=watch_parent,
                                 initargs=(os.getpid(),)) as pool:
            queue = iter(tasks)
            running: dict = {}

            def submit() -> None:
                task = next(queue, None)
                if task is not None:
                    running[pool.submit(parse_file, str(task.path), task.doc_id, task.sidecar, **limits)] = task

            for _ in range(workers * 4):  # a few tasks ahead of the workers, not the whole folder in memory
                submit()
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    task = running.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        outcome = ("failed", f"{task.path.name}: tiến trình đọc tệp bị dừng đột ngột (hết bộ nhớ?); "
                                   "hãy nạp lại tệp này riêng", "ingest_failed")
                    submit()
                    yield task, outcome

    def _id_for_file(self, path: Path, source: str, planned: str | None = None,
                     reserved: dict[str, str] | None = None) -> tuple[str, str]:
        """The id a file on disk is stored under, and a note when it is not the one its name gives.

        A file keeps the id it was first stored under. A new one takes ``planned`` (from its path when
        names collide in the run), else its name's id; when another file already has that id, the next
        free ``<id>-2``, ``<id>-3``…"""
        owned = self.store.find_path(source)
        if owned is not None:
            return owned, ""
        reserved = reserved or {}
        name_base = doc_id_for(path.name)
        base = planned or name_base

        def taken(doc_id: str) -> bool:
            stored = self.store.source_path(doc_id)
            if stored is not None and not _same_file(stored, source):
                return True
            return doc_id in reserved and reserved[doc_id] != source

        candidate, n = base, 1
        while taken(candidate):
            n += 1
            candidate = f"{base[:MAX_DOC_ID - len(str(n)) - 1]}-{n}"
        if candidate == name_base:
            return candidate, ""
        if candidate == base:
            return candidate, (f"{path.name}: nhiều tệp cùng tên trong thư mục; lưu với mã theo đường dẫn '{candidate}'")
        holder = self.store.source_path(base) or reserved.get(base)
        return candidate, (f"{path.name}: mã '{base}' đã thuộc tệp {holder}; "
                           f"lưu thành văn bản riêng với mã '{candidate}'")

    def ingest_bytes(self, name: str, data: bytes, doc_id: str | None = None, *, replace: bool = False,
                     max_units: int | None = None) -> FileResult:
        """Ingest an uploaded file under ``doc_id`` (default: from its name); at most ``max_units`` units.

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
        if max_units is not None and len(doc.segments) > max_units:
            raise IngestError(f"{name}: tách được {len(doc.segments)} đoạn, vượt giới hạn {max_units} đoạn cho một lần "
                              "tải lên (HOIDAP_MAX_UPLOAD_UNITS), vì lập chỉ mục sẽ quá lâu cho một yêu cầu. Hãy tách "
                              "tệp thành nhiều tệp nhỏ hơn, hoặc nạp trên máy chủ: hoidap ingest <tệp> rồi hoidap index",
                              code="too_many_units")
        result = self._put(doc, fmt, name, "")
        self.reevaluate_boilerplate()
        result.units = len(self.store.units(doc_id))
        return result

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

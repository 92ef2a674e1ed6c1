"""Folders of hundreds of files: the walk, the ids of files whose names collide, and the parse that
runs in worker processes (load → clean → segment → metadata), one file per task.

The store is written by the calling process only, one document per transaction, so a run killed at
any point leaves every document it stored whole; the next run skips them by content hash.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from corpus.text import fold
from core.errors import IngestError

log = logging.getLogger(__name__)

MAX_DOC_ID = 80
SKIPPED_NAMES = {"README.md", "Thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class SourceFile:
    """A file to ingest and the folder it was found under (its id may come from the path between)."""

    path: Path
    root: Path

    @property
    def relative(self) -> Path:
        try:
            return self.path.relative_to(self.root)
        except ValueError:
            return Path(self.path.name)


def walk(paths: list[Path]) -> list[SourceFile]:
    """Files named, and every file under folders named, subfolders included, in a stable order.
    Hidden files and folders, sidecars (``*.meta.json``) and folder furniture (README.md) are left out."""
    out: list[SourceFile] = []
    for path in paths:
        if not path.is_dir():
            out.append(SourceFile(path, path.parent))
            continue
        for found in sorted(path.rglob("*")):
            parts = found.relative_to(path).parts
            if any(p.startswith(".") for p in parts) or not found.is_file():
                continue
            if found.name.endswith(".meta.json") or found.name in SKIPPED_NAMES:
                continue
            out.append(SourceFile(found, path))
    return out


def slug(text: str) -> str:
    """``text`` as an id: lowercase ``a-z0-9`` and dashes, at most 80 characters (a long one keeps a
    short hash of the whole so that two long paths stay apart).

    Example:
        >>> slug("2022/Phòng Nội vụ/Kế hoạch")
        '2022-phong-noi-vu-ke-hoach'
    """
    value = re.sub(r"[^a-z0-9]+", "-", fold(text).lower()).strip("-")
    if len(value) <= MAX_DOC_ID:
        return value
    digest = hashlib.sha1(value.encode()).hexdigest()[:8]
    return value[:MAX_DOC_ID - 9].rstrip("-") + "-" + digest


def path_id(source: SourceFile, suffixes: tuple[str, ...]) -> str:
    """The id a file gets from its path under its folder: "a/ke-hoach.docx" → "a-ke-hoach"."""
    text = str(source.relative)
    for suffix in suffixes:
        if text.lower().endswith(suffix):
            text = text[: -len(suffix)]
            break
    value = slug(text)
    if not value:
        raise IngestError(f"{source.path.name}: tên tệp không tạo được mã văn bản; hãy đặt tên có chữ hoặc số")
    return value


def planned_ids(sources: list[SourceFile], name_id, suffixes: tuple[str, ...]) -> dict[Path, str]:
    """The id each file of a run is meant to get: from its name, or, when two files of the run have
    names giving the same id (two ``ke-hoach.docx`` in two subfolders), from each one's path."""
    by_name: dict[str, list[SourceFile]] = {}
    out: dict[Path, str] = {}
    for source in sources:
        try:
            by_name.setdefault(name_id(source.path.name), []).append(source)
        except IngestError:
            continue  # reported when the file itself is ingested
    for base, group in by_name.items():
        for source in group:
            out[source.path] = base if len(group) == 1 else path_id(source, suffixes)
    return out


def parse_file(path: str, doc_id: str, sidecar: dict | None, *, max_bytes: int, max_unzipped_bytes: int,
               max_chars: int):
    """Load and build one file on disk (run in a worker process): ``("ok", Document, fmt)`` or
    ``("failed", reason, code)`` — an error travels back as text, never as a traceback."""
    from corpus.ingest import build_document
    from corpus.load import load_file

    try:
        loaded = load_file(Path(path), max_bytes=max_bytes, max_unzipped_bytes=max_unzipped_bytes)
        return "ok", build_document(loaded, doc_id, max_chars=max_chars, sidecar=sidecar), loaded.fmt
    except IngestError as exc:
        return "failed", exc.message, exc.code
    except Exception as exc:  # a reader library's own bug on one odd file must not stop the folder
        log.error("unexpected error reading %s", path, exc_info=exc)
        return "failed", (f"{Path(path).name}: lỗi không mong đợi khi đọc tệp ({exc.__class__.__name__}); "
                          "hãy mở và lưu lại tệp rồi nạp lại"), "ingest_failed"


def watch_parent(parent: int) -> None:
    """Worker initializer: end this worker when the process that started it is gone (killed), instead of
    waiting forever for work that will never come."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()

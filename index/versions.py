"""The index on disk: a folder of versions, each a folder of plain files with a manifest,
and a ``CURRENT`` file naming the version in use.

A version is written to a temporary folder, renamed into place, and only then named in
``CURRENT`` (replaced atomically), so a build killed midway leaves the previous version serving.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.errors import IndexMismatch, IndexMissing

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
TOKENIZER = {"name": "pyvi+folded-bigrams", "version": 1, "lowercase": True, "tones": "unified", "abbreviations": True}


@dataclass
class Manifest:
    """What a version holds and how it was made."""

    version: str
    model: str
    dimensions: int
    corpus_fingerprint: str
    units: int
    created_at: float
    dense: str  # "flat" or "hnsw"
    tokenizer: dict = field(default_factory=lambda: dict(TOKENIZER))
    format_version: int = FORMAT_VERSION
    embedded: int = 0  # units embedded for this version (the rest were reused)

    def check(self, model: str, dimensions: int | None = None) -> None:
        """Refuse an index made with another model, dimension or tokenizer than the settings name."""
        if self.model != model or (dimensions is not None and self.dimensions != dimensions) \
                or self.tokenizer != TOKENIZER or self.format_version != FORMAT_VERSION:
            raise IndexMismatch(
                f"chỉ mục '{self.version}' được xây với mô hình '{self.model}' ({self.dimensions} chiều), "
                f"khác cấu hình hiện tại '{model}'"
                + (f" ({dimensions} chiều)" if dimensions else "")
                + "; hãy xây lại chỉ mục: hoidap index --rebuild"
            )


class VersionStore:
    """Versions under ``root``; ``CURRENT`` names the one in use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    @property
    def pointer(self) -> Path:
        return self.root / "CURRENT"

    def current_name(self) -> str | None:
        try:
            name = self.pointer.read_text().strip()
        except FileNotFoundError:
            return None
        return name if name and (self.root / name / "manifest.json").exists() else None

    def current(self) -> tuple[Path, Manifest]:
        name = self.current_name()
        if name is None:
            raise IndexMissing("chưa có chỉ mục; hãy chạy: hoidap index")
        return self.root / name, read_manifest(self.root / name)

    def begin(self) -> Path:
        """A fresh temporary folder to write a new version into."""
        folder = self.root / f".tmp-{uuid.uuid4().hex[:12]}"
        folder.mkdir()
        return folder

    def commit(self, folder: Path, manifest: Manifest) -> Path:
        """Write the manifest, move the folder into place, then switch ``CURRENT`` to it."""
        (folder / "manifest.json").write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=2))
        final = self.root / manifest.version
        os.replace(folder, final)
        tmp = self.root / f"CURRENT.{uuid.uuid4().hex[:8]}"
        tmp.write_text(manifest.version)
        os.replace(tmp, self.pointer)  # atomic: readers see the old name or the new one
        self._prune(keep=manifest.version)
        return final

    def abort(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)

    def _prune(self, keep: str, keep_last: int = 2) -> None:
        versions = sorted(p for p in self.root.iterdir() if p.is_dir() and p.name.startswith("v"))
        for old in versions[:-keep_last]:
            if old.name != keep:
                shutil.rmtree(old, ignore_errors=True)
        for stale in self.root.glob(".tmp-*"):
            # a build that died left this behind; anything older than an hour is not being written
            if time.time() - stale.stat().st_mtime > 3600:
                shutil.rmtree(stale, ignore_errors=True)


def new_version_name(fingerprint: str) -> str:
    return time.strftime("v%Y%m%dT%H%M%S", time.gmtime()) + f"-{uuid.uuid4().hex[:6]}-{fingerprint[:8]}"


def read_manifest(folder: Path) -> Manifest:
    data = json.loads((folder / "manifest.json").read_text())
    return Manifest(**data)

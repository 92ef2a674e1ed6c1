"""Which index version answers, and from where: the version folders on disk (``CURRENT``) or a Milvus
server (the collection its alias names).

The backend is chosen here once for the builder and the searcher (:func:`milvus_backend`);
:class:`Serving` holds the version served as a :class:`Snapshot` and notices a new one without a
restart (each search holds one snapshot from start to end).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import IndexMissing
from core.settings import Settings
from index.snapshot import Snapshot
from index.versions import Manifest, VersionStore, read_manifest

if TYPE_CHECKING:
    from index.milvus_backend import MilvusIndex

log = logging.getLogger(__name__)

RECHECK_SECONDS = 0.5  # how often CURRENT (or the Milvus alias) is looked at


def milvus_backend(settings: Settings) -> "MilvusIndex | None":
    """The Milvus index with ``backend = "milvus"``; None with the embedded backend (pymilvus is
    imported only when it is used)."""
    if settings.backend != "milvus":
        return None
    from index.milvus_backend import MilvusIndex

    return MilvusIndex(settings)


class Serving:
    """The version served, reloaded when ``CURRENT`` (or the Milvus alias) names another one.

    Args:
        settings: the index folder, the model the version must have been built with, the backend.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.versions = VersionStore(settings.index_dir)
        self.milvus = milvus_backend(settings)
        self._loaded: Snapshot | None = None
        self._lock = threading.Lock()
        self._checked = 0.0

    def invalidate(self) -> None:
        """Look at CURRENT on the next call (this process just built a new version)."""
        self._checked = 0.0

    def current(self) -> Snapshot:
        """The version named in CURRENT, reloaded when it changes (checked at most every 0.5 s)."""
        now = time.monotonic()
        loaded = self._loaded
        if loaded is not None and now - self._checked < RECHECK_SECONDS:
            return loaded
        name = self.name()
        if loaded is not None and name == loaded.manifest.version:
            self._checked = now
            return loaded
        with self._lock:
            if self._loaded is None or self._loaded.manifest.version != name:
                folder, manifest = self._version(name)
                manifest.check(self.settings.model)
                self._loaded = Snapshot(folder, manifest, self.settings)
                log.info("serving index version %s (%d units)", manifest.version, manifest.units)
            self._checked = now
            return self._loaded

    def name(self) -> str | None:
        """The version served: named in CURRENT (embedded), or by the Milvus alias's collection."""
        if self.milvus is not None:
            return self.milvus.serving_version()
        return self.versions.current_name()

    def _version(self, name: str | None) -> tuple[Path, Manifest]:
        if self.milvus is None:
            return self.versions.current()
        folder = self.settings.index_dir / (name or "")
        if name is None or not (folder / "manifest.json").exists():
            raise IndexMissing(f"Milvus ({self.settings.milvus_uri}) chưa phục vụ chỉ mục nào"
                               + (f" có trong {self.settings.index_dir}" if name else "") + "; hãy chạy: hoidap index")
        return folder, read_manifest(folder)

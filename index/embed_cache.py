"""Passage vectors kept as they are computed, so a killed or failed build resumes where it stopped.

One append-only file per model and passage prompt under ``DATA_DIR/index/embed-cache/``: a 16-byte
header (magic, format, dimensions) then fixed-size records (the 16 bytes of a unit's embed key, then
its float32 vector). Each batch is appended with one write, flushed and fsynced before the build goes
on; a record cut short by a crash is ignored when read and cut off before the next append. The file
holds only the work of builds not yet committed: a committed version carries its own vectors (reused
by key by the next build), so a successful build empties the cache.

Example:
    >>> import tempfile, numpy as np
    >>> cache = EmbeddingCache(Path(tempfile.mkdtemp()), "model", 2)
    >>> cache.append(["0" * 32], np.array([[0.6, 0.8]], dtype=np.float32))
    >>> cache.load({"0" * 32, "1" * 32})["0" * 32].tolist()
    [0.6000000238418579, 0.800000011920929]
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MAGIC = b"HDVC"
FORMAT = 1
HEADER = struct.Struct("<4sII4x")  # magic, format, dimensions, padding: 16 bytes
KEY_BYTES = 16  # an embed key (index.versions.content_key) is 32 hex digits


class EmbeddingCache:
    """Embed key → vector, appended batch by batch and fsynced.

    Args:
        folder: where the cache files live (``DATA_DIR/index/embed-cache``).
        model_key: what makes vectors comparable (model and passage prompt); one file per key.
        dimensions: the vectors' length; a file of other dimensions is discarded (logged).
    """

    def __init__(self, folder: Path, model_key: str, dimensions: int) -> None:
        self.folder = Path(folder)
        self.dimensions = int(dimensions)
        name = hashlib.sha256(model_key.encode("utf-8")).hexdigest()[:16]
        self.path = self.folder / f"{name}.vec"
        # raw bytes, not "S16": numpy strips a bytes string's trailing zero bytes
        self.dtype = np.dtype([("key", "u1", (KEY_BYTES,)), ("vector", "<f4", (self.dimensions,))])
        self._aligned = False

    def load(self, wanted: set[str] | None = None) -> dict[str, np.ndarray]:
        """The cached vectors (only those whose key is in ``wanted``, if given)."""
        records = self._records()
        if records is None:
            return {}
        out: dict[str, np.ndarray] = {}
        for key, vector in zip(records["key"], records["vector"]):
            hex_key = key.tobytes().hex()
            if wanted is None or hex_key in wanted:
                out[hex_key] = np.array(vector, dtype=np.float32)
        return out

    def append(self, keys: list[str], vectors: np.ndarray) -> None:
        """Add one batch, flushed to disk before returning."""
        if len(keys) != len(vectors):
            raise ValueError(f"{len(keys)} keys for {len(vectors)} vectors")
        if not keys:
            return
        if vectors.shape[1] != self.dimensions:
            raise ValueError(f"vectors have {vectors.shape[1]} dimensions, the cache {self.dimensions}")
        self.folder.mkdir(parents=True, exist_ok=True)
        if not self._aligned:
            self._align()
        records = np.empty(len(keys), dtype=self.dtype)
        records["key"] = np.frombuffer(b"".join(bytes.fromhex(k) for k in keys), dtype=np.uint8).reshape(-1, KEY_BYTES)
        records["vector"] = vectors
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        except FileNotFoundError:  # another build committed and emptied the cache meanwhile: start it again
            self._align()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, records.tobytes())
            os.fsync(fd)
        finally:
            os.close(fd)

    def clear(self) -> None:
        """Forget everything (the build these vectors were for has been committed)."""
        self.path.unlink(missing_ok=True)
        self._aligned = False

    def _records(self) -> np.ndarray | None:
        try:
            with self.path.open("rb") as f:
                header = f.read(HEADER.size)
                if len(header) < HEADER.size:
                    return None
                magic, fmt, dims = HEADER.unpack(header)
                if (magic, fmt, dims) != (MAGIC, FORMAT, self.dimensions):
                    log.warning("embedding cache %s is of another format or dimension (%s, %d, %d): ignored",
                                self.path, magic, fmt, dims)
                    return None
                data = f.read()
        except FileNotFoundError:
            return None
        whole = len(data) // self.dtype.itemsize
        if whole * self.dtype.itemsize != len(data):
            log.info("embedding cache %s ends with a record cut short (a killed build): ignored", self.path)
        return np.frombuffer(data[: whole * self.dtype.itemsize], dtype=self.dtype)

    def _header_ok(self) -> bool:
        try:
            with self.path.open("rb") as f:
                header = f.read(HEADER.size)
        except FileNotFoundError:
            return False
        return len(header) == HEADER.size and HEADER.unpack(header) == (MAGIC, FORMAT, self.dimensions)

    def _align(self) -> None:
        """Start a file with its header, or cut a record left half-written by a crash, before appending."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            size = 0
        if not self._header_ok():
            with self.path.open("wb") as f:  # mode 600 is not needed: vectors of public documents
                f.write(HEADER.pack(MAGIC, FORMAT, self.dimensions))
                f.flush()
                os.fsync(f.fileno())
        else:
            extra = (size - HEADER.size) % self.dtype.itemsize
            if extra:
                os.truncate(self.path, size - extra)
        self._aligned = True

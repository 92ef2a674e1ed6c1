"""Dense retrieval: the embeddings (index.model.embedder) searched in FAISS.

Exact inner product (FAISS brute force over the memory-mapped vectors) for small collections; at and
above a size threshold an approximate FAISS index (IVF over float16 vectors) built with the version
and memory-mapped. Vectors are L2-normalised, so inner product is cosine similarity.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable

import numpy as np


log = logging.getLogger(__name__)


ANN_FILE = "dense.faiss"
ANN_KINDS = ("ivf", "hnsw")


def ann_lists(size: int) -> int:
    """IVF lists for ``size`` vectors: the power of two nearest 4·√size (4,096 at a million), and
    at most one per 39 vectors (what k-means needs to place them)."""
    return min(int(2 ** round(np.log2(max(16.0, 4 * np.sqrt(max(size, 1)))))), max(1, size // 39))


def build_ann(vectors: np.ndarray, kind: str = "ivf", progress: Callable[[str], None] | None = None):
    """The approximate index over ``vectors`` (float32, L2-normalised), chosen by
    ``eval/bench_retrieval.py``: ``"ivf"`` is an inverted file of ``ann_lists`` k-means lists holding
    the vectors as float16 (half the memory; recall@10 0.99 at a million synthetic units with
    1/16 of the lists probed, built in under a minute); ``"hnsw"`` is the older graph (M 32,
    efConstruction 128: recall@10 0.73 at a million, 12 minutes to build)."""
    import faiss

    if kind not in ANN_KINDS:
        raise ValueError(f"dense index {kind!r}: expected one of {ANN_KINDS}")
    n, dims = vectors.shape
    started = time.perf_counter()
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dims, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 128
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return index
    lists = ann_lists(n)
    quantizer = faiss.IndexFlatIP(dims)
    index = faiss.IndexIVFScalarQuantizer(quantizer, dims, lists, faiss.ScalarQuantizer.QT_fp16,
                                          faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(0)
    train = np.sort(rng.choice(n, min(n, 40 * lists), replace=False))
    index.train(np.ascontiguousarray(vectors[train], dtype=np.float32))
    if progress:
        progress(f"IVF: {lists} lists trained on {len(train)} vectors in {time.perf_counter() - started:.0f} s")
    for begin in range(0, n, 100_000):
        index.add(np.ascontiguousarray(vectors[begin:begin + 100_000], dtype=np.float32))
    if progress:
        progress(f"IVF: {n} vectors added in {time.perf_counter() - started:.0f} s")
    return index


def write_ann(folder: Path, vectors: np.ndarray, threshold: int, kind: str = "ivf",
              progress: Callable[[str], None] | None = None) -> str:
    """Build and save the version's approximate index when it has ``threshold`` vectors or more;
    returns what the manifest records: ``"flat"`` (exact search, nothing written), ``"ivf"`` or ``"hnsw"``."""
    if len(vectors) < threshold:
        return "flat"
    import faiss

    faiss.write_index(build_ann(vectors, kind, progress), str(folder / ANN_FILE))
    return kind


class DenseIndex:
    """Unit vectors at positions 0..n-1: exact inner product below a size threshold, an approximate
    FAISS index (IVF by default, see :func:`build_ann`) at or above it.

    Exact search reads the vectors where they are, so a version's ``vectors.npy`` memory-mapped by
    several API workers is in memory once. The approximate index is built with the version and
    memory-mapped from its ``dense.faiss`` the same way (a version written before it existed gets
    one built when loaded).

    Args:
        vectors: (n, d) float32, L2-normalised (a read-only memory map is fine).
        ann: the approximate index over ``vectors`` (None: exact search).
        probes: IVF lists searched per question (0: 1/16 of them, at least 16); ef_search: HNSW's breadth.
    """

    def __init__(self, vectors: np.ndarray, ann=None, probes: int = 0, ef_search: int = 512) -> None:
        # a plain array over the mapped pages (numpy's memmap subclass costs ~1 µs an indexing)
        self.vectors = vectors.view(np.ndarray) if vectors.dtype == np.float32 and vectors.flags.c_contiguous \
            else np.ascontiguousarray(vectors, dtype=np.float32)
        n, dims = self.vectors.shape if self.vectors.size else (0, vectors.shape[1] if vectors.ndim == 2 else 0)
        self.dimensions = dims
        self.size = n
        self.index = ann
        self.exact = ann is None
        import faiss

        faiss.omp_set_num_threads(1)  # per-request searches are fastest on one thread here
        if ann is not None:
            ivf = faiss.try_extract_index_ivf(ann)
            if ivf is not None:
                ivf.nprobe = min(ivf.nlist, probes or max(16, ivf.nlist // 16))
            else:
                ann.hnsw.efSearch = ef_search

    @classmethod
    def load(cls, folder: Path, vectors: np.ndarray, settings) -> "DenseIndex":
        """The version's dense index: its saved approximate index memory-mapped, exact search
        without one, or (a version written before approximate indexes were saved) one built now."""
        import faiss

        ann = None
        path = folder / ANN_FILE
        if path.exists():
            ann = faiss.read_index(str(path), getattr(faiss, "IO_FLAG_MMAP_IFC", 0) | faiss.IO_FLAG_READ_ONLY)
        elif len(vectors) >= settings.ann_threshold:
            log.warning("index %s has no saved dense index: building one (%d vectors)", folder.name, len(vectors))
            ann = build_ann(vectors, settings.dense_index)
        return cls(vectors, ann, settings.ivf_probes, settings.hnsw_ef_search)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(positions, similarities) of the k nearest units; ``allowed`` is a boolean mask."""
        if self.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        if allowed is not None:
            subset = np.flatnonzero(allowed)
            sims = self.vectors[subset] @ q[0]
            top = np.argsort(-sims)[:k]
            return subset[top], sims[top]
        if self.exact:
            import faiss

            # brute force straight over the (memory-mapped) vectors: no copy into an index, and
            # ~20x faster than numpy's matrix-vector product here
            sims, ids = faiss.knn(q, self.vectors, min(k, self.size), metric=faiss.METRIC_INNER_PRODUCT)
        else:
            sims, ids = self.index.search(q, min(k, self.size))
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), sims[0][keep]

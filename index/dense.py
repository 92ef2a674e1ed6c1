"""Dense retrieval: sentence-transformers embeddings in FAISS.

Exact inner product (FAISS brute force over the memory-mapped vectors) for small collections; at and
above a size threshold an approximate FAISS index (IVF over float16 vectors) built with the version
and memory-mapped. Vectors are L2-normalised, so inner product is cosine similarity.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

from corpus.text import fold
from core.errors import ModelUnavailable
from index.onnx_encoder import OnnxQueryEncoder, check_query_encoder

log = logging.getLogger(__name__)

HASHING_MODEL = "hashing"  # a deterministic offline embedder for tests where the model is not the point


class Embedder:
    """Embeds questions and passages with the configured model.

    Args:
        model: a sentence-transformers name or local folder, or ``"hashing"``.
        query_prompt, passage_prompt: prefixes the model was trained with ("query: ", "passage: ").
        query_encoder: ``"torch"``, ``"onnx-fp32"`` or ``"onnx-int8"`` (the exported model in
            ``<model>/onnx``); questions only, passages always use the torch fp32 model (loaded
            only when passages are embedded). The ``"hashing"`` embedder ignores it.
        query_threads: threads per question, ONNX Runtime's or torch's (0: the library's default).
        query_spin: ONNX Runtime's threads spin-wait between questions (see :class:`OnnxQueryEncoder`).

    Raises:
        ValueError: ``query_encoder`` is not one of the accepted values.
        ModelUnavailable: the model (or the ONNX export asked for) cannot be loaded offline.
    """

    def __init__(self, model: str, query_prompt: str = "query: ", passage_prompt: str = "passage: ",
                 batch_size: int = 32, query_encoder: str = "torch", query_threads: int = 0,
                 query_spin: bool = True) -> None:
        self.name = model
        self.query_prompt, self.passage_prompt = query_prompt, passage_prompt
        self.batch_size = batch_size
        self.threads = query_threads
        self.query_encoder = check_query_encoder(query_encoder)
        self._query_model: OnnxQueryEncoder | None = None
        self._model = None
        self._dimensions: int | None = None
        if model == HASHING_MODEL:
            self.query_encoder = HASHING_MODEL  # questions and passages alike, whatever the setting says
            self._dimensions = 384
            return
        if query_encoder == "torch":
            self._load_torch()
        else:
            # the torch model is loaded only if passages are embedded (a build, an upload): an API
            # worker that only answers holds the ONNX model alone
            self._query_model = OnnxQueryEncoder(Path(model), query_encoder, threads=query_threads, spin=query_spin)
            self.query_encoder = self._query_model.variant  # onnx-int8 refused at export: onnx-fp32

    @property
    def dimensions(self) -> int:
        if self._dimensions is None:
            if self._query_model is not None:
                self._dimensions = int(self._query_model.encode([self.query_prompt]).shape[1])
            else:
                self._load_torch()
        return self._dimensions

    @property
    def query_source(self) -> str | None:
        """Fingerprint of the model the ONNX question encoder was exported from (None: torch or unknown)."""
        return self._query_model.source if self._query_model is not None else None

    def _load_torch(self):
        if self._model is None:
            self._model = _load_sentence_transformer(self.name)
            if self.threads:
                import torch

                torch.set_num_threads(self.threads)
            self._dimensions = int(self._model.get_embedding_dimension()
                                   if hasattr(self._model, "get_embedding_dimension")
                                   else self._model.get_sentence_embedding_dimension())
        return self._model

    @classmethod
    def from_settings(cls, settings) -> "Embedder":
        """The embedder the settings name (model, prompts, batch size, question encoder)."""
        return cls(settings.model, settings.query_prompt, settings.passage_prompt, settings.embed_batch_size,
                   settings.query_encoder, settings.torch_threads, settings.query_spin)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if self._query_model is not None:
            if not texts:
                return np.zeros((0, self.dimensions), dtype=np.float32)
            return self._query_model.encode([self.query_prompt + t for t in texts])
        return self._encode([self.query_prompt + t for t in texts])

    def embed_passages(self, texts: list[str], progress: Callable[[int, float, float], None] | None = None,
                       on_batch: Callable[[list[int], np.ndarray], None] | None = None) -> np.ndarray:
        """Embed in batches of ``batch_size``, shortest texts first (far less padding, several times
        faster on long units). After each batch: ``on_batch(positions, vectors)`` (a build caches them
        there), then ``progress(done, units_per_second, seconds_left)``; the time left is estimated from
        the characters still to embed, since later batches hold longer texts."""
        result = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        # a passage costs about its length, up to the model's 512 tokens (~2,000 characters here)
        cost = np.cumsum([min(len(texts[i]), 2000) + 20 for i in order]) if order else np.zeros(0)
        started = time.perf_counter()
        for begin in range(0, len(order), self.batch_size):
            ids = order[begin:begin + self.batch_size]
            vectors = self._encode([self.passage_prompt + texts[i] for i in ids])
            result[ids] = vectors
            if on_batch:
                on_batch(ids, vectors)
            done = min(begin + self.batch_size, len(order))
            if progress:
                elapsed = max(time.perf_counter() - started, 1e-9)
                left = elapsed * (cost[-1] - cost[done - 1]) / cost[done - 1]
                progress(done, done / elapsed, float(left))
        return result

    def _encode(self, texts: list[str]) -> np.ndarray:
        if self.name == HASHING_MODEL:
            return np.vstack([_hash_vector(t, self.dimensions) for t in texts]) if texts else np.zeros((0, self.dimensions), np.float32)
        vectors = self._load_torch().encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                                     normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


@lru_cache(maxsize=2)
def _load_sentence_transformer(model: str):
    # a local folder never needs the hub; a name is allowed only if it is already cached
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(max(1, os.cpu_count() or 1))
        return SentenceTransformer(model, device="cpu", local_files_only=True)
    except Exception as exc:  # the library raises OSError, ValueError, HF errors...: all mean "not loadable"
        hint = "chạy `hoidap model prepare` (hoặc `make install`)" if Path(model).is_absolute() else \
            "đặt HOIDAP_MODEL là thư mục mô hình có sẵn trên máy"
        raise ModelUnavailable(f"không nạp được mô hình nhúng '{model}': {exc.__class__.__name__}; {hint}") from None


def _hash_vector(text: str, dims: int) -> np.ndarray:
    vector = np.zeros(dims, dtype=np.float32)
    words = re.findall(r"\w+", fold(text.lower()))
    for gram in words + [f"{a} {b}" for a, b in zip(words, words[1:])]:
        digest = hashlib.blake2b(gram.encode(), digest_size=8).digest()
        vector[int.from_bytes(digest[:4], "little") % dims] += 1.0 if digest[4] & 1 else -1.0
    norm = np.linalg.norm(vector)
    return vector / norm if norm else vector


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

"""Embedding texts: the configured sentence-transformers model (passages and, with ``torch``, questions),
the exported ONNX model for questions (:mod:`index.model.encoder`), or the deterministic ``"hashing"``
embedder of the tests."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from corpus.text import fold
from core.errors import ModelUnavailable
from index.model.encoder import OnnxQueryEncoder, check_query_encoder
from index.verify import TokenStates, own_tokens

log = logging.getLogger(__name__)

HASHING_MODEL = "hashing"  # a deterministic offline embedder for tests where the model is not the point
RECENT_QUESTIONS = 256  # question vectors (and token states) kept: a question asked again is not encoded again


class RecentQuestions:
    """The last ``size`` questions' vectors and token states, least recently used dropped first (thread-safe).

    Example:
        >>> recent = RecentQuestions(2)
        >>> recent.put("a", 1); recent.put("b", 2); recent.get("a"); recent.put("c", 3)
        1
        >>> recent.get("b"), recent.get("a"), recent.hits, recent.misses
        (None, 1, 2, 1)
    """

    def __init__(self, size: int = RECENT_QUESTIONS) -> None:
        self.size = size
        self._items: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, text: str):
        with self._lock:
            found = self._items.get(text)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(text)
            self.hits += 1
            return found

    def put(self, text: str, value) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[text] = value
            self._items.move_to_end(text)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


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
        query_lean: use the export's lean files when it has them (:mod:`index.model.lean`).
        query_cache: recent questions whose vectors are kept (0: none).

    Raises:
        ValueError: ``query_encoder`` is not one of the accepted values.
        ModelUnavailable: the model (or the ONNX export asked for) cannot be loaded offline.
    """

    def __init__(self, model: str, query_prompt: str = "query: ", passage_prompt: str = "passage: ",
                 batch_size: int = 32, query_encoder: str = "torch", query_threads: int = 0,
                 query_spin: bool = True, query_lean: bool = True, query_cache: int = RECENT_QUESTIONS) -> None:
        self.name = model
        self.query_prompt, self.passage_prompt = query_prompt, passage_prompt
        self.batch_size = batch_size
        self.threads = query_threads
        self.passages_run = 0  # passages the model has run over in this process (vectors or token states)
        self.recent = RecentQuestions(query_cache)  # question text -> (vector, token states) of the question encoder
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
            self._query_model = OnnxQueryEncoder(Path(model), query_encoder, threads=query_threads, spin=query_spin,
                                                 lean=query_lean)
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
                   settings.query_encoder, settings.torch_threads, settings.query_spin, settings.query_lean,
                   settings.query_cache)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 1:  # a question: asked again, it is not encoded again
            found = self.recent.get(texts[0])
            if found is not None:
                return found[0][None, :]
        if self._query_model is not None:
            if not texts:
                return np.zeros((0, self.dimensions), dtype=np.float32)
            vectors = self._query_model.encode([self.query_prompt + t for t in texts])
        else:
            vectors = self._encode([self.query_prompt + t for t in texts])
        if len(texts) == 1:
            self.recent.put(texts[0], (vectors[0], None))
        return vectors

    @property
    def has_tokens(self) -> bool:
        """Token states are available (not with the hashing embedder)."""
        return self.name != HASHING_MODEL

    def embed_query_tokens(self, text: str) -> tuple[np.ndarray, TokenStates | None]:
        """The question's vector and its own tokens' states (None with the hashing embedder), from one run."""
        if self.name == HASHING_MODEL:
            return self.embed_queries([text])[0], None
        found = self.recent.get(text)
        if found is not None and found[1] is not None:
            return found
        prompted = [self.query_prompt + text]
        if self._query_model is not None:
            vectors, states = self._query_model.encode_tokens(prompted, len(self.query_prompt))
        else:
            vectors, states = self._encode_tokens(prompted, len(self.query_prompt))
        self.recent.put(text, (vectors[0], states[0]))
        return vectors[0], states[0]

    def query_tokens(self, texts: list[str]) -> tuple[np.ndarray, list[TokenStates]]:
        """Questions' vectors and own token states, with the question encoder, in one batch."""
        prompted = [self.query_prompt + t for t in texts]
        if self._query_model is not None:
            return self._query_model.encode_tokens(prompted, len(self.query_prompt))
        return self._encode_tokens(prompted, len(self.query_prompt))

    def passage_tokens(self, texts: list[str]) -> list[TokenStates]:
        """The passages' own token states (the torch model, as their vectors)."""
        out: list[TokenStates] = []
        self.passages_run += len(texts)
        for begin in range(0, len(texts), self.batch_size):
            out += self._encode_tokens([self.passage_prompt + t for t in texts[begin:begin + self.batch_size]],
                                       len(self.passage_prompt))[1]
        return out

    def embed_passages(self, texts: list[str], progress: Callable[[int, float, float], None] | None = None,
                       on_batch: Callable[[list[int], np.ndarray], None] | None = None,
                       on_tokens: Callable[[list[int], list[TokenStates]], None] | None = None) -> np.ndarray:
        """Embed in batches of ``batch_size``, shortest texts first (far less padding, several times
        faster on long units). After each batch: ``on_batch(positions, vectors)`` (a build caches them
        there), then ``progress(done, units_per_second, seconds_left)``; the time left is estimated from
        the characters still to embed, since later batches hold longer texts."""
        result = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        self.passages_run += len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        # a passage costs about its length, up to the model's 512 tokens (~2,000 characters here)
        cost = np.cumsum([min(len(texts[i]), 2000) + 20 for i in order]) if order else np.zeros(0)
        started = time.perf_counter()
        for begin in range(0, len(order), self.batch_size):
            ids = order[begin:begin + self.batch_size]
            prompted = [self.passage_prompt + texts[i] for i in ids]
            if on_tokens is not None and self.has_tokens:
                vectors, states = self._encode_tokens(prompted, len(self.passage_prompt))
                on_tokens(ids, states)
            else:
                vectors = self._encode(prompted)
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


    def _encode_tokens(self, texts: list[str], prompt_length: int) -> tuple[np.ndarray, list[TokenStates]]:
        """The torch model's normalised vectors and each text's own token states, from one run."""
        model = self._load_torch()
        outputs = model.encode(texts, batch_size=self.batch_size, output_value=None, show_progress_bar=False)
        marks = model.tokenizer(texts, return_offsets_mapping=True, return_special_tokens_mask=True,
                                truncation=True, max_length=model.max_seq_length)
        vectors, states = [], []
        for row, out in enumerate(outputs):
            length = int(out["attention_mask"].sum())
            offsets = marks["offset_mapping"][row]
            if len(offsets) != length:  # the tokenizer and the model's own preprocessing disagree
                raise RuntimeError(f"token count {len(offsets)} != the model's {length} for a passage")
            vector = out["sentence_embedding"].float().numpy()
            vectors.append(vector / max(float(np.linalg.norm(vector)), 1e-12))
            states.append(own_tokens(out["token_embeddings"][:length].float().numpy(), offsets,
                                     marks["special_tokens_mask"][row], prompt_length))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1), states


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

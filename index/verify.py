"""Semantic verification: does this clause answer this question? Late interaction over e5 token states.

The e5 model the index already runs gives one state per token. A small learned head (trained by
``python -m eval.train_verifier``, e5 frozen) projects each state to a few dimensions; the question's
tokens are matched against a clause's tokens (MaxSim: each question token's best cosine among the
clause's tokens) and a tiny scorer turns the weighted mean and the weighted soft minimum of those
matches into P(this clause answers this question). The soft minimum is what catches a near miss:
one question token — another indicator, year, province or task number — that nothing in the clause
matches pulls it down, however well the rest of the question matches.

Files: the head is ``index/verifier.json`` (its scorer, shapes and training summary) beside
``index/verifier.npy`` (projection and token-weight vector, float32); each index version holds a
copy of both and the projected passage tokens (``verify_tokens.npy`` int8, ``verify_starts.npy``,
``verify_spans.npy``: each token's span in the unit's expanded text, −1 for the context the passage
carries), memory-mapped when served. This module owns these files, writing and reading.

Example:
    >>> head = VerifierHead.load()                                          # doctest: +SKIP
    >>> verifier = Verifier.load(Path("data/index/v2026…"))                  # doctest: +SKIP
    >>> verifier.scores(head.question(states), [12, 40])                     # doctest: +SKIP
    array([0.91, 0.07])
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.tokenize import expand_text

log = logging.getLogger(__name__)

HEAD_FILE = Path(__file__).with_name("verifier.json")
HEAD_VERSION = 1
TOKENS, STARTS, SPANS = "verify_tokens.npy", "verify_starts.npy", "verify_spans.npy"
QUANT = 127.0  # projected tokens are unit vectors: int8 at a fixed scale loses < 0.5 % of a cosine


def _weights_path(json_path: Path) -> Path:
    return json_path.with_suffix(".npy")


@dataclass(frozen=True)
class TokenStates:
    """The e5 states of one text's own tokens (prompt and special tokens removed) and each token's
    character span in the text given (``spans[i] = (start, end)``)."""

    states: np.ndarray  # (tokens, hidden) float32
    spans: np.ndarray  # (tokens, 2) int32


def own_tokens(states: np.ndarray, offsets, special, prompt_length: int) -> TokenStates:
    """Keep the tokens of the text after the prompt: ``offsets`` are character spans in prompt + text,
    ``special`` marks <s>, </s> and padding."""
    # a word's first token may start at the space before it: a token is the text's if it ends past the prompt
    keep = [i for i, ((start, end), sp) in enumerate(zip(offsets, special)) if not sp and end > start
            and end > prompt_length]
    spans = np.array([(max(offsets[i][0] - prompt_length, 0), offsets[i][1] - prompt_length) for i in keep],
                     dtype=np.int32).reshape(-1, 2)
    return TokenStates(np.ascontiguousarray(states[keep], dtype=np.float32), spans)


@dataclass(frozen=True)
class Question:
    """A question's projected tokens (unit rows) and their weights (summing to 1)."""

    tokens: np.ndarray  # (n, dims) float32
    weights: np.ndarray  # (n,) float64


@dataclass(frozen=True)
class VerifierHead:
    """The learned head: projection (hidden × dims), token-weight vector (hidden), scorer.

    logit = a · Σ wᵢ mᵢ + b · softminᵢ(mᵢ) + c, with mᵢ the best cosine of question token i among
    the clause's tokens, wᵢ = softmax(hᵢ · u) the token's weight and softmin_τ the weighted soft
    minimum −τ log Σ wᵢ exp(−mᵢ/τ).
    """

    projection: np.ndarray
    importance: np.ndarray
    scorer: tuple[float, float, float]
    temperature: float
    fingerprint: str
    trained_on: dict | None = None

    @property
    def dims(self) -> int:
        return int(self.projection.shape[1])

    def project(self, states: np.ndarray) -> np.ndarray:
        """Unit rows of the projected states."""
        p = np.asarray(states, dtype=np.float32) @ self.projection
        return p / np.maximum(np.linalg.norm(p, axis=1, keepdims=True), 1e-6)

    def question(self, tokens: TokenStates) -> Question:
        """The question side: projected tokens and their weights."""
        z = tokens.states.astype(np.float64) @ self.importance.astype(np.float64)
        w = np.exp(z - z.max()) if len(z) else z
        return Question(self.project(tokens.states), w / w.sum() if len(w) else w)

    def logit(self, question: Question, passage: np.ndarray) -> float:
        """The scorer's logit for a clause's projected tokens ``passage`` (float, unit rows)."""
        if not len(question.weights) or not len(passage):
            return self.scorer[2]
        best = (question.tokens @ passage.T).max(axis=1).astype(np.float64)
        return self._combine(question.weights, best)

    def _combine(self, w: np.ndarray, best: np.ndarray) -> float:
        a, b, c = self.scorer
        t = self.temperature
        softmin = -t * np.log(float(w @ np.exp(-(best - best.min()) / t))) + best.min()
        return float(a * (w @ best) + b * softmin + c)

    def to_files(self, path: Path = HEAD_FILE) -> None:
        """``path`` (JSON) and its ``.npy`` beside it; both byte-for-byte the same for the same head."""
        np.save(_weights_path(path), np.hstack([self.projection, self.importance[:, None]]).astype(np.float32))
        data = {"version": HEAD_VERSION, "dims": self.dims, "hidden": int(self.projection.shape[0]),
                "scorer": [round(float(x), 8) for x in self.scorer], "temperature": round(float(self.temperature), 8),
                "trained_on": self.trained_on}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = HEAD_FILE) -> "VerifierHead | None":
        """The head in ``path`` (and its ``.npy``), or None if there is none or of another version."""
        weights = _weights_path(path)
        if not path.is_file() or not weights.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != HEAD_VERSION:
            log.warning("%s is verifier head v%s, this code reads v%d: no semantic verification; retrain "
                        "(python -m eval.train_verifier)", path, data.get("version"), HEAD_VERSION)
            return None
        matrix = np.load(weights)
        return cls(np.ascontiguousarray(matrix[:, :-1]), np.ascontiguousarray(matrix[:, -1]),
                   tuple(float(x) for x in data["scorer"]), float(data["temperature"]), fingerprint(path),
                   data.get("trained_on"))


def fingerprint(path: Path = HEAD_FILE) -> str:
    """A short hash of the head's two files ("none" without a head): part of an index version's key."""
    weights = _weights_path(path)
    if not path.is_file() or not weights.is_file():
        return "none"
    digest = hashlib.sha256(path.read_bytes())
    digest.update(weights.read_bytes())
    return digest.hexdigest()[:16]


def body_spans(tokens: TokenStates, passage: str, unit_text: str) -> np.ndarray:
    """Each token's span in the unit's expanded text (the passage ends with it after its context),
    (−1, −1) for the context's tokens."""
    body = expand_text(unit_text)
    base = passage.rfind(body) if body else -1
    spans = np.full_like(tokens.spans, -1)
    if base < 0:
        return spans
    inside = tokens.spans[:, 0] >= base
    spans[inside] = tokens.spans[inside] - base
    return spans


def quantise(projected: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(projected * QUANT), -127, 127).astype(np.int8)


def write_tokens(folder: Path, head_file: Path, tokens: list[np.ndarray], spans: list[np.ndarray]) -> None:
    """The version's passage tokens (int8 projected rows, one array per unit in position order) and
    a copy of the head they were projected with."""
    dims = tokens[0].shape[1] if tokens else 0
    starts = np.zeros(len(tokens) + 1, dtype=np.int64)
    starts[1:] = np.cumsum([len(t) for t in tokens])
    np.save(folder / TOKENS, np.vstack(tokens) if tokens else np.zeros((0, dims), np.int8))
    np.save(folder / STARTS, starts)
    np.save(folder / SPANS, np.vstack(spans) if spans else np.zeros((0, 2), np.int32))
    shutil.copyfile(head_file, folder / head_file.name)
    shutil.copyfile(_weights_path(head_file), folder / _weights_path(head_file).name)


def read_unit_tokens(folder: Path) -> tuple[list[np.ndarray], list[np.ndarray], str] | None:
    """Each unit's int8 tokens and spans of a version and its head's fingerprint (None without them)."""
    if not (folder / TOKENS).is_file():
        return None
    tokens, starts, spans = (np.load(folder / name) for name in (TOKENS, STARTS, SPANS))
    cut = [(int(a), int(b)) for a, b in zip(starts[:-1], starts[1:])]
    return [tokens[a:b] for a, b in cut], [spans[a:b] for a, b in cut], fingerprint(folder / HEAD_FILE.name)


class Verifier:
    """A version's head and passage tokens: scores candidates and their sentences for a question.

    Args:
        head: the head the passage tokens were projected with.
        tokens, starts, spans: the version's arrays (memory-mapped is fine).
    """

    def __init__(self, head: VerifierHead, tokens: np.ndarray, starts: np.ndarray, spans: np.ndarray) -> None:
        self.head = head
        self.tokens, self.starts, self.spans = tokens, starts, spans

    @classmethod
    def load(cls, folder: Path) -> "Verifier | None":
        """The version's verifier, or None (built without a head, or with the hashing embedder)."""
        head = VerifierHead.load(folder / HEAD_FILE.name)
        if head is None or not (folder / TOKENS).is_file():
            return None
        tokens = np.load(folder / TOKENS, mmap_mode="r")
        return cls(head, tokens.view(np.ndarray) if isinstance(tokens, np.memmap) else tokens,
                   np.load(folder / STARTS), np.load(folder / SPANS, mmap_mode="r"))

    def passage(self, position: int) -> np.ndarray:
        a, b = int(self.starts[position]), int(self.starts[position + 1])
        return self.tokens[a:b].astype(np.float32) / QUANT

    def scores(self, question: Question, positions: list[int]) -> np.ndarray:
        """P(the unit at each position answers the question)."""
        logits = np.array([self.head.logit(question, self.passage(p)) for p in positions], dtype=np.float64)
        return 1.0 / (1.0 + np.exp(-logits))

    def piece_scores(self, question: Question, position: int, text: str, pieces: list[str]) -> list[float | None]:
        """P(each piece of the unit's ``text`` answers the question), from the tokens of that piece's
        span (None for a piece not found in the unit's text)."""
        a = int(self.starts[position])
        passage = self.passage(position)
        spans = np.asarray(self.spans[a:int(self.starts[position + 1])])
        body = _expanded(text)
        out: list[float | None] = []
        for piece in pieces:
            start = body.find(expand_text(piece)) if piece else -1
            if start < 0:
                out.append(None)
                continue
            end = start + len(expand_text(piece))
            inside = (spans[:, 0] >= start) & (spans[:, 1] <= end) & (spans[:, 0] >= 0)
            if not inside.any():
                out.append(None)
                continue
            out.append(float(1.0 / (1.0 + np.exp(-self.head.logit(question, passage[inside])))))
        return out

    def best_sentences(self, question: Question, position: int, text: str, pieces: list[str],
                       k: int = 1) -> list[int]:
        """Indexes of the ``k`` pieces of the unit that best answer the question, best first."""
        scored = [(s, i) for i, s in enumerate(self.piece_scores(question, position, text, pieces)) if s is not None]
        return [i for _, i in sorted(scored, key=lambda x: (-x[0], x[1]))[:k]]


@lru_cache(maxsize=4096)
def _expanded(text: str) -> str:
    return expand_text(text)


class QuestionCache:
    """The last questions' verifier tokens by (version, question text): encoded with the question's
    vector, read by the evidence of the same search (a small LRU, safe across threads)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key) -> Question | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value: Question) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

"""Lexical retrieval: BM25 over the two token fields of :mod:`index.tokenize`.

Scoring uses bm25s (sparse matrix of precomputed BM25 weights, Lucene IDF): at 100k units a
query costs about a millisecond, where rank-bm25 needs ~70 ms. rank-bm25 stays the reference:
a test checks that both rank the shipped corpus alike.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from index.tokenize import Tokens

log = logging.getLogger(__name__)


def _bm25s():
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG
    return bm25s

FIELDS = ("words", "folded")


class LexicalIndex:
    """BM25 over the ``words`` and ``folded`` fields of a list of units (positions 0..n-1).

    Args:
        k1, b: BM25 parameters.

    Example:
        >>> from index.tokenize import tokenize
        >>> lex = LexicalIndex()
        >>> lex.build([tokenize("Sở Nội vụ chủ trì"), tokenize("Sở Y tế thực hiện")])
        >>> int(lex.scores(tokenize("so y te"), "folded").argmax())
        1
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        if k1 <= 0 or not 0 <= b <= 1:
            raise ValueError(f"k1={k1}, b={b}: need k1 > 0 and 0 ≤ b ≤ 1")
        self.k1, self.b = k1, b
        self._models: dict = {}
        self.size = 0

    def build(self, tokens: list[Tokens]) -> None:
        bm25s = _bm25s()
        self.size = len(tokens)
        self._models = {}
        if not tokens:
            return  # an empty corpus: every query scores nothing
        for field in FIELDS:
            model = bm25s.BM25(method="lucene", k1=self.k1, b=self.b)
            corpus = [getattr(t, field) or ["∅"] for t in tokens]
            model.index(corpus, show_progress=False)
            self._models[field] = model

    def scores(self, query: Tokens, field: str) -> np.ndarray:
        """BM25 score of every unit for ``query`` in one field."""
        if field not in FIELDS:
            raise ValueError(f"field={field!r}: expected one of {FIELDS}")
        model = self._models.get(field)
        if model is None:
            return np.zeros(self.size, dtype=np.float32)
        vocab = model.vocab_dict
        terms = [t for t in getattr(query, field) if t in vocab]
        if not terms or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(model.get_scores(terms), dtype=np.float32)

    def postings(self, terms: list[str], field: str) -> list[np.ndarray | None]:
        """For each term, the sorted positions of the units that contain it (None if unknown)."""
        model = self._models.get(field)
        if model is None:
            return [None for _ in terms]
        indptr, indices = model.scores["indptr"], model.scores["indices"]
        out: list[np.ndarray | None] = []
        for term in terms:
            tid = model.vocab_dict.get(term)
            out.append(None if tid is None else indices[indptr[tid]:indptr[tid + 1]])
        return out

    def save(self, folder: Path) -> None:
        for field, model in self._models.items():
            model.save(str(folder / f"bm25_{field}"), show_progress=False)
        (folder / "bm25.json").write_text(json.dumps({"k1": self.k1, "b": self.b, "size": self.size}))

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        bm25s = _bm25s()
        params = json.loads((folder / "bm25.json").read_text())
        index = cls(params["k1"], params["b"])
        index.size = params["size"]
        for field in FIELDS if index.size else ():
            # memory-mapped: API workers serving the same version share these pages
            index._models[field] = bm25s.BM25.load(str(folder / f"bm25_{field}"), show_progress=False, verbosity=0,
                                                   mmap=True)
        return index

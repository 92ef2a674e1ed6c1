"""The question's terms in the candidates: its content syllables and syllable pairs, their IDF, and
which candidates hold each one (from the postings of the index's folded field, not the texts)."""

from __future__ import annotations

import copy
import math
import re
from functools import lru_cache

import numpy as np

from corpus.text import fold, match_form
from corpus.vocab import TOPIC_STOP_WORDS as STOP
from index.query import Query


class _Held:
    """IDF weights of some terms and which candidates hold each one (postings of the folded field)."""

    def __init__(self, terms: list[str], lexical, positions: list[int]) -> None:
        postings = lexical.postings(terms, "folded")
        n = max(lexical.size, 1)
        self.max_idf = math.log(1 + (n + 0.5) / 0.5)
        self.idf = np.zeros(len(terms))
        self.held = np.zeros((len(terms), len(positions)), dtype=bool)
        self.unknown = np.zeros(len(terms), dtype=bool)
        wanted = np.asarray(positions, dtype=np.int64)
        for i, posting in enumerate(postings):
            df = 0 if posting is None else len(posting)
            self.idf[i] = math.log(1 + (n - df + 0.5) / (df + 0.5))
            self.unknown[i] = df == 0
            if df and len(wanted):
                at = np.minimum(np.searchsorted(posting, wanted), len(posting) - 1)
                self.held[i] = posting[at] == wanted
        self.total = float(self.idf.sum())

    def reordered(self, order: list[int]) -> "_Held":
        out = copy.copy(self)
        out.held = self.held[:, order]
        return out

    def coverage(self, j: int) -> float:
        """IDF-weighted share of the terms held by candidate ``j``."""
        return float(self.idf @ self.held[:, j]) / self.total if self.total else 1.0


@lru_cache(maxsize=8192)
def _syllables_and_pairs(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The folded syllables of a unit's text and its syllable pairs (a unit's text is folded once,
    not once per question that finds it)."""
    syl = re.findall(r"\w+", fold(match_form(text)))
    return frozenset(syl), frozenset(f"{a}_{b}" for a, b in zip(syl, syl[1:]))


class TermStats:
    """The question's content syllables and syllable pairs, their IDF, and which candidates hold them."""

    def __init__(self, query: Query, lexical, positions: list[int]) -> None:
        folded = list(dict.fromkeys(query.tokens.folded))
        syllables = [t for t in folded if "_" not in t and t not in STOP and not t.isdigit()]
        pairs = [t for t in folded if "_" in t and not all(p in STOP for p in t.split("_"))]
        self.count = len(syllables)
        self.words = _Held(syllables, lexical, positions)
        self.pairs = _Held(pairs, lexical, positions)
        self.syllables, self.pair_terms = syllables, pairs

    def own_coverage(self, text: str) -> tuple[float, float]:
        """IDF-weighted shares of the question's syllables and syllable pairs in ``text`` itself (the
        index fields also hold the document's name and the breadcrumb, shared by many units)."""
        held, pairs = _syllables_and_pairs(text)
        w, p = self.words, self.pairs
        share = float(w.idf @ np.array([t in held for t in self.syllables], dtype=float)) / w.total if w.total else 1.0
        pair_share = float(p.idf @ np.array([t in pairs for t in self.pair_terms], dtype=float)) / p.total \
            if p.total else 1.0
        return share, pair_share

    def reordered(self, order: list[int]) -> "TermStats":
        """The same statistics with the candidates in ``order``."""
        out = copy.copy(self)
        out.words, out.pairs = self.words.reordered(order), self.pairs.reordered(order)
        return out

    def coverage(self, j: int) -> float:
        return self.words.coverage(j)

    def pair_coverage(self, j: int) -> float:
        return self.pairs.coverage(j)

    @property
    def oov(self) -> float:
        w = self.words
        return float(w.idf @ w.unknown) / w.total if w.total else 0.0

    def missing(self, j: int) -> tuple[float, float]:
        """(rarest term missing from candidate ``j``, IDF mass missing), both relative to the largest IDF."""
        w = self.words
        if not len(w.idf):
            return 0.0, 0.0
        absent = w.idf[~w.held[:, j]]
        if not len(absent):
            return 0.0, 0.0
        return float(absent.max()) / w.max_idf, float(absent.sum()) / w.max_idf

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


# a term in more units than this counts as held by every document (it is common; its IDF is small)
COMMON_POSTINGS = 3000


class _Held:
    """IDF weights of some terms, which candidates hold each one and which candidates' documents hold it
    in some unit (postings of the folded field)."""

    def __init__(self, terms: list[str], lexical, positions: list[int], doc_of: np.ndarray | None = None) -> None:
        postings = lexical.postings(terms, "folded")
        n = max(lexical.size, 1)
        self.max_idf = math.log(1 + (n + 0.5) / 0.5)
        self.idf = np.zeros(len(terms))
        self.held = np.zeros((len(terms), len(positions)), dtype=bool)
        self.unknown = np.zeros(len(terms), dtype=bool)
        wanted = np.asarray(positions, dtype=np.int64)
        self.doc_held = np.ones((len(terms), len(positions)), dtype=bool)
        docs = doc_of[wanted] if doc_of is not None and len(wanted) else None
        for i, posting in enumerate(postings):
            df = 0 if posting is None else len(posting)
            self.idf[i] = math.log(1 + (n - df + 0.5) / (df + 0.5))
            self.unknown[i] = df == 0
            if df and len(wanted):
                at = np.minimum(np.searchsorted(posting, wanted), len(posting) - 1)
                self.held[i] = posting[at] == wanted
            if docs is not None and (df == 0 or df <= COMMON_POSTINGS):
                self.doc_held[i] = np.isin(docs, doc_of[posting]) if df else False
        self.total = float(self.idf.sum())

    def reordered(self, order: list[int]) -> "_Held":
        out = copy.copy(self)
        out.held, out.doc_held = self.held[:, order], self.doc_held[:, order]
        return out

    def doc_missing(self, j: int) -> float:
        """IDF-weighted share of the terms that no unit of candidate ``j``'s document holds."""
        return float(self.idf @ ~self.doc_held[:, j]) / self.total if self.total else 0.0

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

    def __init__(self, query: Query, lexical, positions: list[int], doc_of: np.ndarray | None = None) -> None:
        folded = list(dict.fromkeys(query.tokens.folded))
        syllables = [t for t in folded if "_" not in t and t not in STOP and not t.isdigit()]
        pairs = [t for t in folded if "_" in t and not all(p in STOP for p in t.split("_"))]
        self.count = len(syllables)
        self.words = _Held(syllables, lexical, positions, doc_of)
        self.pairs = _Held(pairs, lexical, positions, doc_of)
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

    def doc_missing(self, j: int) -> tuple[float, float]:
        """(syllables, syllable pairs) of the question, IDF-weighted, that no unit of candidate ``j``'s
        document holds: what a question one qualifier away ("lớp bồi dưỡng ngoại ngữ") adds, measured
        against one document, so it does not fade when the corpus grows."""
        return self.words.doc_missing(j), self.pairs.doc_missing(j)

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

"""Deciding that the documents do not answer a question.

Signals, each cheap at query time:

- ``dense``: the best cosine similarity among the top fused hits;
- ``coverage``: the IDF-weighted share of the question's content syllables that the top unit
  contains (a question about salaries or weather shares its rare words with nothing);
- ``unknown_place``: the question names a province that no document's title or header names;
- ``missing_year``: the question names a single year (not a period or a document number's year)
  that none of the top units mentions.

These hand thresholds decide only when the index version holds no trained answerability model
(index/answerability/); with one, they remain the reasons given for an abstention.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.lexical import LexicalIndex
from corpus.vocab import TOPIC_STOP_WORDS as _STOP
from corpus.vocab import ASKS_QUANTITY, PLACES
from index.answerability.evidence import canonical_place, single_years
from index.query import Query


@dataclass
class Signals:
    dense: float
    coverage: float
    unknown_place: str | None
    missing_year: str | None
    missing_quantity: bool = False  # "bao nhiêu ...?" but no top unit states a quantity

    def reason(self) -> str:
        """The reason code of an abstention (the names of index.answerability.vetoes)."""
        if self.unknown_place is not None:
            return "unknown_place"
        if self.missing_year is not None:
            return "missing_year"
        return "low_confidence"

    def abstain(self, min_dense: float, min_coverage: float) -> bool:
        return (self.dense < min_dense or self.coverage < min_coverage or self.missing_quantity
                or self.unknown_place is not None or self.missing_year is not None)


def _contains(posting: np.ndarray, position: int) -> bool:
    """Membership in a sorted posting list in O(log n) (np.isin would sort a million entries)."""
    i = int(np.searchsorted(posting, position))
    return i < len(posting) and int(posting[i]) == position


def signals(query: Query, top_positions: list[int], dense: float, lexical: LexicalIndex,
            corpus_places: frozenset[str], quantities: list[bool] | None = None) -> Signals:
    """The abstention signals of ``query`` given the positions of its top fused hits; ``corpus_places``:
    the canonical provinces the documents' titles and headers name (``Snapshot.evidence_places``)."""
    terms = [t for t in dict.fromkeys(query.tokens.folded) if "_" not in t and t not in _STOP and not t.isdigit()]
    postings = lexical.postings(terms, "folded")
    n = max(lexical.size, 1)
    total = covered = 0.0
    top = top_positions[0] if top_positions else -1
    for posting in postings:
        df = 0 if posting is None else len(posting)
        idf = float(np.log(1 + (n - df + 0.5) / (df + 0.5)))
        total += idf
        if posting is not None and top >= 0 and _contains(posting, top):
            covered += idf
    coverage = covered / total if total else 1.0

    unknown_place = next((PLACES[key] for key in query.places if canonical_place(key) not in corpus_places), None)

    missing_year = None
    years = single_years(query)
    if years and top_positions:
        for year, posting in zip(years, lexical.postings(list(years), "folded")):
            if posting is None or not any(_contains(posting, p) for p in top_positions[:3]):
                missing_year = year
                break
    missing_quantity = bool(quantities is not None and ASKS_QUANTITY.search(f" {query.folded} ")
                            and not any(quantities[:3]))
    return Signals(dense, coverage, unknown_place, missing_year, missing_quantity)

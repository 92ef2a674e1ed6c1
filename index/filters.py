"""Which units a search may return (filters), and which documents a question names (boosts)."""

from __future__ import annotations

import re
from typing import Callable

import numpy as np

from core.errors import InvalidQuery
from corpus.text import fold, match_form
from index.answerability.evidence import asked_places, single_years
from index.query import Query
from index.snapshot import Snapshot, title_pairs

FILTER_KEYS = ("province", "doc_type", "year", "doc_id")
NAMED_MAX = 5  # the most documents one question names together (chosen on train/tune records: 3, 5, 8)


def allowed_units(snap: Snapshot, filters: dict | None) -> np.ndarray | None:
    """A mask over the snapshot's units, or None for no filter.

    Raises:
        InvalidQuery: an unknown filter key or a value no document has (the message lists what is accepted).
    """
    docs = allowed_docs(snap, filters)
    return None if docs is None else snap.positions_of_docs(docs)


def allowed_docs(snap: Snapshot, filters: dict | None) -> set[str] | None:
    """The documents a search may return, or None for no filter (raises as :func:`allowed_units`)."""
    if not filters:
        return None
    unknown = set(filters) - set(FILTER_KEYS)
    if unknown:
        raise InvalidQuery(f"bộ lọc không hợp lệ: {', '.join(sorted(unknown))}; chấp nhận: {', '.join(FILTER_KEYS)}",
                           code="invalid_filter")
    docs = snap.docs
    keep = set(docs)
    if filters.get("province"):
        wanted = fold(match_form(str(filters["province"])))
        options = sorted({d.province for d in docs.values() if d.province})
        if wanted not in {fold(match_form(o)) for o in options}:
            raise InvalidQuery(f"tỉnh '{filters['province']}' không có trong kho văn bản; chấp nhận: {', '.join(options)}",
                               code="invalid_filter")
        keep &= {k for k, d in docs.items() if d.province and fold(match_form(d.province)) == wanted}
    if filters.get("doc_type"):
        wanted = match_form(str(filters["doc_type"]))
        options = sorted({t for d in docs.values() for t in d.types})
        if wanted not in {match_form(o) for o in options}:
            raise InvalidQuery(f"loại văn bản '{filters['doc_type']}' không có; chấp nhận: {', '.join(options)}",
                               code="invalid_filter")
        keep &= {k for k, d in docs.items() if wanted in {match_form(t) for t in d.types}}
    if filters.get("year") not in (None, ""):
        try:
            year = int(filters["year"])
        except (TypeError, ValueError):
            raise InvalidQuery(f"năm '{filters['year']}' không hợp lệ; cần một số như 2022", code="invalid_filter") from None
        keep &= {k for k, d in docs.items() if d.year == year or str(year) in d.title}
    if filters.get("doc_id"):
        if filters["doc_id"] not in docs:
            raise InvalidQuery(f"không có văn bản mã '{filters['doc_id']}'", code="invalid_filter")
        keep &= {filters["doc_id"]}
    return keep


def named_documents(snap: Snapshot, query: Query) -> dict[str, int]:
    """Documents the question names, with a weight: by number, province (any way it is named: "TP.HCM",
    "Thành phố Hồ Chí Minh"), year (not a period's, not a document number's), or (part of) their title."""
    # "năm 2020" is a year, not the number of a "Quyết định 2020/QĐ-UBND"
    numbers = set(query.numbers) - set(re.findall(r"\bnam ((?:19|20)\d{2})\b", query.folded))
    years = set(single_years(query))
    places = asked_places(query)
    found: dict[str, int] = {}
    for doc in snap.doc_names:
        score = 0
        if doc.number and doc.number in numbers:
            score += 2
        if (doc.places & places) or (doc.province and doc.province in query.folded):
            score += 1
        if years and (doc.year in years or any(y in doc.title for y in years)):
            score += 1
        if len(doc.name) >= 8 and doc.name in query.folded:
            score += 2
        if score:
            found[doc.id] = score
    return found


def singled_out(matched: dict[str, int], titled: Callable[[], set[str]] = set, limit: int = NAMED_MAX) -> set[str]:
    """The documents the question names as the ones it asks about, of those it matches
    (:func:`named_documents`): all of them when they are few (at most ``limit``), else the best matched
    when those are few, else those of the best matched whose title the question names by a phrase
    (``titled``: :func:`title_named`) when those are few, else none. A match that many documents share
    names none of them: "Hà Nội" matches every document of the city, "2025" every document of the year,
    and a store of hundreds of documents holds dozens of each, so the answerability features must not
    read such a match as the question naming the top unit's document (the boost of
    :meth:`index.search.Searcher.fuse` still reads every match).

    Example:
        >>> sorted(singled_out({"a": 1, "b": 1})), sorted(singled_out({"a": 3} | {d: 1 for d in "bcdefg"}))
        (['a', 'b'], ['a'])
        >>> singled_out({d: 1 for d in "abcdefgh"}), singled_out({d: 1 for d in "abcdefgh"}, lambda: {"c", "z"})
        (set(), {'c'})
    """
    if len(matched) <= limit:
        return set(matched)
    best = max(matched.values())
    top = {doc for doc, score in matched.items() if score == best}
    if len(top) <= limit:
        return top
    named = top & titled()
    return named if len(named) <= limit else set()


def title_named(snap: Snapshot, query: Query, limit: int = NAMED_MAX) -> set[str]:
    """The documents whose title shares with the question a syllable pair that at most ``limit`` titles
    hold: "Luật Việc làm" names the plan that implements it, "kế hoạch" or "hành chính" names none."""
    rare = {p for p in title_pairs(query.expanded) if 0 < snap.title_pair_counts.get(p, 0) <= limit}
    return {doc.id for doc in snap.doc_names if doc.pairs & rare} if rare else set()

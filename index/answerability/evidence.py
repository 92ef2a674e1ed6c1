"""What one search found, as the features and vetoes read it: a list of typed candidates, what each
document's own text says about it, and the provinces and years the question names.

A metadata field counts as evidence only when it was read from the document, never when it was
guessed: a document whose province, kind or year of issue is unknown may be the one asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from corpus.text import fold, match_form
from corpus.vocab import DATE_LINE, DOC_KINDS, HEADER_KINDS, ISSUE_YEAR, NUMBER_WITH_YEAR, NUMBER_YEAR_ASKED, \
    PERIOD_ASKED, PLACES, QUANTITY, places_in
from index.query import Query


class DocEvidence(NamedTuple):
    """What a document's own text (its title and header unit) says about it, for the vetoes: a
    metadata field counts only when it was read from the document, never when it was guessed."""

    places: frozenset[str]  # canonical provinces (:func:`canonical_place`) its title or header names
    subject: str  # its title and header without the place-and-date line and document numbers
    issued: str | None  # its year of issue (the date read, or the header's date line); None: unknown
    kinds: tuple[str, ...] | None  # its kinds when read; None when guessed (it may be any kind)


@dataclass(frozen=True)
class Candidate:
    """One retrieved unit as the features see it: its place in the lists and what it and its document say."""

    position: int  # the unit's position in the version
    score: float  # fused score
    ranks: dict[str, int]  # its rank in each list ("bm25", "bm25_folded", "dense")
    dense: float  # cosine of the question to the unit (exact)
    text: str
    heading: str  # the nearest heading (its breadcrumb's last part)
    kind: str  # unit kind ("paragraph", "table_row", "header", …)
    quantity: bool  # the unit states a count, amount or share (:func:`states_quantity`)
    doc_year: str  # its document's year and title, "2024 Kế hoạch …" (for year agreement)
    doc_place: str  # folded province of its document ("" if none)
    doc_named: bool  # its document is one the question names
    doc: DocEvidence  # what its document's own text says about it (:func:`doc_evidence`)
    verified: float | None = None  # the semantic verifier's P(answers) (None: no verifier)
    rerank: float | None = None  # the rerank model's P(holds the answer) (None: not reranked)
    doc_id: str = ""  # its document's id (to tell the top unit's document from the others)


@dataclass
class Evidence:
    """What the feature functions need of one search: the query, its candidates in fused order, and
    what the corpus as a whole holds."""

    query: Query
    candidates: list[Candidate]
    lexical_top5: list[int] = field(default_factory=list)  # positions of the folded lexical list's top 5
    dense_top5: list[int] = field(default_factory=list)
    all_doc_numbers: frozenset[str] | set[str] = frozenset()  # first part of every document number ("1601")
    # every document's :class:`DocEvidence` that may be of the provinces the question names: all of them when it
    # names none; else those whose title or header names a province, and those naming none there whose units name
    # one asked (a national document or a portal page whose text never names the province is not its plan)
    corpus_docs: list[DocEvidence] = field(default_factory=list)
    corpus_numbers: frozenset[str] = frozenset()  # the question's numbers that some unit holds
    evidence_places: frozenset[str] = frozenset()  # provinces some document's title or header, or some unit, names
    missing_items: tuple[str, ...] = ()  # element numbers the question names that its documents lack (index.items)

    @property
    def verified(self) -> list[float] | None:
        """The verifier's score of every candidate, or None without a verifier."""
        if not self.candidates or self.candidates[0].verified is None:
            return None
        return [c.verified for c in self.candidates]

    def reordered(self, order: list[int]) -> "Evidence":
        """The same evidence with its candidates in ``order`` (after a rerank)."""
        return replace(self, candidates=[self.candidates[j] for j in order])


def states_quantity(text: str) -> bool:
    """Does the unit state a count, amount or share ("10 lớp", "80%", "6 tháng/01 lần")?

    Example:
        >>> states_quantity("Tổ chức ít nhất 4 đoàn công tác"), states_quantity("Quyết định 1601/QĐ-UBND ngày 21/10/2021")
        (True, False)
    """
    return bool(QUANTITY.search(text))


# --- provinces ------------------------------------------------------------------------------------------

def canonical_place(key: str) -> str:
    """One folded name per province, whichever way it was named ("tp hcm" → "thanh pho ho chi minh")."""
    return fold(match_form(PLACES.get(key, key)))


def places_named(text: str) -> frozenset[str]:
    """The canonical provinces ``text`` names as whole words (:func:`corpus.vocab.places_in`)."""
    return frozenset(canonical_place(key) for key in places_in(text)) if text else frozenset()


def asked_places(query: Query) -> frozenset[str]:
    return frozenset(canonical_place(key) for key in query.places)


@lru_cache(maxsize=1)
def _place_forms() -> dict[str, list[list[str]]]:
    """Each canonical province → the folded words of every way of naming it."""
    forms: dict[str, list[list[str]]] = {}
    for key in PLACES:
        forms.setdefault(canonical_place(key), []).append(re.findall(r"\w+", key))
    return forms


def naming_units(lexical, place: str) -> np.ndarray:
    """The positions of the units that name ``place`` (all the syllable pairs of one way of naming it in
    one unit, from the folded field's postings)."""
    found = []
    for words in _place_forms().get(place, [place.split()]):
        terms = [f"{a}_{b}" for a, b in zip(words, words[1:])] or words
        postings = lexical.postings(terms, "folded")
        if any(p is None or not len(p) for p in postings):
            continue
        common = postings[0]
        for posting in postings[1:]:
            common = np.intersect1d(common, posting, assume_unique=True)
        if len(common):
            found.append(common)
    return np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)


def places_mentioned(lexical, places: frozenset[str]) -> frozenset[str]:
    """Those of ``places`` that some unit names (:func:`naming_units`)."""
    return frozenset(place for place in places if len(naming_units(lexical, place)))


def other_province(candidate: Candidate, asked: frozenset[str], named: frozenset[str]) -> bool:
    """The candidate's document names provinces in its own text, none of those ``asked``, nor does the
    unit (``named``: the provinces the unit's text names)."""
    doc = candidate.doc
    return bool(doc.places) and not doc.places & asked and not named & asked


def document_places(title: str, header: str, texts: list[str]) -> tuple[str, ...]:
    """The canonical provinces a document is about, from its own text: those its title and header name
    (without the place-and-date line, where it was signed); when they name none (a header cut short),
    the province its units name most, if named at least twice and in most of their mentions.

    Example:
        >>> document_places("Kế hoạch", "ỦY BAN NHÂN DÂN TỈNH", ["… tỉnh Bình Định …", "UBND tỉnh Bình Định", "Hà Nội"])
        ('binh dinh',)
    """
    named = places_named(NUMBER_WITH_YEAR.sub(" ", DATE_LINE.sub(" ", f"{title}\n{header}")))
    if named:
        return tuple(sorted(named))
    counts: dict[str, int] = {}
    for text in texts:
        for place in places_named(text):
            counts[place] = counts.get(place, 0) + 1
    if not counts:
        return ()
    best, count = max(counts.items(), key=lambda item: (item[1], item[0]))
    return (best,) if count >= 2 and count > sum(counts.values()) / 2 else ()


def doc_evidence(doc, header: str = "") -> DocEvidence:
    """The :class:`DocEvidence` of ``doc`` (an :class:`index.versions.DocRecord`) and its header unit's text."""
    read = getattr(doc, "is_read", lambda name: False)
    subject = NUMBER_WITH_YEAR.sub(" ", DATE_LINE.sub(" ", f"{doc.title}\n{header}"))
    places = frozenset(getattr(doc, "places", ())) or places_named(subject)
    if doc.province and read("province"):
        places |= places_named(doc.province) or {fold(match_form(doc.province))}
    if doc.issuer and read("issuer"):
        places |= places_named(doc.issuer)
    issued = str(doc.year) if doc.year and read("date") else None
    if issued is None:
        found = ISSUE_YEAR.search(header)
        issued = next((g for g in found.groups() if g), None) if found else None
    kinds = None
    if read("type"):
        kinds = tuple(doc.types) + (("Quyết định",) if "/QĐ" in (doc.number or "") else ()) + issued_kinds(doc.title)
    return DocEvidence(places, subject, issued, kinds)


def issued_kinds(title: str) -> tuple[str, ...]:
    """The kinds of document a decision's title says it issues: the plan it issues is in it.

    Example:
        >>> issued_kinds("Về việc ban hành Kế hoạch xuất khẩu sản phẩm hàng hóa tỉnh Sơn La giai đoạn 2026 - 2030")
        ('Kế hoạch',)
    """
    folded_title = fold(match_form(title))
    return tuple(kind for kind in HEADER_KINDS
                 if re.search(rf"\bban hanh (?:kem theo )?{DOC_KINDS[kind].forms[0]}\b", folded_title))


# --- years --------------------------------------------------------------------------------------------

def asked_periods(query: Query) -> list[tuple[str, ...]]:
    """The years of each period the question names ("2022-2028", "từ 2026 đến 2030"), not inside a document number.

    Example:
        >>> from index.query import analyse
        >>> asked_periods(analyse("Đề án giai đoạn 2022 - 2028 của Quảng Nam")), asked_periods(analyse("năm 2025"))
        ([('2022', '2028')], [])
    """
    rest = NUMBER_YEAR_ASKED.sub(" ", query.folded)
    return [tuple(re.findall(r"(?:19|20)\d{2}", m.group(0))) for m in PERIOD_ASKED.finditer(rest)]


def single_years(query: Query) -> tuple[str, ...]:
    """The years the question asks about one by one: not those of a period ("giai đoạn 2026-2030",
    "từ 2026 đến 2030") nor of a document number ("45/2025/QĐ-UBND").

    Example:
        >>> from index.query import analyse
        >>> single_years(analyse("KH 45/2025/KH-UBND giai đoạn 2026 - 2030 năm 2027"))
        ('2027',)
    """
    rest = PERIOD_ASKED.sub(" ", NUMBER_YEAR_ASKED.sub(" ", query.folded))
    return tuple(y for y in query.years if re.search(rf"\b{y}\b", rest))

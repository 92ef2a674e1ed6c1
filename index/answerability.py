"""Does the retrieved evidence answer the question, and which candidate answers it best?

Two small logistic models over features that describe the *match* between the question and the
retrieved units — never particular words — so they keep working when admins add documents:

- **answerability** (one row per question): is the question answered by the top units at all?
- **rerank** (one row per candidate unit): how likely is this unit to hold the answer?

Both are trained by ``hoidap eval --train-abstain`` (eval/train_answerability.py) on the dev set's
training split and the negatives built by eval/abstain_data.py, and stored as one JSON file of
coefficients (``index/answerability.json``); the index builder copies it into each version, so a
version answers with the model it was built with. Inference is a dot product in numpy.

Question features (``QUESTION_FEATURES``):

- ``dense_top``: cosine of the question to the top unit; ``dense_best``: best cosine among the top 3;
- ``coverage_top`` / ``coverage_best``: IDF-weighted share of the question's content syllables in the
  top unit / the best of the top 3; ``oov``: IDF-weighted share in no unit at all;
- ``terms``: log of the number of content syllables; ``rare_missing``: IDF of the rarest one the top unit
  lacks, ``missing_mass``: IDF of all it lacks (both relative to the largest IDF);
- ``bigram_top`` / ``bigram_best``: IDF-weighted share of the question's syllable pairs in the top unit /
  the best of the top 3 (phrases, not just words); ``text_top`` / ``text_best``: the share of syllables
  in the unit's own text (the index fields also hold the document name and breadcrumb);
- ``agree``: how many of the three ranked lists put the top unit in their top 3;
  ``overlap``: share of the lexical top 5 also in the dense top 5;
- ``margin``: fused score gap between the first and second unit, relative to the first;
- ``unknown_place``: names a province that no document's title or header names, nor any unit;
  ``place_mismatch``: names a province, and the top unit's document names only others in its title
  or header (a document whose text names no province never mismatches) and the unit none of them;
- ``missing_year``: names a single year (not a period, not the year inside a document number) that
  none of the top 3 units mentions, nor their documents' titles or headers;
  ``doc_year_missing``: names a kind of document and a year, and no document that may be of that kind
  is of that year (a kind, province or date guessed or missing never excludes a document);
- ``missing_number``: names a document number that no document has and no unit mentions;
- ``kind_unmet``: asks for a quantity / an agency / a time that none of the top 3 units states;
  ``detail_unmet``: asks for a person, a contact or a sum of money that none of them states;
- ``result_asked``: asks for an actual result ("thực tế đạt", "đã có bao nhiêu") and no top unit states one;
- ``named_doc``: the top unit's document is the one the question names;
- ``vague``: fewer than two content syllables ("là sao", "bao nhiêu cơ");
- ``verify_top`` / ``verify_best``: the semantic verifier's P(this clause answers this question)
  (:mod:`index.verify`, late interaction over the e5 token states) for the top unit / the best of the
  top 3; unknown (the average, see :class:`Logistic`) in an index built without a verifier.

Candidate features (``CANDIDATE_FEATURES``): fused score relative to the top, reciprocal ranks in the
three lists, cosine, coverage (index fields; the unit's own text; its syllable pairs; its heading),
kind met, year / place / document agreement, unit kind and length, the semantic verifier's score.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import re
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from corpus.text import fold, match_form
from corpus.vocab import AGENCY_OR_ROLE as _AGENCY
from corpus.vocab import DETAILS, PLACES, TYPE_WORDS, places_in
from corpus.vocab import DOC_NUMBER_MENTION as DOC_NUMBER
from corpus.vocab import QUANTITY as _QUANTITY
from corpus.vocab import TIME_MENTION as _TIME
from corpus.vocab import TOPIC_STOP_WORDS as STOP
from corpus.vocab import TYPE_ABBREVIATIONS as _TYPE_ABBREVIATIONS
from index.query import Query

log = logging.getLogger(__name__)

MODEL_FILE = Path(__file__).with_name("answerability.json")
FEATURE_VERSION = 6
# features that alone decide: when one holds, the documents cannot answer, whatever the model says
# (none holds for any answerable dev question); each is also the reason the answer gives
VETOES = ("vague", "unknown_place", "doc_year_missing", "missing_year", "missing_number", "place_mismatch",
          "detail_unmet", "result_asked")

QUESTION_FEATURES = ("dense_top", "dense_best", "coverage_top", "coverage_best", "oov", "terms", "rare_missing",
                     "missing_mass", "bigram_top", "bigram_best", "text_top", "text_best", "agree", "overlap",
                     "margin", "unknown_place", "place_mismatch", "missing_year", "doc_year_missing", "missing_number",
                     "kind_unmet", "detail_unmet", "result_asked", "named_doc", "vague", "verify_top", "verify_best")
CANDIDATE_FEATURES = ("relative_score", "rr_bm25", "rr_folded", "rr_dense", "dense", "coverage", "text_coverage",
                      "text_pairs", "heading_coverage", "kind_met",
                      "year_match", "place_match", "doc_named", "is_row", "is_header", "log_length", "verify")

ASKS_QUANTITY = re.compile(r"\b(bao nhieu|ty le|so luong|phan tram|may (lop|doan|nguoi|lan|thang|ngay|nhiem vu|ty|"
                            r"trieu))\b|%")
_ASKS_RESULT = re.compile(r"\b(thuc te|da dat|dat duoc|ket qua (dat|khao sat|danh gia)|thuc hien duoc|"
                          r"da (co|duoc|lam|thuc hien|hoan thanh|to chuc|boi duong|cap)|tinh hinh thuc hien|"
                          r"hien (co|nay co)|xep thu may|dung thu may|co bao nhieu (hoc vien|nguoi|ho so|can bo)|"
                          r"da \w+( \w+){0,6} chua|xong chua|den nay|luot tai|phat hien bao nhieu|co vao top)\b")
_ACHIEVED = re.compile(r"\b(da dat|dat duoc|ket qua dat duoc|da thuc hien duoc|da hoan thanh)\b")


def states_quantity(text: str) -> bool:
    """Does the unit state a count, amount or share ("10 lớp", "80%", "6 tháng/01 lần")?

    Example:
        >>> states_quantity("Tổ chức ít nhất 4 đoàn công tác"), states_quantity("Quyết định 1601/QĐ-UBND ngày 21/10/2021")
        (True, False)
    """
    return bool(_QUANTITY.search(text))


def kind_met(kinds: tuple[str, ...], text: str, quantity: bool) -> bool:
    """Does a unit state what the question's kinds ask for?"""
    for kind in kinds:
        if kind == "number" and not quantity:
            return False
        if kind == "agency" and not _AGENCY.search(text):
            return False
        if kind == "date" and not _TIME.search(text):
            return False
    return True


@dataclass
class Evidence:
    """What the feature functions need of one search: the query, the candidates and their lists."""

    query: Query
    positions: list[int]  # fused order
    scores: list[float]  # fused scores
    ranks: list[dict[str, int]]
    dense: list[float]  # cosine of the question to each candidate (exact)
    texts: list[str]
    headings: list[str]  # the nearest heading of each candidate (its breadcrumb's last part)
    kinds: list[str]  # unit kinds
    quantity: list[bool]
    doc_years: list[str]  # the candidate's document year and title (for year agreement)
    doc_places: list[str]  # folded province of the candidate's document ("" if none)
    doc_numbers: list[str]  # the candidate's document number ("" if none)
    doc_named: list[bool]  # the candidate's document is one the question names
    lexical_top5: list[int]
    dense_top5: list[int]
    known_places: set[str]  # folded provinces of the corpus
    all_doc_numbers: set[str]  # first part of every document number ("1601")
    corpus_docs: list["DocEvidence"] = ()  # what each document's own text says about it (:func:`doc_evidence`)
    corpus_numbers: frozenset[str] = frozenset()  # the question's numbers that some unit holds
    doc_evidence: list["DocEvidence"] = ()  # per candidate: its document's :class:`DocEvidence`
    evidence_places: frozenset[str] = frozenset()  # provinces some document's title or header, or some unit, names
    verified: list[float] | None = None  # the semantic verifier's P(answers) per candidate (None: no verifier)

    def reordered(self, order: list[int]) -> "Evidence":
        """The same evidence with its candidates in ``order`` (after a rerank)."""
        return replace(self, **{f.name: [getattr(self, f.name)[j] for j in order] for f in fields(self)
                                if f.name in _PER_CANDIDATE and getattr(self, f.name) is not None})


_PER_CANDIDATE = ("positions", "scores", "ranks", "dense", "texts", "headings", "kinds", "quantity", "doc_years",
                  "doc_places", "doc_numbers", "doc_named", "doc_evidence", "verified")


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


_CONTACT_ASKED = re.compile(r"\b(so dien thoai|hotline|duong day nong)\b|"
                            r"\b(dien thoai|email|thu dien tu|dia chi lien he|lien he)"
                            r"( \w+){0,3} (la gi|la bao nhieu|la so nao|gi|nao|o dau|bao nhieu|the nao)\b")
_AMOUNT_ASKED = re.compile(r"\b(bao nhieu|la bao nhieu|may trieu|may ty|tong kinh phi|du toan)\b")
_PERSON_NAMED = re.compile(r"\b(ai|ong|ba|nguoi|chu tich|giam doc|bi thu|truong|pho|can bo|lanh dao|dong chi)\b")
_RATE_ASKED = re.compile(r"\b(phan tram|ty le|bao nhieu lan|may lan)\b|%")


def asked_details(query: Query) -> list[str]:
    """The details (:data:`corpus.vocab.DETAILS`) the question asks for: a contact only when it asks
    what it is ("số điện thoại … là gì"), not when it names a system ("quy chế thư điện tử công vụ"); a
    sum of money only when an amount is asked, not a rate ("mức chi bằng bao nhiêu phần trăm") nor who
    decides it; a name only of a person ("xã mới tên gì" asks a place's name)."""
    folded = query.folded
    out = []
    for name, (asks, _has) in DETAILS.items():
        if not asks.search(folded):
            continue
        if name == "contact" and not _CONTACT_ASKED.search(" ".join(re.findall(r"\w+", folded))):
            continue
        if name == "money" and (_RATE_ASKED.search(folded) or not _AMOUNT_ASKED.search(folded)):
            continue
        if name == "person" and re.search(r"\bten (la )?gi\b", folded) and not _PERSON_NAMED.search(
                re.sub(r"\bten (la )?gi\b", " ", folded)):
            continue  # "xã mới tên gì": the name of a place, not of a person
        out.append(name)
    return out


def detail_unmet(query: Query, texts: list[str]) -> bool:
    """The question asks for a person, a contact or a sum of money that none of ``texts`` states."""
    return any(not any(DETAILS[name][1].search(t) for t in texts) for name in asked_details(query))


class DocEvidence(NamedTuple):
    """What a document's own text (its title and header unit) says about it, for the vetoes: a
    metadata field counts only when it was read from the document, never when it was guessed."""

    places: frozenset[str]  # canonical provinces (:func:`canonical_place`) its title or header names
    subject: str  # its title and header without the place-and-date line and document numbers
    issued: str | None  # its year of issue (the date read, or the header's date line); None: unknown
    kinds: tuple[str, ...] | None  # its kinds when read; None when guessed (it may be any kind)


_DATE_LINE = re.compile(r"(?:[^\W\d_][\w.]*\s+){0,4}[^\W\d_][\w.]*\s*,\s*ngày\s*\d{0,2}\s*tháng\s*\d{0,2}\s*năm\s*"
                        r"(?:19|20)\d{2}|ngày\s*\d{1,2}\s*(?:tháng\s*\d{1,2}\s*năm\s*|/\s*\d{1,2}\s*/\s*)(?:19|20)\d{2}",
                        re.I)
_ISSUE_YEAR = re.compile(r"ngày\s*\d{0,2}\s*tháng\s*\d{0,2}\s*năm\s*((?:19|20)\d{2})|"
                         r"ngày\s*\d{1,2}\s*/\s*\d{1,2}\s*/\s*((?:19|20)\d{2})", re.I)
_NUMBER_WITH_YEAR = re.compile(r"\d{1,5}\s*/\s*(?:19|20)\d{2}\s*/\s*[\wĐđ.&-]+")
_PERIOD_ASKED = re.compile(r"\b(?:19|20)\d{2}\s*[-–]\s*(?:19|20)\d{2}\b|"
                           r"\b(?:tu\s+)?(?:nam\s+)?(?:19|20)\d{2}\s+(?:den|toi)\s+(?:nam\s+)?(?:19|20)\d{2}\b")
_NUMBER_YEAR_ASKED = re.compile(r"\d{1,5}\s*/\s*(?:19|20)\d{2}\s*/")


_ABOUT_DOCUMENT = re.compile(
    r"\b(so hieu|ky hieu|so may|so bao nhieu|so van ban|ngay ban hanh|ban hanh (ngay|khi|luc|nam|thang|vao)|"
    r"ngay ky|ky (ngay|khi|luc|vao|thang)|ai ky|nguoi ky|do ai|ai ban hanh|(co quan|don vi|cap) nao ban hanh|"
    r"(co quan|don vi) ban hanh|trich yeu|ten (goi )?(day du )?(cua )?(van ban|ke hoach|quyet dinh|de an|thong tu|"
    r"nghi quyet|chi thi|cong van|nghi dinh)|(ve viec|ve van de|noi dung) gi|ve viec nao|"
    r"(la|thuoc) (loai )?van ban (gi|nao)|(van ban|quyet dinh|ke hoach|thong tu|nghi dinh|nghi quyet|chi thi|"
    r"cong van|cong dien|thong bao|to trinh|de an) (so )?nao|(gui|kinh gui) (ai|cho ai|nhung ai|co quan nao))\b")


def asks_about_document(query: Query) -> bool:
    """The question asks about a document itself — its number, date, issuer, signer, addressees or
    subject — which its title and header units answer; any other question is answered by its body.

    Example:
        >>> from index.query import analyse
        >>> asks_about_document(analyse("QĐ 1378 do ai ký, ban hành ngày nào")), asks_about_document(analyse(
        ...     "thời tiết ngày mai thế nào"))
        (True, False)
    """
    return bool(_ABOUT_DOCUMENT.search(query.folded))


def header_last(kinds: list[str], query: Query) -> list[int]:
    """The order of candidates with ``kinds`` in which a document's header unit (its title block) comes
    after the other units, unless the question asks about the document itself."""
    order = list(range(len(kinds)))
    if asks_about_document(query) or not any(k == "header" for k in kinds):
        return order
    return [j for j in order if kinds[j] != "header"] + [j for j in order if kinds[j] == "header"]


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


def places_mentioned(lexical, places: frozenset[str]) -> frozenset[str]:
    """Those of ``places`` that some unit names (all the syllable pairs of one way of naming it in one
    unit, from the folded field's postings)."""
    out = set()
    for place in places:
        for words in _place_forms().get(place, [place.split()]):
            terms = [f"{a}_{b}" for a, b in zip(words, words[1:])] or words
            postings = lexical.postings(terms, "folded")
            if any(p is None or not len(p) for p in postings):
                continue
            common = postings[0]
            for posting in postings[1:]:
                common = np.intersect1d(common, posting, assume_unique=True)
            if len(common):
                out.add(place)
                break
    return frozenset(out)


def single_years(query: Query) -> tuple[str, ...]:
    """The years the question asks about one by one: not those of a period ("giai đoạn 2026-2030",
    "từ 2026 đến 2030") nor of a document number ("45/2025/QĐ-UBND").

    Example:
        >>> from index.query import analyse
        >>> single_years(analyse("KH 45/2025/KH-UBND giai đoạn 2026 - 2030 năm 2027"))
        ('2027',)
    """
    rest = _PERIOD_ASKED.sub(" ", _NUMBER_YEAR_ASKED.sub(" ", query.folded))
    return tuple(y for y in query.years if re.search(rf"\b{y}\b", rest))


def document_places(title: str, header: str, texts: list[str]) -> tuple[str, ...]:
    """The canonical provinces a document is about, from its own text: those its title and header name
    (without the place-and-date line, where it was signed); when they name none (a header cut short),
    the province its units name most, if named at least twice and in most of their mentions.

    Example:
        >>> document_places("Kế hoạch", "ỦY BAN NHÂN DÂN TỈNH", ["… tỉnh Bình Định …", "UBND tỉnh Bình Định", "Hà Nội"])
        ('binh dinh',)
    """
    named = places_named(_NUMBER_WITH_YEAR.sub(" ", _DATE_LINE.sub(" ", f"{title}\n{header}")))
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
    subject = _NUMBER_WITH_YEAR.sub(" ", _DATE_LINE.sub(" ", f"{doc.title}\n{header}"))
    places = frozenset(getattr(doc, "places", ())) or places_named(subject)
    if doc.province and read("province"):
        places |= places_named(doc.province) or {fold(match_form(doc.province))}
    if doc.issuer and read("issuer"):
        places |= places_named(doc.issuer)
    issued = str(doc.year) if doc.year and read("date") else None
    if issued is None:
        found = _ISSUE_YEAR.search(header)
        issued = next((g for g in found.groups() if g), None) if found else None
    kinds = None
    if read("type"):
        kinds = tuple(doc.types) + (("Quyết định",) if "/QĐ" in (doc.number or "") else ())
    return DocEvidence(places, subject, issued, kinds)


def doc_year_missing(query: Query, corpus_docs: list[DocEvidence]) -> bool:
    """The question names a kind of document and a year ("Kế hoạch CCHC năm 2024"), and no document
    that may be of that kind (and of the province it names) has that year in its title, header or a
    period they name (or, for a decision, as its year of issue). A document whose kind, province or
    year of issue was not read may be the one asked for: it never makes this hold."""
    padded = f" {query.folded} "
    wanted = [name for key, name in TYPE_WORDS.items() if f" {key} " in padded] + \
        [name for key, name in _TYPE_ABBREVIATIONS.items() if f" {key} " in padded]
    years = single_years(query)
    if not wanted or not years:
        return False
    places = asked_places(query)
    for doc in corpus_docs:
        if doc.kinds is not None and not any(w in doc.kinds for w in wanted):
            continue
        if places and doc.places and not doc.places & places:
            continue
        if not doc.subject.strip():
            return False
        for year in years:
            if _in_title(year, doc.subject):
                return False
            if "Quyết định" in wanted and (doc.issued is None or year == doc.issued):
                return False
    return True


_RANGE = re.compile(r"((?:19|20)\d{2})\s*[-–]\s*((?:19|20)\d{2})")
_ISSUANCE = re.compile(r"\b(ban hanh|ky|ngay nao|thang may|thang nao)\b")


def _in_title(year: str, title: str) -> bool:
    """The year is in a document's title or inside a period it names ("giai đoạn 2022 - 2025")."""
    return year in title or any(start <= year <= end for start, end in _RANGE.findall(title))


def _year_match(query: Query, text: str, doc_year: str) -> bool:
    """A year the question names is in the unit, in its document's title or period, or — for a
    question about issuance — the document's year of issue (a plan for 2025 is issued in 2024: that
    does not make it a plan about 2024)."""
    issued, _, title = doc_year.partition(" ")
    return not query.years or any(y in text or _in_title(y, title) or (y == issued and _ISSUANCE.search(query.folded))
                                  for y in query.years)


def year_evidenced(query: Query, years: tuple[str, ...], text: str, doc: DocEvidence) -> bool:
    """One of ``years`` is in the unit, in its document's title or header (or a period they name), or —
    for a question about issuance — the document's year of issue, also when that year is unknown."""
    issuance = bool(_ISSUANCE.search(query.folded))
    return any(y in text or _in_title(y, doc.subject) or (issuance and doc.issued in (None, y)) for y in years)


def _conflicts(ev: Evidence, j: int, asked: frozenset[str], named: frozenset[str]) -> bool:
    """Candidate ``j``'s document names provinces in its own text, none asked, nor does the unit."""
    doc = ev.doc_evidence[j]
    return bool(doc.places) and not doc.places & asked and not named & asked


def place_vetoes(ev: Evidence, top: range) -> tuple[bool, bool]:
    """(``unknown_place``, ``place_mismatch``) from the documents' own text: a named province is
    unknown when no document's title or header and no unit names it; the evidence is of another
    province when every top unit's document names provinces in its title or header, none of them
    asked, and the units name none either. A document whose text names no province never mismatches."""
    asked = asked_places(ev.query)
    if not asked:
        return False, False
    in_units = [places_named(ev.texts[j]) for j in top]
    unknown = any(p not in ev.evidence_places and not any(p in named for named in in_units) for p in asked)
    mismatch = all(_conflicts(ev, j, asked, in_units[i]) for i, j in enumerate(top))
    return unknown, mismatch


def place_last(ev: Evidence, query: Query) -> list[int]:
    """The order of ``ev``'s candidates in which those of another province than the one asked (by
    their documents' own text) come after the others."""
    order = list(range(len(ev.positions)))
    asked = asked_places(query)
    if not asked or not ev.doc_evidence:
        return order
    other = [_conflicts(ev, j, asked, places_named(ev.texts[j])) for j in order]
    return [j for j in order if not other[j]] + [j for j in order if other[j]]


def question_features(ev: Evidence, stats: TermStats) -> dict[str, float]:
    """The answerability features of one search (see the module docstring)."""
    q = ev.query
    top3 = range(min(3, len(ev.positions)))
    if not ev.positions:
        return {name: 0.0 for name in QUESTION_FEATURES} | {"kind_unmet": 1.0, "oov": stats.oov,
                                                           "vague": float(stats.count < 2)}
    coverages = [stats.coverage(j) for j in top3]
    pairs = [stats.pair_coverage(j) for j in top3]
    own = [stats.own_coverage(ev.texts[j])[0] for j in top3]
    rare_missing, missing_mass = stats.missing(0)
    agree = sum(1 for name in ("bm25", "bm25_folded", "dense") if ev.ranks[0].get(name, 99) <= 3)
    overlap = len(set(ev.lexical_top5) & set(ev.dense_top5)) / 5.0
    margin = (ev.scores[0] - ev.scores[1]) / ev.scores[0] if len(ev.scores) > 1 and ev.scores[0] > 0 else 1.0
    unknown_place, place_mismatch = place_vetoes(ev, top3)
    years = single_years(q)
    missing_year = bool(years) and not any(year_evidenced(q, years, ev.texts[j], ev.doc_evidence[j]) for j in top3)
    asked_numbers = {m.group(1) for m in DOC_NUMBER.finditer(q.text)} | \
        {n for n in q.numbers if len(n) >= 3 and not re.fullmatch(r"(?:19|20)\d{2}", n)}
    missing_number = any(n not in ev.all_doc_numbers and n not in ev.corpus_numbers for n in asked_numbers)
    kinds = tuple(k for k in q.kinds if k in ("number", "agency", "date"))
    kind_unmet = bool(kinds) and not any(kind_met(kinds, ev.texts[j], ev.quantity[j]) for j in top3)
    details = detail_unmet(q, [ev.texts[j] for j in top3])
    result_asked = bool(_ASKS_RESULT.search(q.folded)) and not ({"date", "agency"} & set(q.kinds)) and \
        not any(_ACHIEVED.search(fold(match_form(ev.texts[j]))) for j in top3)
    return {
        "dense_top": ev.dense[0], "dense_best": max(ev.dense[j] for j in top3),
        "coverage_top": coverages[0], "coverage_best": max(coverages), "oov": stats.oov,
        "terms": math.log1p(stats.count), "rare_missing": rare_missing, "missing_mass": missing_mass,
        "bigram_top": pairs[0], "bigram_best": max(pairs), "text_top": own[0], "text_best": max(own),
        "agree": float(agree), "overlap": overlap, "margin": margin,
        "unknown_place": float(unknown_place), "place_mismatch": float(place_mismatch),
        "missing_year": float(missing_year), "doc_year_missing": float(doc_year_missing(q, ev.corpus_docs)),
        "missing_number": float(missing_number), "kind_unmet": float(kind_unmet), "detail_unmet": float(details),
        "result_asked": float(result_asked), "named_doc": float(ev.doc_named[0]), "vague": float(stats.count < 2),
        # without a verifier (the hashing embedder, an index built without a head): unknown, see Logistic
        "verify_top": ev.verified[0] if ev.verified else math.nan,
        "verify_best": max(ev.verified[j] for j in top3) if ev.verified else math.nan,
    }


def candidate_features(ev: Evidence, stats: TermStats, j: int) -> dict[str, float]:
    """The rerank features of candidate ``j``."""
    q = ev.query
    kinds = tuple(k for k in q.kinds if k in ("number", "agency", "date"))
    ranks = ev.ranks[j]
    own, own_pairs = stats.own_coverage(ev.texts[j])
    return {
        "relative_score": ev.scores[j] / ev.scores[0] if ev.scores[0] > 0 else 0.0,
        "rr_bm25": 1.0 / ranks.get("bm25", 1000), "rr_folded": 1.0 / ranks.get("bm25_folded", 1000),
        "rr_dense": 1.0 / ranks.get("dense", 1000), "dense": ev.dense[j], "coverage": stats.coverage(j),
        "text_coverage": own, "text_pairs": own_pairs, "heading_coverage": stats.own_coverage(ev.headings[j])[0],
        "kind_met": float(not kinds or kind_met(kinds, ev.texts[j], ev.quantity[j])),
        "year_match": float(_year_match(q, ev.texts[j], ev.doc_years[j])) if q.years else 0.5,
        "place_match": (float(ev.doc_places[j] in q.places) if q.places else 0.5),
        "doc_named": float(ev.doc_named[j]),
        "is_row": float(ev.kinds[j] == "table_row"), "is_header": float(ev.kinds[j] == "header"),
        "log_length": math.log1p(len(ev.texts[j])) / 8.0,
        "verify": ev.verified[j] if ev.verified else math.nan,
    }


@dataclass
class Logistic:
    """A standardised logistic model: p = σ(w · (x − mean) / scale + b)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def probability(self, rows: list[dict[str, float]]) -> np.ndarray:
        x = np.array([[row[f] for f in self.features] for row in rows], dtype=np.float64)
        x = np.where(np.isnan(x), self.mean, x)  # an unknown feature (no verifier) counts as the average one
        z = ((x - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict:
        return {"features": list(self.features), "mean": self.mean.round(8).tolist(),
                "scale": self.scale.round(8).tolist(), "weights": self.weights.round(8).tolist(),
                "bias": round(float(self.bias), 8)}

    @classmethod
    def from_json(cls, data: dict) -> "Logistic":
        return cls(tuple(data["features"]), np.array(data["mean"]), np.array(data["scale"]), np.array(data["weights"]),
                   float(data["bias"]))


def veto(features: dict[str, float]) -> str | None:
    """The first veto feature that holds, or None."""
    return next((name for name in VETOES if features.get(name)), None)


@dataclass
class AnswerabilityModel:
    """The two models and the abstention threshold (the lowest answerable probability answered)."""

    answerable: Logistic
    rerank: Logistic
    threshold: float
    feature_version: int = FEATURE_VERSION
    trained_on: dict | None = None

    def decide(self, features: dict[str, float]) -> tuple[float, str | None]:
        """(probability that the documents answer, why not: a veto name, "low_confidence" or None).

        A veto is given as the reason only when the documents have the topic — the probability with
        the vetoes left out clears the threshold — so "Các văn bản hiện có không có … của tỉnh X" is said
        of a CCHC question about another province, not of a question about air fares to Hà Nội.
        """
        p = float(self.answerable.probability([features])[0])
        reason = veto(features)
        if reason is not None:
            topic = float(self.answerable.probability([{**features, **{v: 0.0 for v in VETOES}}])[0])
            return p, reason if topic >= self.threshold else "low_confidence"
        return p, "low_confidence" if p < self.threshold else None

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "AnswerabilityModel | None":
        """The model in ``path``, or None if there is none or it was made for other features."""
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("feature_version") != FEATURE_VERSION:
            log.warning("%s was trained for features v%s, this code computes v%d: abstaining by the hand "
                        "thresholds; rebuild the index (hoidap index) or retrain (hoidap eval --train-abstain)",
                        path, data.get("feature_version"), FEATURE_VERSION)
            return None
        return cls(Logistic.from_json(data["answerable"]), Logistic.from_json(data["rerank"]), float(data["threshold"]),
                   data["feature_version"], data.get("trained_on"))

    def save(self, path: Path) -> None:
        data = {"feature_version": self.feature_version, "threshold": round(self.threshold, 6),
                "answerable": self.answerable.to_json(), "rerank": self.rerank.to_json(), "trained_on": self.trained_on}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

"""The features of one search: one row per question (answerability: is the question answered by the
top units at all?) and one row per candidate (rerank: how likely is this unit to hold the answer?).

They describe the *match* between the question and the retrieved units, never particular words, so
they keep working when admins add documents. Question features (``QUESTION_FEATURES``):

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
  none of the top 3 units mentions, nor their documents' titles or headers; or a period one of whose first
  and last years none of them names, nor a period they name holds ("2022 - 2028" of a plan for 2022 - 2025);
  ``doc_year_missing``: names a kind of document and a year, and no document that may be of that kind
  is of that year (a kind, province or date guessed or missing never excludes a document), and it names
  no document by a number one has;
- ``missing_number``: names a document number that no document has and no unit mentions;
  ``missing_item``: names an element by its number ("nhiệm vụ 3.47", "Điều 12") that none of the documents
  it is about carries (:mod:`index.items`);
- ``doc_missing_top`` / ``doc_missing_best``: IDF-weighted share of the question's syllables that no unit of
  the top unit's document holds / the least of the top 3's documents; ``doc_pairs_missing``: the same for its
  syllable pairs and the top unit's document (a qualifier the document never states: "lớp bồi dưỡng ngoại ngữ");
- ``kind_unmet``: asks for a quantity / an agency / a time that none of the top 3 units states;
  ``detail_unmet``: asks for a person, a contact or a sum of money that none of them states;
- ``result_asked``: asks for an actual result ("thực tế đạt", "đã có bao nhiêu") and no top unit states one;
- ``named_doc``: the top unit's document is one the question singles out (:func:`index.filters.singled_out`:
  a province or year that dozens of documents share names none of them);
- ``vague``: fewer than two content syllables ("là sao", "bao nhiêu cơ");
- ``verify_top`` / ``verify_best``: the semantic verifier's P(this clause answers this question)
  (:mod:`index.verify`, late interaction over the e5 token states) for the top unit / the best of the
  top 3; unknown (the average, see :class:`index.answerability.model.Logistic`) in an index built without a verifier;
- ``GROWTH_FEATURES``, computed but not fitted by the shipped model (``eval.train_answerability``): how the
  top unit stands out of the pool (the fused top ``RERANK_POOL``), which a corpus of any size makes: when
  hundreds of documents compete, a question they do not answer still finds units holding most of its words, but
  many of them, in many documents, none far above the rest. ``rerank_top`` / ``rerank_gap``: the rerank model's
  probability for the top unit / its lead over the second; ``doc_spread``: distinct documents among the top 5
  (over 5); ``coverage_standout`` / ``dense_standout``: the top unit's coverage / cosine above the pool's tail
  (from the 5th on); ``coverage_over_other`` / ``dense_over_other`` / ``pairs_over_other``: the best of the top
  unit's document over the best of the other documents in the pool (syllables, cosine, syllable pairs). A document
  whose best unit covers the question within ``AGREE_MARGIN`` of the top unit's document agrees with it (a copy, a
  plan and its report state the same thing) and is left out of the spread, the tail and the other documents.

Candidate features (``CANDIDATE_FEATURES``): fused score relative to the top, reciprocal ranks in the
three lists, cosine, coverage (index fields; the unit's own text; its syllable pairs; its heading),
kind met, year / place / document agreement, unit kind and length, the semantic verifier's score.
"""

from __future__ import annotations

import math
import re

import numpy as np

from corpus.text import fold, match_form
from corpus.vocab import ACHIEVED, AGENCY_OR_ROLE, ASKS_DOC_NUMBER, ASKS_ISSUANCE, ASKS_RESULT, FACT_KINDS, TIME_MENTION
from corpus.vocab import DOC_NUMBER as DOC_NUMBER_FORM
from corpus.vocab import DOC_NUMBER_MENTION as DOC_NUMBER
from index.answerability.evidence import Evidence, asked_periods, single_years
from index.answerability.terms import TermStats
from index.answerability.vetoes import detail_unmet, doc_year_missing, in_title, place_vetoes, year_evidenced
from index.query import Query

FEATURE_VERSION = 7  # a model trained for other features is not used (index.answerability.model)
# how the top unit stands out of the pool the search found, whatever the corpus's size (:func:`growth_features`);
# computed with the others, fitted only by ``hoidap eval --train-abstain --growth-features`` (not by the shipped model:
# docs/benchmarks.md, "Corpus growth")
GROWTH_FEATURES = ("rerank_top", "rerank_gap", "doc_spread", "coverage_standout", "dense_standout",
                   "coverage_over_other", "dense_over_other", "pairs_over_other")
AGREE_MARGIN = 0.1  # a document whose best unit covers the question this close to the top document's agrees with it
QUESTION_FEATURES = ("dense_top", "dense_best", "coverage_top", "coverage_best", "oov", "terms", "rare_missing",
                     "missing_mass", "bigram_top", "bigram_best", "text_top", "text_best", "agree", "overlap",
                     "margin", "unknown_place", "place_mismatch", "missing_year", "doc_year_missing", "missing_number",
                     "kind_unmet", "detail_unmet", "result_asked", "named_doc", "vague", "verify_top", "verify_best",
                     "missing_item", "doc_missing_top", "doc_missing_best", "doc_pairs_missing")
CANDIDATE_FEATURES = ("relative_score", "rr_bm25", "rr_folded", "rr_dense", "dense", "coverage", "text_coverage",
                      "text_pairs", "heading_coverage", "kind_met",
                      "year_match", "place_match", "doc_named", "is_row", "is_header", "log_length", "verify")


def asks_doc_number(query: Query) -> bool:
    """Does the question ask for a document's number ("theo tờ trình số mấy", "quyết định số bao nhiêu")?
    Its "số mấy" is then met by a document number, which is not a quantity (as in :mod:`hoidap.facts`).

    Example:
        >>> from index.query import analyse
        >>> asks_doc_number(analyse("ban hành theo tờ trình số mấy")), asks_doc_number(analyse("có bao nhiêu lớp"))
        (True, False)
    """
    return bool(ASKS_DOC_NUMBER.search(query.folded)) and any(t in query.folded for t in FACT_KINDS)


def kind_met(kinds: tuple[str, ...], text: str, quantity: bool, doc_number: bool = False) -> bool:
    """Does a unit state what the question's kinds ask for? ``doc_number``: the question asks for a
    document's number, which a unit naming one ("2872/TTr-SNV") states."""
    for kind in kinds:
        if kind == "number" and not quantity and not (doc_number and DOC_NUMBER_FORM.search(text)):
            return False
        if kind == "agency" and not AGENCY_OR_ROLE.search(text):
            return False
        if kind == "date" and not TIME_MENTION.search(text):
            return False
    return True


def year_match(query: Query, text: str, doc_year: str) -> bool:
    """A year the question names is in the unit, in its document's title or period, or — for a
    question about issuance — the document's year of issue (a plan for 2025 is issued in 2024: that
    does not make it a plan about 2024)."""
    issued, _, title = doc_year.partition(" ")
    return not query.years or any(y in text or in_title(y, title) or (y == issued and ASKS_ISSUANCE.search(query.folded))
                                  for y in query.years)


def question_features(ev: Evidence, stats: TermStats) -> dict[str, float]:
    """The answerability features of one search (see the module docstring)."""
    q = ev.query
    if not ev.candidates:
        return {name: 0.0 for name in QUESTION_FEATURES + GROWTH_FEATURES} | {"kind_unmet": 1.0, "oov": stats.oov,
                                                           "vague": float(stats.count < 2)}
    first = ev.candidates[0]
    top3 = range(min(3, len(ev.candidates)))
    top = ev.candidates[:3]
    coverages = [stats.coverage(j) for j in top3]
    pairs = [stats.pair_coverage(j) for j in top3]
    own = [stats.own_coverage(c.text)[0] for c in top]
    rare_missing, missing_mass = stats.missing(0)
    agree = sum(1 for name in ("bm25", "bm25_folded", "dense") if first.ranks.get(name, 99) <= 3)
    overlap = len(set(ev.lexical_top5) & set(ev.dense_top5)) / 5.0
    scores = [c.score for c in ev.candidates]
    margin = (scores[0] - scores[1]) / scores[0] if len(scores) > 1 and scores[0] > 0 else 1.0
    unknown_place, place_mismatch = place_vetoes(ev, top3)
    years = single_years(q)
    # the unit or the heading it stands under ("1. Mục tiêu đến hết năm 2026" over its bullets)
    missing_year = bool(years) and not any(year_evidenced(q, years, f"{c.text} {c.heading}", c.doc) for c in top)
    # a period asked ("giai đoạn 2022 - 2028") one of whose years no top unit, heading or document title names,
    # nor a period they name holds: the documents end before it (or start after it)
    missing_year = missing_year or any(
        not any(in_title(y, f"{c.text} {c.heading} {c.doc.subject}") for c in top) for period in asked_periods(q) for y in period)
    asked_numbers = {m.group(1) for m in DOC_NUMBER.finditer(q.text)} | \
        {n for n in q.numbers if len(n) >= 3 and not re.fullmatch(r"(?:19|20)\d{2}", n)}
    missing_number = any(n not in ev.all_doc_numbers and n not in ev.corpus_numbers for n in asked_numbers)
    kinds = tuple(k for k in q.kinds if k in ("number", "agency", "date"))
    doc_number = asks_doc_number(q)
    kind_unmet = bool(kinds) and not any(kind_met(kinds, c.text, c.quantity, doc_number) for c in top)
    details = detail_unmet(q, [c.text for c in top])
    result_asked = bool(ASKS_RESULT.search(q.folded)) and not ({"date", "agency"} & set(q.kinds)) and \
        not any(ACHIEVED.search(fold(match_form(c.text))) for c in top)
    verified = ev.verified
    doc_missing = [stats.doc_missing(j) for j in top3]
    return {
        "dense_top": first.dense, "dense_best": max(c.dense for c in top),
        "coverage_top": coverages[0], "coverage_best": max(coverages), "oov": stats.oov,
        "terms": math.log1p(stats.count), "rare_missing": rare_missing, "missing_mass": missing_mass,
        "bigram_top": pairs[0], "bigram_best": max(pairs), "text_top": own[0], "text_best": max(own),
        "agree": float(agree), "overlap": overlap, "margin": margin,
        "unknown_place": float(unknown_place), "place_mismatch": float(place_mismatch),
        "missing_year": float(missing_year),
        "doc_year_missing": float(doc_year_missing(q, ev.corpus_docs, ev.all_doc_numbers, [c.text for c in top])),
        "missing_number": float(missing_number), "kind_unmet": float(kind_unmet), "detail_unmet": float(details),
        "result_asked": float(result_asked), "named_doc": float(first.doc_named), "vague": float(stats.count < 2),
        # without a verifier (the hashing embedder, an index built without a head): unknown, see Logistic
        "verify_top": verified[0] if verified else math.nan,
        "verify_best": max(verified[j] for j in top3) if verified else math.nan,
        "missing_item": float(bool(ev.missing_items)),
        "doc_missing_top": doc_missing[0][0], "doc_missing_best": min(m[0] for m in doc_missing),
        "doc_pairs_missing": doc_missing[0][1],
    } | growth_features(ev, stats)


def growth_features(ev: Evidence, stats: TermStats) -> dict[str, float]:
    """How the top unit stands out of the pool the search found (:data:`GROWTH_FEATURES`): a question the
    documents do not answer finds, among many documents, many units that share some of its words; one they
    answer finds one unit (or one document) that holds clearly more of them than the rest of the pool."""
    cands = ev.candidates
    n = len(cands)
    coverage = [stats.coverage(j) for j in range(n)]
    pairs = [stats.pair_coverage(j) for j in range(n)]
    dense = [c.dense for c in cands]
    reranked = [c.rerank for c in cands] if cands[0].rerank is not None else [c.score / cands[0].score if cands[0].score
                                                                               else 0.0 for c in cands]
    top_doc = [j for j in range(n) if cands[j].doc_id == cands[0].doc_id]

    def best(values: list[float], chosen) -> float:
        return max((values[j] for j in chosen), default=0.0)

    # another document that covers the question about as well as the top unit's one states the same thing
    # (a copy, a plan and its report): it agrees with the top unit rather than competing with it
    floor = best(coverage, top_doc) - AGREE_MARGIN
    agreeing = {cands[j].doc_id for j in range(n) if coverage[j] >= floor} - {cands[0].doc_id}
    others = [j for j in range(n) if cands[j].doc_id not in agreeing | {cands[0].doc_id}]
    tail = [j for j in range(min(4, n - 1), n) if cands[j].doc_id not in agreeing] if n > 1 else []

    return {
        "rerank_top": reranked[0], "rerank_gap": reranked[0] - (reranked[1] if n > 1 else 0.0),
        "doc_spread": len({c.doc_id for c in cands[:5] if c.doc_id not in agreeing}) / 5.0,
        "coverage_standout": coverage[0] - (float(np.mean([coverage[j] for j in tail])) if tail else 0.0),
        "dense_standout": dense[0] - (float(np.mean([dense[j] for j in tail])) if tail else 0.0),
        "coverage_over_other": best(coverage, top_doc) - best(coverage, others),
        "dense_over_other": best(dense, top_doc) - best(dense, others),
        "pairs_over_other": best(pairs, top_doc) - best(pairs, others),
    }


def candidate_features(ev: Evidence, stats: TermStats, j: int) -> dict[str, float]:
    """The rerank features of candidate ``j``."""
    q = ev.query
    c = ev.candidates[j]
    top_score = ev.candidates[0].score
    kinds = tuple(k for k in q.kinds if k in ("number", "agency", "date"))
    own, own_pairs = stats.own_coverage(c.text)
    return {
        "relative_score": c.score / top_score if top_score > 0 else 0.0,
        "rr_bm25": 1.0 / c.ranks.get("bm25", 1000), "rr_folded": 1.0 / c.ranks.get("bm25_folded", 1000),
        "rr_dense": 1.0 / c.ranks.get("dense", 1000), "dense": c.dense, "coverage": stats.coverage(j),
        "text_coverage": own, "text_pairs": own_pairs, "heading_coverage": stats.own_coverage(c.heading)[0],
        "kind_met": float(not kinds or kind_met(kinds, c.text, c.quantity, asks_doc_number(q))),
        "year_match": float(year_match(q, c.text, c.doc_year)) if q.years else 0.5,
        "place_match": (float(c.doc_place in q.places) if q.places else 0.5),
        "doc_named": float(c.doc_named),
        "is_row": float(c.kind == "table_row"), "is_header": float(c.kind == "header"),
        "log_length": math.log1p(len(c.text)) / 8.0,
        "verify": c.verified if c.verified is not None else math.nan,
    }

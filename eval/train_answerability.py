"""Training the answerability and rerank models (``hoidap eval --train-abstain``).

Deterministic: the same corpus, gold files and ALQAC folder give the same coefficients.

1. **Rerank**: for every answerable question of the train split, the fused top 10 of the shipped
   corpus, labelled by whether the unit holds the question's gold evidence; a logistic model over
   :data:`index.answerability.features.CANDIDATE_FEATURES`.
2. **Answerability**: for every train example (answerable dev questions; hand-written out-of-scope
   questions, ALQAC questions, entity-swapped dev questions as negatives), the question features of
   the reranked top units; a logistic model over :data:`index.answerability.features.QUESTION_FEATURES`,
   classes weighted equally. The veto features (:data:`index.answerability.vetoes.VETOES`) decide alone.
3. **Threshold**: the largest probability that keeps ≤ 2 % of the train split's answerable questions as
   written from abstaining (vetoes included), judged on 5-fold cross-validated probabilities (never on
   held-out questions). With ``every_style``, the 2 % are of the answerable questions as written and in
   every style, on every corpus they are matched on: a styled copy, or a match among hundreds of
   documents, is as answerable as the plain question on the shipped corpus.

``growth`` (``--growth-features``) also fits :data:`index.answerability.features.GROWTH_FEATURES` (how the
top unit stands out of the pool, the other documents in it, its tail): made for ``grown``; not in the
shipped model (docs/benchmarks.md, "Corpus growth").

With ``grown`` (``hoidap eval --train-abstain --realdocs``), every example is also matched against a
larger corpus — the shipped documents plus a real document set — so the models learn what an
answerable match looks like when hundreds of documents compete, and the real-document questions of
the ``tune`` split (``eval/gold/realdocs.jsonl``, never the held-out ones) join the training rows on it.

**Augmentation** (train split only, so the held-out figures of :mod:`eval.robust` stay held out): every
answerable train question is also asked in the styles of :mod:`eval.styles` (no diacritics, abbreviations,
typos, a background preface, synonyms) as a positive with the same evidence, and its verified near misses
(:mod:`eval.near_miss`: another indicator, a task number that does not exist) join the negatives, so
the models learn what a question asked another way and a question one entity away look like.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from core.settings import Settings
from corpus.store import Store
from eval.abstain_data import Example, build, known_doc_numbers
from eval.gold import GoldQuestion, load_gold, normalize, relevant_units
from eval.near_miss import CorpusView, near_misses
from eval.styles import variants
from index.answerability.features import CANDIDATE_FEATURES, GROWTH_FEATURES, QUESTION_FEATURES, candidate_features, \
    question_features
from index.answerability.model import MODEL_FILE, AnswerabilityModel, Logistic
from index.answerability.vetoes import veto
from index.filters import named_documents
from index.query import analyse
from index.search import RERANK_POOL, Searcher, SearchHit

log = logging.getLogger(__name__)

MAX_FALSE_ABSTAIN = 0.02
ANSWERABLE_C = 0.03  # strong regularisation: chosen on the train split's cross-validation (0.03–1 tried)
AUGMENT_STYLES = ("nodiacritics", "abbreviations", "typos", "background", "synonyms")
# the questions restyled: the answerable dev questions and the out-of-scope ones written or swapped for them
# (not ALQAC's legal questions: 514 of them, of one register)
STYLED_SOURCES = ("dev", "oos_train", "swap_province", "swap_year", "swap_docnumber")
NEAR_MISS_KINDS = ("indicator", "task")  # the year, province and number swaps are in eval.abstain_data already


@dataclass
class Match:
    """One question's candidates and features, before and after reranking."""

    hits: list[SearchHit]
    candidates: list[dict[str, float]]
    features: dict[str, float] | None = None


def match(searcher: Searcher, question: str, rerank: Logistic | None = None) -> Match:
    """The fused top candidates of ``question`` (reranked by ``rerank`` if given) and their features."""
    snap = searcher.current()
    query = analyse(question, syllables=snap.syllables)  # restored and typo-corrected, as served
    lists, vector = searcher.candidate_lists(snap, query, "hybrid", None, {})
    matched = named_documents(snap, query)
    hits = searcher.fuse(snap, lists, matched, RERANK_POOL)
    if rerank is None:
        ev, stats = searcher.evidence(snap, query, hits, lists, vector, matched)
    else:
        hits, ev, stats = searcher.rerank(snap, query, hits, lists, vector, matched, rerank)
    candidates = [candidate_features(ev, stats, j) for j in range(len(hits))]
    return Match(hits, candidates, question_features(ev, stats))


VERIFIER_FEATURES = ("verify", "verify_top", "verify_best")


def features_used(features: tuple[str, ...], verifier: bool) -> tuple[str, ...]:
    """``features`` without the semantic verifier's unless ``verifier``."""
    return features if verifier else tuple(f for f in features if f not in VERIFIER_FEATURES)


def fit_logistic(rows: list[dict[str, float]], labels: list[int], features: tuple[str, ...],
                 c: float = 1.0) -> Logistic:
    """A standardised, class-balanced logistic regression (scikit-learn's lbfgs: deterministic)."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([[row[f] for f in features] for row in rows], dtype=np.float64)
    x = np.nan_to_num(x, nan=0.0)  # a feature unknown to this index (no verifier) is constant, its weight ~0
    y = np.asarray(labels)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    model.fit((x - mean) / scale, y)
    return Logistic(features, mean, scale, model.coef_[0].astype(np.float64), float(model.intercept_[0]))


def cv_probabilities(rows: list[dict[str, float]], labels: list[int], features: tuple[str, ...], folds: int = 5,
                     c: float = 1.0) -> np.ndarray:
    """Out-of-fold probabilities, folds by position (deterministic)."""
    out = np.zeros(len(rows))
    index = np.arange(len(rows))
    for fold in range(folds):
        test = index % folds == fold
        model = fit_logistic([r for r, t in zip(rows, test) if not t], [y for y, t in zip(labels, test) if not t],
                             features, c)
        out[test] = model.probability([r for r, t in zip(rows, test) if t])
    return out


def threshold_for(probabilities: np.ndarray, max_false: float = MAX_FALSE_ABSTAIN) -> float:
    """The highest threshold under which at most ``max_false`` of these (answerable) probabilities fall."""
    ordered = np.sort(probabilities)
    allowed = int(np.floor(max_false * len(ordered)))
    return float(ordered[allowed]) - 1e-6 if len(ordered) else 0.5


def train(settings: Settings, alqac: Path | None, gold: Path | None = None, out: Path = MODEL_FILE,
          progress: Callable[[str, int, int], None] | None = None, exclude_doc: str | None = None,
          grown: tuple[Settings, list[GoldQuestion]] | None = None, augment: bool = True,
          verifier: bool = False, growth: bool = False, every_style: bool = False) -> dict:
    """Train both models on the train split and write them to ``out``; returns a summary.

    ``exclude_doc``: leave the questions about one document out of training (to check that the
    features carry over to documents the model never saw). ``grown``: the settings of a larger corpus
    holding the shipped one and the real-document questions to add on it (their ``tune`` split).
    ``augment``: add the styled copies and near misses of the train questions (see the module docstring).
    ``verifier``: fit the semantic verifier's features too (left out by default: side by side they lowered
    the held-out trust, docs/benchmarks.md), so the models are the same whether the index has a verifier.
    ``growth``, ``every_style``: the growth features, the threshold over every style (module docstring).
    """
    gold_questions = load_gold(gold) if gold else load_gold()
    examples = build(alqac=alqac) if gold is None else build(gold_dir=gold.parent, alqac=alqac)
    by_id: dict[str, GoldQuestion] = {q.id: q for q in gold_questions}
    train_examples = [e for e in examples if e.split == "train" and _kept(e, by_id, exclude_doc)]
    if augment:
        extra, extra_gold = augmented(train_examples, by_id, Store(settings.db_path))
        train_examples += extra
        by_id |= extra_gold
    # (searcher, its units, the examples matched on it, extra gold questions by id)
    corpora = [(Searcher(settings), _units(settings), train_examples, {})]
    real: list[Example] = []
    if grown is not None:
        grown_settings, questions = grown
        grown_units = _units(grown_settings)
        # an answerable question whose evidence no unit holds (a sentence split over two units) teaches
        # nothing about matches: it is left out
        tune = {q.id: q for q in questions if q.split == "tune" and (q.out_of_scope or relevant_units(q, grown_units))}
        real = [Example(q.id, q.question, not q.out_of_scope, "realdocs", "train") for q in tune.values()]
        corpora.append((Searcher(grown_settings), grown_units, train_examples + real, tune))

    # 1. rerank, on the train split's answerable questions
    rows, labels = [], []
    for searcher, units, chosen, extra in corpora:
        known = by_id | extra
        positives = [e for e in chosen if e.answerable and e.id in known]
        for done, example in enumerate(positives, 1):
            relevant = relevant_units(known[example.id], units)
            found = match(searcher, example.question)
            for hit, row in zip(found.hits, found.candidates):
                rows.append(row)
                labels.append(int(hit.unit.id in relevant))
            if progress:
                progress("rerank", done, len(positives))
    rerank = fit_logistic(rows, labels, features_used(CANDIDATE_FEATURES, verifier))

    # 2. answerability, on every train example, with the reranked order
    q_rows, q_labels, as_asked = [], [], []
    for corpus in corpora:
        searcher, chosen = corpus[0], corpus[2]
        for done, example in enumerate(chosen, 1):
            q_rows.append(match(searcher, example.question, rerank).features)
            q_labels.append(int(example.answerable))
            as_asked.append(every_style or not example.source.startswith(("style_", "near_")))
            if progress:
                progress("answerability", done, len(chosen))
    question_used = features_used(QUESTION_FEATURES + (GROWTH_FEATURES if growth else ()), verifier)
    answerable = fit_logistic(q_rows, q_labels, question_used, ANSWERABLE_C)

    # 3. the threshold, from out-of-fold probabilities of the answerable train questions as written (the
    #    styled copies shape the weights, not the threshold, unless every_style); questions a veto already
    #    stops count against the 2 % first
    oof = cv_probabilities(q_rows, q_labels, question_used, c=ANSWERABLE_C)
    positive = (np.asarray(q_labels) == 1) & np.asarray(as_asked)
    vetoed = np.array([veto(row) is not None for row in q_rows])
    budget = max(0.0, MAX_FALSE_ABSTAIN - float(vetoed[positive].mean()))
    threshold = threshold_for(oof[positive & ~vetoed], budget)
    summary = {"train_examples": len(train_examples), "train_answerable": int(sum(q_labels)),
               "rerank_rows": len(rows), "threshold": threshold, "excluded_doc": exclude_doc,
               "sources": _count(train_examples + real), "corpora": len(corpora), "rows": len(q_rows),
               "growth_features": growth, "threshold_every_style": every_style}
    model = AnswerabilityModel(answerable, rerank, threshold, trained_on=summary)
    model.save(out)
    log.info("answerability model written to %s: %s", out, summary)
    return summary


def augmented(examples: list[Example], by_id: dict[str, GoldQuestion],
              store: Store) -> tuple[list[Example], dict[str, GoldQuestion]]:
    """The styled copies of the train questions, each in its own class (answerable copies keep their
    source's gold; out-of-scope ones, hand-written or swapped, stay out of scope, so a style tells the model
    nothing about the class), and the verified near misses of the answerable ones; deterministic."""
    corpus = CorpusView.from_store(store)
    known = known_doc_numbers()
    out: list[Example] = []
    gold: dict[str, GoldQuestion] = {}
    seen = {normalize(e.question) for e in examples}

    def add(example: Example) -> None:
        if normalize(example.question) not in seen:
            seen.add(normalize(example.question))
            out.append(example)

    for example in examples:
        question = by_id.get(example.id)
        if example.source not in STYLED_SOURCES or (example.answerable and question is None):
            continue
        source = question or GoldQuestion(id=example.id, question=example.question, doc_id=None, evidence=[], fact=None,
                                          out_of_scope=True)
        for variant in variants(source, AUGMENT_STYLES):
            add(Example(variant.id, variant.question, example.answerable, f"style_{variant.style}", "train"))
            if example.answerable:
                gold[variant.id] = question
        if example.answerable:
            for miss in near_misses(question, corpus, known, NEAR_MISS_KINDS):
                add(Example(miss.id, miss.question, False, f"near_{miss.kind}", "train"))
    log.info("augmented the train split: %s", _count(out))
    return out, gold


def _units(settings: Settings) -> dict[str, tuple[str, str]]:
    return {u.id: (u.doc_id, normalize(u.text)) for u in Store(settings.db_path).units()}


def _kept(example: Example, by_id: dict[str, GoldQuestion], exclude_doc: str | None) -> bool:
    """Leave out the questions about ``exclude_doc`` (and the swapped copies made from them)."""
    if exclude_doc is None:
        return True
    source_id = example.id.split("-swap-")[0]
    question = by_id.get(example.id) or by_id.get(source_id)
    return question is None or question.doc_id != exclude_doc


def _count(examples: list[Example]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in examples:
        counts[e.source] = counts.get(e.source, 0) + 1
    return counts

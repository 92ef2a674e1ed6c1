"""Training the answerability and rerank models (``hoidap eval --train-abstain``).

Deterministic: the same corpus, gold files and ALQAC folder give the same coefficients.

1. **Rerank**: for every answerable question of the train split, the fused top 10 of the shipped
   corpus, labelled by whether the unit holds the question's gold evidence; a logistic model over
   :data:`index.answerability.features.CANDIDATE_FEATURES`.
2. **Answerability**: for every train example (answerable dev questions; hand-written out-of-scope
   questions, ALQAC questions, entity-swapped dev questions as negatives), the question features of
   the reranked top units; a logistic model over :data:`index.answerability.features.QUESTION_FEATURES`,
   classes weighted equally. The veto features (:data:`index.answerability.vetoes.VETOES`) decide alone.
3. **Threshold**: the largest probability that keeps ≤ 2 % of the train split's answerable questions
   from abstaining (vetoes included), judged on 5-fold cross-validated probabilities (never on
   held-out questions).

With ``grown`` (``hoidap eval --train-abstain --realdocs``), every example is also matched against a
larger corpus — the shipped documents plus a real document set — so the models learn what an
answerable match looks like when hundreds of documents compete, and the real-document questions of
the ``tune`` split (``eval/gold/realdocs.jsonl``, never the held-out ones) join the training rows on it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from core.settings import Settings
from corpus.store import Store
from eval.abstain_data import Example, build
from eval.gold import GoldQuestion, load_gold, normalize, relevant_units
from index.answerability.features import CANDIDATE_FEATURES, QUESTION_FEATURES, candidate_features, question_features
from index.answerability.model import MODEL_FILE, AnswerabilityModel, Logistic
from index.answerability.vetoes import veto
from index.filters import named_documents
from index.query import analyse
from index.search import RERANK_POOL, Searcher, SearchHit

log = logging.getLogger(__name__)

MAX_FALSE_ABSTAIN = 0.02
ANSWERABLE_C = 0.03  # strong regularisation: chosen on the train split's cross-validation (0.03–1 tried)


@dataclass
class Match:
    """One question's candidates and features, before and after reranking."""

    hits: list[SearchHit]
    candidates: list[dict[str, float]]
    features: dict[str, float] | None = None


def match(searcher: Searcher, question: str, rerank: Logistic | None = None) -> Match:
    """The fused top candidates of ``question`` (reranked by ``rerank`` if given) and their features."""
    snap = searcher.current()
    query = analyse(question)
    lists, vector = searcher.candidate_lists(snap, query, "hybrid", None, {})
    matched = named_documents(snap, query)
    hits = searcher.fuse(snap, lists, matched, RERANK_POOL)
    if rerank is None:
        ev, stats = searcher.evidence(snap, query, hits, lists, vector, matched)
    else:
        hits, ev, stats = searcher.rerank(snap, query, hits, lists, vector, matched, rerank)
    candidates = [candidate_features(ev, stats, j) for j in range(len(hits))]
    return Match(hits, candidates, question_features(ev, stats))


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
          grown: tuple[Settings, list[GoldQuestion]] | None = None) -> dict:
    """Train both models on the train split and write them to ``out``; returns a summary.

    ``exclude_doc``: leave the questions about one document out of training (to check that the
    features carry over to documents the model never saw). ``grown``: the settings of a larger corpus
    holding the shipped one and the real-document questions to add on it (their ``tune`` split).
    """
    gold_questions = load_gold(gold) if gold else load_gold()
    examples = build(alqac=alqac) if gold is None else build(gold_dir=gold.parent, alqac=alqac)
    by_id: dict[str, GoldQuestion] = {q.id: q for q in gold_questions}
    train_examples = [e for e in examples if e.split == "train" and _kept(e, by_id, exclude_doc)]
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
    rerank = fit_logistic(rows, labels, CANDIDATE_FEATURES)

    # 2. answerability, on every train example, with the reranked order
    q_rows, q_labels = [], []
    for corpus in corpora:
        searcher, chosen = corpus[0], corpus[2]
        for done, example in enumerate(chosen, 1):
            q_rows.append(match(searcher, example.question, rerank).features)
            q_labels.append(int(example.answerable))
            if progress:
                progress("answerability", done, len(chosen))
    answerable = fit_logistic(q_rows, q_labels, QUESTION_FEATURES, ANSWERABLE_C)

    # 3. the threshold, from out-of-fold probabilities of the answerable train questions; questions a
    #    veto already stops count against the 2 % first
    oof = cv_probabilities(q_rows, q_labels, QUESTION_FEATURES, c=ANSWERABLE_C)
    positive = np.asarray(q_labels) == 1
    vetoed = np.array([veto(row) is not None for row in q_rows])
    budget = max(0.0, MAX_FALSE_ABSTAIN - float(vetoed[positive].mean()))
    threshold = threshold_for(oof[positive & ~vetoed], budget)
    summary = {"train_examples": len(train_examples), "train_answerable": int(sum(q_labels)),
               "rerank_rows": len(rows), "threshold": threshold, "excluded_doc": exclude_doc,
               "sources": _count(train_examples + real), "corpora": len(corpora), "rows": len(q_rows)}
    model = AnswerabilityModel(answerable, rerank, threshold, trained_on=summary)
    model.save(out)
    log.info("answerability model written to %s: %s", out, summary)
    return summary


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

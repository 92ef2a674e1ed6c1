"""Can an officer trust the answers? Figures on questions the models were not trained on.

- answerable held-out dev questions: abstained (should be ≤ 2 %), the gold fact in the answer,
  Recall@1 of the reranked list, ``direct`` present for number/agency/date questions and verbatim;
- out-of-scope questions: the dev set's own, ``oos_dev.jsonl`` (never trained on), held-out ALQAC
  questions and entity-swapped copies asked against the shipped corpus: abstained (should be ≥ 95 %,
  ALQAC ≥ 98 %);
- **trust**: the share of all these questions handled right (answerable: answered and holding the
  gold fact; out of scope: abstained);
- the answerability probability of every question, for the precision/recall curve over thresholds.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Callable

import numpy as np

from corpus.store import Store
from eval.abstain_data import build
from eval.gold import GoldQuestion, load_gold, normalize, relevant_units
from hoidap.answer import AnswerService
from hoidap.model import Answer

DIRECT_KINDS = ("number", "agency", "date")


def evaluate_trust(service: AnswerService, store: Store, alqac: Path | None, ranked: dict[str, list[str]],
                   gold: Path | None = None,
                   progress: Callable[[str, int, int], None] | None = None) -> tuple[dict[str, float], dict]:
    """``(figures, details)``; ``ranked``: the hybrid search's unit ids per dev question id (for
    Recall@1); details hold per-question outcomes and the probabilities for the curve."""
    questions = load_gold(gold) if gold else load_gold()
    by_id: dict[str, GoldQuestion] = {q.id: q for q in questions}
    examples = build(alqac=alqac) if gold is None else build(gold_dir=gold.parent, alqac=alqac)
    judged = [e for e in examples if e.split in ("heldout", "oos_dev")]
    units = {u.id: (u.doc_id, normalize(u.text)) for u in store.units()}
    abstained: dict[str, list[bool]] = defaultdict(list)
    right: list[bool] = []
    facts, recall1, direct, verbatim = [], [], [], []
    curve: list[tuple[float, bool, bool]] = []  # (probability, vetoed, answerable)
    failures: list[str] = []
    for done, example in enumerate(judged, 1):
        answer = service.answer(example.question, record=False)
        group = "answerable" if example.answerable else ("oos_dev" if example.split == "oos_dev" else example.source)
        abstained[group].append(answer.abstained)
        if answer.confidence is not None:
            vetoed = answer.reason not in (None, "low_confidence")
            curve.append((answer.confidence, vetoed, example.answerable))
        if example.answerable:
            gold_q = by_id[example.id]
            ok = not answer.abstained and (gold_q.fact is None or normalize(gold_q.fact) in normalize(answer.answer))
            if gold_q.fact:
                facts.append(ok)
            relevant = relevant_units(gold_q, units)
            if relevant and example.id in ranked:
                recall1.append(bool(ranked[example.id]) and ranked[example.id][0] in relevant)
            if answer.kind in DIRECT_KINDS and not answer.abstained:
                direct.append(answer.direct is not None)
            if answer.direct is not None:
                unit = next((c for c in answer.citations if c.unit_id == answer.direct_unit_id), None)
                verbatim.append(unit is not None and answer.direct in unit.text)
        else:
            ok = answer.abstained
        right.append(ok)
        if not ok:
            failures.append(example.id)
        if progress:
            progress("trust", done, len(judged))
    figures = {f"abstained_{group}": float(np.mean(v)) for group, v in sorted(abstained.items())}
    figures.update({
        "trust": float(np.mean(right)), "answer_fact_rate": float(np.mean(facts)) if facts else 0.0,
        "recall@1": float(np.mean(recall1)) if recall1 else 0.0,
        "direct_coverage": float(np.mean(direct)) if direct else 0.0,
        "direct_verbatim": float(np.mean(verbatim)) if verbatim else 1.0,
        "questions": float(len(judged)),
    })
    return figures, {"failures": failures, "curve": curve,
                     "counts": {group: len(v) for group, v in abstained.items()}}


def abstention_curve(curve: list[tuple[float, bool, bool]], thresholds: np.ndarray) -> list[tuple[float, float, float]]:
    """(threshold, precision, recall) of abstaining, out-of-scope as the positive class."""
    out = []
    for t in thresholds:
        predicted = [vetoed or p < t for p, vetoed, _ in curve]
        positive = [not answerable for *_, answerable in curve]
        tp = sum(a and b for a, b in zip(predicted, positive))
        out.append((float(t), tp / max(sum(predicted), 1), tp / max(sum(positive), 1)))
    return out


def right_outcome(answer: Answer, question: GoldQuestion, units: dict[str, tuple[str, str]], top: int = 5) -> bool:
    """The right outcome for an answerable question: answered, a unit holding its evidence among the
    first ``top`` citations, and its gold fact (when it has one) in the answer's text."""
    if answer.abstained:
        return False
    relevant = relevant_units(question, units)
    if relevant and not any(c.unit_id in relevant for c in answer.citations[:top]):
        return False
    return question.fact is None or normalize(question.fact) in normalize(answer.answer)

"""The evaluation harness: retrieval metrics per mode, abstention, answer-fact rate, latency."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from dataclasses import dataclass, field
from typing import Callable

from corpus.store import Store
from eval.gold import GoldQuestion, normalize, relevant_units
from eval.robust import STYLES_KEY, evaluate_styles
from eval.shapes import SHAPES_KEY, evaluate_shapes, load_shapes
from eval.trust import evaluate_trust
from eval.metrics import f2, mrr_at, ndcg_at, percentile, recall_at
from hoidap.answer import AnswerService
from core.settings import Settings
from index.search import MODES, Searcher

log = logging.getLogger(__name__)

KS = (1, 3, 5, 10)


@dataclass
class ModeRun:
    """Per-question outcomes of one mode."""

    mode: str
    ranked: dict[str, list[str]] = field(default_factory=dict)
    abstained: dict[str, bool] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    latency_ms: list[float] = field(default_factory=list)


def run_mode(searcher: Searcher, questions: list[GoldQuestion], mode: str, k: int = 10,
             progress: Callable[[str, int, int], None] | None = None) -> ModeRun:
    run = ModeRun(mode)
    for done, q in enumerate(questions, 1):
        started = time.perf_counter()
        result = searcher.search(q.question, mode=mode, k=k)
        run.latency_ms.append((time.perf_counter() - started) * 1000)
        run.ranked[q.id] = result.unit_ids
        run.abstained[q.id] = result.abstained
        run.confidence[q.id] = result.confidence
        if progress:
            progress(mode, done, len(questions))
    return run


def retrieval_metrics(run: ModeRun, relevant: dict[str, set[str]], *, returned_top: int = 1) -> dict[str, float]:
    answerable = [qid for qid, rel in relevant.items() if rel is not None]
    out: dict[str, float] = {}
    for k in KS:
        out[f"recall@{k}"] = sum(recall_at(run.ranked[q], relevant[q], k) for q in answerable) / max(len(answerable), 1)
    out["mrr@10"] = sum(mrr_at(run.ranked[q], relevant[q]) for q in answerable) / max(len(answerable), 1)
    out["ndcg@10"] = sum(ndcg_at(run.ranked[q], relevant[q]) for q in answerable) / max(len(answerable), 1)
    out["macro_f2"] = sum(f2(set(run.ranked[q][:returned_top]), relevant[q]) for q in answerable) / max(len(answerable), 1)
    out["latency_p50_ms"] = percentile(run.latency_ms, 50)
    out["latency_p95_ms"] = percentile(run.latency_ms, 95)
    out["questions"] = float(len(answerable))
    return out


def abstention_metrics(run: ModeRun, questions: list[GoldQuestion]) -> dict[str, float]:
    """Precision and recall of abstaining, with out-of-scope questions as the positive class."""
    oos = [q.id for q in questions if q.out_of_scope]
    inscope = [q.id for q in questions if not q.out_of_scope]
    true_pos = sum(run.abstained[q] for q in oos)
    predicted = sum(run.abstained[q] for q in oos + inscope)
    return {
        "abstain_precision": true_pos / predicted if predicted else 1.0,
        "abstain_recall": true_pos / len(oos) if oos else 1.0,
        "answerable_abstained": sum(run.abstained[q] for q in inscope) / max(len(inscope), 1),
    }


def evaluate(settings: Settings, questions: list[GoldQuestion], modes: tuple[str, ...] = MODES,
             progress: Callable[[str, int, int], None] | None = None, answers: bool = True,
             alqac: Path | None = None, gold: Path | None = None, styles: bool = True) -> dict:
    """All metrics, per mode: ``{mode: {metric: value}}`` plus the raw runs under ``"_runs"``."""
    store = Store(settings.db_path)
    units = {u.id: (u.doc_id, normalize(u.text)) for u in store.units()}
    relevant = {q.id: relevant_units(q, units) for q in questions if not q.out_of_scope}
    missing = [qid for qid, rel in relevant.items() if not rel]
    if missing:
        log.warning("%d gold questions have no unit holding their evidence: %s", len(missing), missing[:10])
    searcher = Searcher(settings)
    report: dict = {"_runs": {}, "_missing_evidence": missing}
    for mode in modes:
        run = run_mode(searcher, questions, mode, progress=progress)
        metrics = retrieval_metrics(run, relevant)
        metrics.update(abstention_metrics(run, questions))
        report[mode] = metrics
        report["_runs"][mode] = run
    if answers and "hybrid" in modes:
        service = AnswerService(settings, searcher)
        with_fact = [q for q in questions if q.fact and not q.out_of_scope]
        hits = 0
        latencies = []
        failures = []
        for done, q in enumerate(with_fact, 1):
            started = time.perf_counter()
            answer = service.answer(q.question, record=False)
            latencies.append((time.perf_counter() - started) * 1000)
            ok = normalize(q.fact) in normalize(answer.answer)
            hits += ok
            if not ok:
                failures.append(q.id)
            if progress:
                progress("answer", done, len(with_fact))
        report["hybrid"]["answer_fact_rate"] = hits / max(len(with_fact), 1)
        report["hybrid"]["answer_p50_ms"] = percentile(latencies, 50)
        report["hybrid"]["answer_p95_ms"] = percentile(latencies, 95)
        report["_fact_failures"] = failures
        # held-out trust figures: questions the answerability model never saw (eval/trust.py)
        figures, details = evaluate_trust(service, store, alqac, report["_runs"]["hybrid"].ranked, gold, progress)
        figures["answer_p50_ms"] = report["hybrid"]["answer_p50_ms"]
        report["trust (held-out)"] = figures
        report["_trust"] = details
        if styles:  # the same questions asked other ways, and near misses (eval/robust.py)
            figures, outcomes = evaluate_styles(service, store, questions, progress=progress)
            report[STYLES_KEY] = figures
            report["_styles"] = outcomes
        if styles and gold is None:  # answers shaped by the question, about the shipped documents (eval/shapes.py)
            figures, outcomes = evaluate_shapes(service, load_shapes(), progress=progress)
            report[SHAPES_KEY] = figures
            report["_shapes"] = outcomes
    return report

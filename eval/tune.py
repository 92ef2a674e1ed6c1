"""Tuning fusion weights on the dev set: the lists are computed once per question, then every
combination of weights is fused and scored offline."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from corpus.store import Store
from eval.gold import GoldQuestion, normalize, relevant_units
from eval.metrics import mrr_at, recall_at
from core.settings import Settings
from index.filters import named_documents
from index.query import analyse
from index.search import Searcher

GRID = {
    "weight_bm25": (0.5, 1.0, 1.5),
    "weight_bm25_folded": (0.5, 1.0, 1.5),
    "weight_dense": (0.25, 0.5, 0.75, 1.0),
    "weight_doc_match": (0.0, 0.5, 1.0, 2.0),
    "rrf_k": (10, 30, 60),
}


@dataclass
class Trial:
    params: dict
    recall5: float
    mrr10: float

    @property
    def objective(self) -> float:
        return self.recall5 + self.mrr10


def tune(settings: Settings, questions: list[GoldQuestion], grid: dict = GRID) -> list[Trial]:
    """Every grid point, best first (by Recall@5 + MRR@10 over answerable questions)."""
    store = Store(settings.db_path)
    units = {u.id: (u.doc_id, normalize(u.text)) for u in store.units()}
    searcher = Searcher(settings)
    idx = searcher.current()
    cached = []
    for q in questions:
        if q.out_of_scope:
            continue
        query = analyse(q.question)
        lists, _ = searcher.candidate_lists(idx, query, "hybrid", None, {})
        cached.append((relevant_units(q, units), lists, named_documents(idx, query)))
    trials = []
    keys = list(grid)
    for values in itertools.product(*(grid[k] for k in keys)):
        params = dict(zip(keys, values))
        trial_settings = settings.model_copy(update=params)
        r5 = mrr = 0.0
        for relevant, lists, matched in cached:
            hits = searcher.fuse(idx, lists, matched, 10, trial_settings)
            ranked = [h.unit.id for h in hits]
            r5 += recall_at(ranked, relevant, 5)
            mrr += mrr_at(ranked, relevant, 10)
        trials.append(Trial(params, r5 / len(cached), mrr / len(cached)))
    return sorted(trials, key=lambda t: -t.objective)

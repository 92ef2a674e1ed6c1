"""Retrieval and answer metrics (plain functions over ranked ids and gold sets)."""

from __future__ import annotations

import math

import numpy as np


def recall_at(ranked: list[str], relevant: set[str], k: int) -> float:
    """1 if any relevant id is in the first k (the question counts as found), else 0."""
    return float(any(r in relevant for r in ranked[:k])) if relevant else 0.0


def mrr_at(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    for rank, item in enumerate(ranked[:k], 1):
        if item in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    """Binary-relevance nDCG@k."""
    dcg = sum(1.0 / math.log2(rank + 1) for rank, item in enumerate(ranked[:k], 1) if item in relevant)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return dcg / ideal if ideal else 0.0


def f2(returned: set[str], relevant: set[str]) -> float:
    """F-beta with beta 2 of a returned set (ALQAC's per-question measure)."""
    if not returned or not relevant:
        return 0.0
    hit = len(returned & relevant)
    if not hit:
        return 0.0
    precision, recall = hit / len(returned), hit / len(relevant)
    return 5 * precision * recall / (4 * precision + recall)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0

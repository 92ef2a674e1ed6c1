"""Fusion of ranked lists by weighted reciprocal rank; every hit keeps its rank in each list."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Hit:
    """One unit found, with its fused score and its rank (1-based) in each list that found it."""

    position: int
    score: float
    ranks: dict[str, int] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)


def top_positions(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """Positions of the k best positive scores, best first."""
    if allowed is not None:
        scores = np.where(allowed, scores, 0.0)
    k = min(k, int(np.count_nonzero(scores > 0)))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


def rrf(lists: dict[str, tuple[np.ndarray, np.ndarray]], weights: dict[str, float], k: int = 60,
        boost: dict[int, float] | None = None) -> list[Hit]:
    """Fuse ``{name: (positions, scores)}``; ``boost`` adds to the fused score of some positions.

    Example:
        >>> hits = rrf({"a": (np.array([3, 1]), np.array([2.0, 1.0])), "b": (np.array([1]), np.array([0.9]))},
        ...            {"a": 1.0, "b": 1.0})
        >>> [h.position for h in hits], hits[0].ranks
        ([1, 3], {'a': 2, 'b': 1})
    """
    hits: dict[int, Hit] = {}
    for name, (positions, scores) in lists.items():
        weight = weights.get(name, 1.0)
        for rank, (position, score) in enumerate(zip(positions.tolist(), scores.tolist()), start=1):
            hit = hits.setdefault(position, Hit(position, 0.0))
            hit.score += weight / (k + rank)
            hit.ranks[name] = rank
            hit.scores[name] = float(score)
    for position, extra in (boost or {}).items():
        if position in hits:
            hits[position].score += extra
    return sorted(hits.values(), key=lambda h: (-h.score, h.position))

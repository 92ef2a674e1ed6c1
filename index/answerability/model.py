"""The answerability and rerank models: two standardised logistic models and the abstention threshold.

Both are trained by ``hoidap eval --train-abstain`` (eval/train_answerability.py) on the dev set's
training split and the negatives built by eval/abstain_data.py, over the features of
:mod:`index.answerability.features`, and stored as one JSON file of coefficients
(``index/answerability.json``); the index builder copies it into each version, so a version answers
with the model it was built with. Inference is a dot product in numpy. The vetoes
(:mod:`index.answerability.vetoes`) decide alone.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.answerability.features import FEATURE_VERSION
from index.answerability.vetoes import VETOES, veto

log = logging.getLogger(__name__)

MODEL_FILE = Path(__file__).parent.parent / "answerability.json"


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
        of a CCHC question about another province, not of a question about air fares to Hà Nội. A question
        too vague to look up ("là sao") is said to be so whatever the documents hold: that reason is about the
        question, not the documents.
        """
        p = float(self.answerable.probability([features])[0])
        reason = veto(features)
        if reason == "vague":
            return p, reason
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

"""Judging an answerability model on recorded searches (eval.growth): a recorded refusal stays one, an
answered question is refused below the model's threshold, figures per set and the growth gap."""

from __future__ import annotations

import numpy as np

from eval.growth import Record, judge
from index.answerability.model import AnswerabilityModel, Logistic


def _model(threshold: float) -> AnswerabilityModel:
    one = Logistic(("coverage_top",), np.array([0.5]), np.array([0.1]), np.array([4.0]), 0.0)
    return AnswerabilityModel(one, one, threshold)


def _record(qid: str, corpus_set: str, answerable: bool, coverage: float, refused: bool = False,
            right: bool = True) -> Record:
    return Record(qid, corpus_set, "dev" if answerable else "oos_train", answerable, refused, None,
                  answerable and right, 1, {"coverage_top": coverage})


def test_a_model_is_judged_on_its_probability_and_the_recorded_refusals() -> None:
    shipped = [_record("q1", "dev", True, 0.6), _record("o1", "dev", False, 0.2),
               _record("o2", "dev", False, 0.9, refused=True)]  # a veto refused it: it stays refused
    enlarged = [_record("q1", "dev", True, 0.6), _record("o1", "dev", False, 0.6),
                _record("o2", "dev", False, 0.9, refused=True)]
    report = judge(_model(0.5), shipped, enlarged)
    assert report["dev shipped"]["trust"] == 1.0
    assert report["dev enlarged"]["oos_refused"] == 0.5  # o1 now matches well enough to be answered
    assert report["dev gap"]["trust"] < 0
    strict = judge(_model(0.99), shipped, enlarged)
    assert strict["dev shipped"]["answerable_refused"] == 1.0

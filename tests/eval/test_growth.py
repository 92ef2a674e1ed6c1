"""Judging an answerability model on recorded searches (eval.growth): a recorded refusal stays one, an
answered question is refused below the model's threshold, figures per set and the growth gap."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from eval.growth import Record, installed, judge
from index.answerability.model import AnswerabilityModel, Logistic
from index.versions import answerability_path


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


def test_the_model_a_recording_installs_is_taken_back_after_it_also_when_it_fails(tmp_path: Path) -> None:
    version = tmp_path / "index" / "v1"
    version.mkdir(parents=True)
    (tmp_path / "index" / "CURRENT").write_text("v1", encoding="utf-8")
    serving = answerability_path(version)
    serving.write_text('{"threshold": 0.38}', encoding="utf-8")
    loose = tmp_path / "loose.json"
    loose.write_text('{"threshold": 0.0}', encoding="utf-8")
    with installed(loose, tmp_path):
        assert serving.read_text(encoding="utf-8") == '{"threshold": 0.0}'
    assert serving.read_text(encoding="utf-8") == '{"threshold": 0.38}'
    with pytest.raises(RuntimeError), installed(loose, tmp_path):
        raise RuntimeError("the recording stopped")
    assert serving.read_text(encoding="utf-8") == '{"threshold": 0.38}'

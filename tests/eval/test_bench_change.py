"""The load-during-change benchmark, tiny: a real server in a subprocess, two clients, two seconds a phase.

The embedder is the deterministic "hashing" one: the model is not the point, the HTTP statuses are.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from core.settings import Settings
from eval.bench_change import rate_limit_value, report, run


@pytest.fixture
def hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server subprocess inherits these; hashing vectors are not similar enough to trust a threshold."""
    monkeypatch.setenv("HOIDAP_MODEL", "hashing")
    monkeypatch.setenv("HOIDAP_ABSTAIN_THRESHOLD", "-1")
    monkeypatch.setenv("HOIDAP_ANSWERABILITY_MODEL", "none")


def test_answers_keep_flowing_while_documents_change(tmp_path: Path, hashing: None) -> None:
    result = run(Settings(data_dir=tmp_path / "data"), clients=2, seconds=2)
    assert result.baseline.requests > 0 and result.change.requests > 0
    assert result.baseline.failed == 0 and result.change.failed == 0, (result.baseline.statuses, result.change.statuses)
    # upload 201, replace 200, delete 200, twice; the shipped document replaced and restored
    assert [call.status for call in result.admin] == [201, 200, 200, 201, 200, 200, 200, 200], \
        [(call.action, call.status, call.detail) for call in result.admin]
    assert result.in_admin_calls.requests > 0  # the load did overlap the changes
    assert result.documents_after == result.documents_before
    text = report(result)
    assert "no non-200 answer during change: 0 non-200 → MET" in text


def test_rate_limit_is_high_or_a_positive_number() -> None:
    assert rate_limit_value("high") >= 10**6 and rate_limit_value("120") == 120
    for bad in ("0", "-5", "cao"):
        with pytest.raises(argparse.ArgumentTypeError, match="'high' or a positive number"):
            rate_limit_value(bad)

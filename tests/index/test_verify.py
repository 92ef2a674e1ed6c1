"""The semantic verifier: its head's files and arithmetic, the version's passage tokens, and its scores
on the shipped corpus (near misses of a clause score below the clause's own question)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.settings import Settings
from index.verify import (HEAD_FILE, TOKENS, TokenStates, Verifier, VerifierHead, body_spans, fingerprint, own_tokens,
                          quantise, read_unit_tokens, write_tokens)
from tests.conftest import shared_embedder


def _head(hidden: int = 6, dims: int = 4) -> VerifierHead:
    rng = np.random.default_rng(3)
    return VerifierHead(rng.normal(size=(hidden, dims)).astype(np.float32), rng.normal(size=hidden).astype(np.float32),
                        (6.0, 6.0, -7.0), 0.1, "")


def test_head_files_round_trip_byte_for_byte(tmp_path: Path) -> None:
    head = _head()
    first, second = tmp_path / "a" / "verifier.json", tmp_path / "b" / "verifier.json"
    first.parent.mkdir(), second.parent.mkdir()
    head.to_files(first)
    head.to_files(second)
    assert first.read_bytes() == second.read_bytes()
    assert first.with_suffix(".npy").read_bytes() == second.with_suffix(".npy").read_bytes()
    loaded = VerifierHead.load(first)
    assert np.array_equal(loaded.projection, head.projection) and np.array_equal(loaded.importance, head.importance)
    assert loaded.fingerprint == fingerprint(first) != "none"
    assert VerifierHead.load(tmp_path / "missing.json") is None and fingerprint(tmp_path / "missing.json") == "none"


def test_one_unmatched_question_token_pulls_the_score_down() -> None:
    """The soft minimum: a question whose every token the clause holds outscores one with a token
    (another year, another indicator) the clause does not hold, though the mean match is close."""
    hidden = 6
    head = VerifierHead(np.eye(hidden, dtype=np.float32), np.zeros(hidden, np.float32), (2.0, 6.0, -4.0), 0.1, "")
    clause = np.eye(hidden, dtype=np.float32)[:4]
    held = head.question(TokenStates(np.eye(hidden, dtype=np.float32)[:4], np.zeros((4, 2), np.int32)))
    missing = head.question(TokenStates(np.eye(hidden, dtype=np.float32)[[0, 1, 2, 5]], np.zeros((4, 2), np.int32)))
    assert head.logit(held, head.project(clause)) > head.logit(missing, head.project(clause)) + 3.0
    assert head.logit(held, np.zeros((0, hidden), np.float32)) == head.scorer[2]  # an empty clause: the bias


def test_prompt_and_special_tokens_are_dropped() -> None:
    # "passage: " is 9 characters; the first word's token starts at the space before it
    offsets = [(0, 0), (0, 7), (7, 8), (8, 12), (12, 16), (0, 0)]
    special = [1, 0, 0, 0, 0, 1]
    states = np.arange(6 * 3, dtype=np.float32).reshape(6, 3)
    kept = own_tokens(states, offsets, special, len("passage: "))
    assert kept.spans.tolist() == [[0, 3], [3, 7]]
    assert np.array_equal(kept.states, states[3:5])


def test_body_spans_place_tokens_in_the_units_text() -> None:
    passage = "Kế hoạch Quảng Nam 2025. Mục tiêu. Tỷ lệ đạt 80%"
    start = passage.index("Tỷ")
    spans = np.array([[0, 2], [start, start + 2], [start + 3, start + 5]], dtype=np.int32)
    got = body_spans(TokenStates(np.zeros((3, 2), np.float32), spans), passage, "Tỷ lệ đạt 80%")
    assert got.tolist() == [[-1, -1], [0, 2], [3, 5]]


def test_version_tokens_round_trip(tmp_path: Path) -> None:
    head = _head()
    head_file = tmp_path / "verifier.json"
    head.to_files(head_file)
    folder = tmp_path / "v1"
    folder.mkdir()
    rng = np.random.default_rng(0)
    tokens = [quantise(head.project(rng.normal(size=(n, 6)))) for n in (3, 1, 5)]
    spans = [np.stack([np.arange(n), np.arange(n) + 1], axis=1).astype(np.int32) for n in (3, 1, 5)]
    write_tokens(folder, head_file, tokens, spans)
    read = read_unit_tokens(folder)
    assert [t.tolist() for t in read[0]] == [t.tolist() for t in tokens] and read[2] == fingerprint(head_file)
    verifier = Verifier.load(folder)
    question = head.question(TokenStates(rng.normal(size=(4, 6)).astype(np.float32), np.zeros((4, 2), np.int32)))
    scores = verifier.scores(question, [0, 1, 2])
    assert scores.shape == (3,) and np.all((scores > 0) & (scores < 1))
    # the int8 tokens score as the float ones within a small tolerance
    exact = 1 / (1 + np.exp(-head.logit(question, tokens[2].astype(np.float32) / 127)))
    assert scores[2] == pytest.approx(exact, abs=1e-6)


@pytest.mark.slow
def test_shipped_index_verifies_its_clauses(indexed_settings: Settings) -> None:
    """The shipped index carries the verifier; the clause that answers a question scores higher for
    it than for the same question asked about another year or another indicator."""
    from index.search import Searcher

    if VerifierHead.load(HEAD_FILE) is None:
        pytest.fail("index/verifier.json is missing: train it (python -m eval.train_verifier)")
    searcher = Searcher(indexed_settings, shared_embedder(indexed_settings))
    snap = searcher.current()
    assert snap.verifier is not None and (snap.folder / TOKENS).is_file()
    asked = "Đề án của Quảng Nam đặt chỉ tiêu tổ chức ít nhất bao nhiêu lớp bồi dưỡng về CCHC?"
    result = searcher.search(asked)
    top = result.hits[0]
    assert "10 lớp" in top.unit.text and top.verified is not None
    assert result.features["verify_top"] == pytest.approx(top.verified)
    from index.query import analyse

    def verified(question: str) -> float:
        q = searcher.verifier_question(snap, analyse(question))
        return float(snap.verifier.scores(q, [top.position])[0])

    near_misses = ["Đề án của Quảng Nam đặt chỉ tiêu tổ chức ít nhất bao nhiêu lớp bồi dưỡng về CCHC năm 2019?",
                   "Đề án của Quảng Nam đặt chỉ tiêu tổ chức ít nhất bao nhiêu đoàn kiểm tra về CCHC?"]
    assert all(verified(q) < top.verified for q in near_misses)
    pieces = ["Tổ chức ít nhất 10 lớp bồi dưỡng về cải cách hành chính", "không có ở đây"]
    scored = snap.verifier.piece_scores(result.verifier_question, top.position, top.unit.text, pieces)
    assert scored[0] is not None and scored[1] is None

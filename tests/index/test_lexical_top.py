"""The lexical top-k: exact below the pruning size, and the pruned path against exact scoring."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.settings import Settings
from eval.gold import load_gold
from index.lexical import LexicalIndex
from index.tokenize import Tokens, tokenize
from index.versions import VersionStore


@pytest.fixture(scope="module")
def shipped_tokens(indexed_settings: Settings) -> list[Tokens]:
    folder, _ = VersionStore(indexed_settings.index_dir).current()
    rows = [json.loads(line) for line in (folder / "tokens.jsonl").read_text(encoding="utf-8").splitlines()]
    return [Tokens(words, folded) for _, words, folded in rows]


def questions() -> list[Tokens]:
    return [tokenize(q.question) for q in load_gold() if not q.out_of_scope][:60]


def test_exact_top_is_the_best_of_every_score(shipped_tokens: list[Tokens]) -> None:
    lex = LexicalIndex()
    lex.build(shipped_tokens)
    for query in questions()[:20]:
        for field in ("words", "folded"):
            scores = lex.scores(query, field)
            positions, top = lex.top(query, field, 10)
            assert np.allclose(top, scores[positions])
            assert np.allclose(top, np.sort(scores[scores > 0])[::-1][:10])


def test_pruned_top_scores_exactly_and_keeps_the_best(shipped_tokens: list[Tokens]) -> None:
    exact = LexicalIndex()
    exact.build(shipped_tokens)
    # pruning from the first unit on, with a first pass of at most one posting per unit and a pool of
    # 100 (of ~350 units): most questions leave several common terms out of the first pass
    pruned = LexicalIndex(prune_min_units=0, budget=1.0, pool=100)
    pruned.build(shipped_tokens)
    left_out = same_top10 = 0
    cases = [(q, f) for q in questions() for f in ("words", "folded")]
    for query, field in cases:
        scores = exact.scores(query, field)
        positions, top = pruned.top(query, field, 10)
        # every score returned is the unit's exact score (common terms added back in full), best first
        assert np.allclose(top, scores[positions], atol=1e-5)
        assert np.all(np.diff(top) <= 1e-6)
        best = np.sort(scores[scores > 0])[::-1][:10]
        same_top10 += len(top) == len(best) and np.allclose(top, best, atol=1e-4)
        starts, ends, _ = pruned._terms(pruned._models[field], query, field)
        left_out += bool(pruned._common(ends - starts).any())
    assert left_out >= len(cases) // 2  # the pruned path really ran
    assert same_top10 / len(cases) >= 0.95


def test_pruning_is_off_below_the_size_and_with_a_filter(shipped_tokens: list[Tokens]) -> None:
    lex = LexicalIndex(budget=0.01, pool=5)  # would prune hard, but the corpus is small
    lex.build(shipped_tokens)
    query = questions()[0]
    scores = lex.scores(query, "folded")
    assert np.allclose(lex.top(query, "folded", 10)[1], np.sort(scores)[::-1][:10])
    lex.prune_min_units = 0
    allowed = np.zeros(len(shipped_tokens), dtype=bool)
    allowed[::2] = True
    positions, top = lex.top(query, "folded", 10, allowed)
    assert allowed[positions].all()
    expected = np.sort(np.where(allowed, scores, 0))[::-1][:10]
    assert np.allclose(top, expected[expected > 0])

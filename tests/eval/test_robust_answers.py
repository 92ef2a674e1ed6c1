"""The per-style, near-miss and shape figures from real answers on the indexed shipped corpus, as
``hoidap eval --json`` prints them."""

from __future__ import annotations

import json

import pytest

from core.settings import Settings
from corpus.store import Store
from eval.gold import load_gold
from eval.report import public
from eval.robust import STYLES_KEY, evaluate_styles, heldout
from eval.shapes import SHAPES_KEY, evaluate_shapes, load_shapes
from eval.styles import STYLES
from hoidap.answer import AnswerService
from index.search import Searcher
from tests.conftest import shared_embedder


@pytest.fixture(scope="module")
def service(indexed_settings: Settings) -> AnswerService:
    return AnswerService(indexed_settings, Searcher(indexed_settings, shared_embedder(indexed_settings)))


def test_styles_and_near_misses_in_the_json_report(service: AnswerService, indexed_settings: Settings) -> None:
    questions = heldout(load_gold())
    subset = [q for q in questions if not q.out_of_scope][:6] + [q for q in questions if q.out_of_scope][:2]
    figures, outcomes = evaluate_styles(service, Store(indexed_settings.db_path), subset)
    printed = json.loads(json.dumps(public({STYLES_KEY: figures})))[STYLES_KEY]
    assert {f"right_{s}" for s in ("plain", "nodiacritics", "typos", "background")} <= set(printed)
    assert {"right_overall", "answerable_refused", "oos_refused", "near_miss_refused"} <= set(printed)
    assert any(k.startswith("near_miss_refused_") for k in printed)
    assert all(0.0 <= printed[k] <= 1.0 for k in printed if not k.startswith("n_"))
    plain = [o for o in outcomes if o.group == "style:plain"]
    assert printed["n_style_plain"] == len(plain) == 6
    # a near miss counts as right only when refused, an answerable question only when answered
    assert all(o.ok == o.abstained for o in outcomes if o.group.startswith("near:"))
    assert all(not o.abstained for o in outcomes if o.group.startswith("style:") and o.ok)
    assert {o.group.split(":")[1] for o in outcomes if o.group.startswith("style:")} <= set(STYLES)


def test_shape_figures_in_the_json_report(service: AnswerService) -> None:
    questions = load_shapes()
    subset = [next(q for q in questions if q.shape == shape) for shape in ("yesno", "list", "table", "fact")]
    figures, outcomes = evaluate_shapes(service, subset, split="all")
    printed = json.loads(json.dumps(public({SHAPES_KEY: figures})))[SHAPES_KEY]
    assert {"yesno_opening", "list_items", "table_column", "direct_present", "answered"} <= set(printed)
    assert printed["n_answered"] == 4 and len(outcomes) == 4

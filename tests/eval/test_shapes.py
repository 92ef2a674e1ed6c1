"""The shape questions: a valid file whose evidence is in the shipped documents, and the judging of answers."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.gold import normalize
from eval.shapes import SHAPES, figures_of, judge, load_shapes
from hoidap.model import Answer


@pytest.fixture(scope="module")
def questions():
    return load_shapes()


def _answer(text: str, *, abstained: bool = False, direct: str | None = None) -> Answer:
    return Answer(question="q", answer=text, abstained=abstained, citations=[], direct=direct)


def test_the_file_holds_every_shape_and_a_third_held_out(questions):
    assert len(questions) >= 60 and len({q.id for q in questions}) == len(questions)
    per_shape = Counter(q.shape for q in questions)
    assert set(per_shape) == set(SHAPES) and min(per_shape.values()) >= 8
    # the fixed rule: every third question of each shape, in file order, is held out
    seen: Counter = Counter()
    for q in questions:
        seen[q.shape] += 1
        assert q.split == ("heldout" if seen[q.shape] % 3 == 0 else "train"), q.id
    answers = Counter(q.expected["answer"] for q in questions if q.shape == "yesno")
    assert min(answers[k] for k in ("Có", "Không", "không nêu")) >= 3
    assert {q.expected["column"] for q in questions if q.shape == "table"} == {"sản phẩm", "cơ quan chủ trì",
                                                                               "cơ quan phối hợp", "thời gian"}
    assert {q.expected["kind"] for q in questions if q.shape == "fact"} == {"number", "agency", "time", "docref", "legal", "funding"}
    comparisons = [q.expected for q in questions if q.shape == "comparison"]
    assert any(not c["same_measure"] for c in comparisons) and any(s["fact"] is None for c in comparisons for s in c["sides"])


def test_every_snippet_is_in_a_unit_of_its_document(questions, corpus_store):
    units = [(u.doc_id, normalize(u.text)) for u in corpus_store.units()]

    def found(snippet: str, doc: str | None) -> bool:
        return any(normalize(snippet) in text for d, text in units if d == doc)

    for q in questions:
        e = q.expected
        snippets = [*q.evidence, *e.get("items", []), *e.get("facts", []), *[e[k] for k in ("cell", "direct") if k in e]]
        assert all(found(s, q.doc_id) for s in snippets), q.id
        assert all(found(s["fact"], s["doc_id"]) for s in e.get("sides", []) if s["fact"]), q.id
        assert (q.doc_id is None) == (q.shape == "yesno" and e["answer"] == "không nêu"), q.id


def test_a_malformed_line_is_named(tmp_path: Path):
    path = tmp_path / "shapes.jsonl"
    path.write_text(json.dumps({"id": "x", "shape": "poem", "question": "?", "doc_id": None, "evidence": [],
                                "expected": {}}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"shapes.jsonl:1: shape 'poem'"):
        load_shapes(path)


def test_judging_each_shape(questions):
    by_shape = {s: next(q for q in questions if q.shape == s) for s in SHAPES}
    yes = next(q for q in questions if q.shape == "yesno" and q.expected["answer"] == "Có")
    unstated = next(q for q in questions if q.shape == "yesno" and q.expected["answer"] == "không nêu")
    assert judge(yes, _answer("Có. Theo Đề án …")).scores == {"yesno_opening": 1.0, "yesno_correct": 1.0, "answered": 1.0}
    assert judge(yes, _answer("Không. Theo …")).scores["yesno_correct"] == 0.0
    assert judge(yes, _answer("Theo Đề án …")).scores["yesno_opening"] == 0.0
    assert judge(unstated, _answer("Chưa tìm thấy", abstained=True)).scores == {"yesno_opening": 1.0, "yesno_correct": 1.0}
    items = by_shape["list"].expected["items"]
    half = judge(by_shape["list"], _answer(" ".join(items[:2])))
    assert half.scores["list_items"] == pytest.approx(2 / len(items)) and half.scores["list_complete"] == 0.0
    table = by_shape["table"]
    assert judge(table, _answer(f"{table.expected['cell']} [1]")).scores["table_column"] == 1.0
    assert judge(table, _answer("Nhiệm vụ …")).scores["table_column"] == 0.0
    fact = by_shape["fact"]
    assert judge(fact, _answer("…", direct=fact.expected["direct"])).scores["direct_correct"] == 1.0
    assert "direct_correct" not in judge(fact, _answer("…")).scores
    side_none = next(q for q in questions if q.shape == "comparison" and any(s["fact"] is None for s in q.expected["sides"]))
    stated = next(s["fact"] for s in side_none.expected["sides"] if s["fact"])
    assert judge(side_none, _answer(f"{stated} · còn lại: các văn bản hiện có không nêu")).scores["comparison"] == 1.0
    assert judge(side_none, _answer(stated)).scores["comparison"] == 0.0


def test_figures_average_what_each_answer_contributes(questions):
    yes = next(q for q in questions if q.shape == "yesno" and q.expected["answer"] == "Có")
    fact = next(q for q in questions if q.shape == "fact")
    outcomes = [judge(yes, _answer("Có. …")), judge(yes, _answer("Theo …")), judge(fact, _answer("…", direct="sai")),
                judge(fact, _answer("…"))]
    figures = figures_of(outcomes)
    assert figures["yesno_opening"] == 0.5 and figures["n_yesno_opening"] == 2
    assert figures["direct_present"] == 0.5 and figures["direct_correct"] == 0.0 and figures["n_direct_correct"] == 1

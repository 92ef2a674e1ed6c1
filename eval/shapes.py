"""Answers shaped by the question: yes/no, lists, table columns, two-part questions, comparisons and
the ``direct`` fact, judged on the held-out third of ``eval/gold/shapes.jsonl`` (see eval/gold/README.md).

Figures (``hoidap eval`` puts them under ``"shapes (held-out)"``):

- ``yesno_opening``: yes/no answers opening with "Có." / "Không." / "Văn bản không nêu" (a refusal counts
  for a question the documents do not answer); ``yesno_correct``: the opening is the expected one;
- ``list_items``: the share of the expected items present in the answer, averaged over list questions;
  ``list_complete``: list answers holding every item;
- ``table_column``: table questions whose answer holds the asked column's cell;
- ``two_part``: two-part questions whose answer holds both facts;
- ``comparison``: comparisons whose answer states each side's fact, or "không nêu" for a side with none;
- ``direct_present``: fact questions answered with a ``direct``; ``direct_correct``: of those, the ones whose
  ``direct`` holds the expected fact;
- ``answered``: questions the documents answer that were answered (not refused).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from eval.gold import normalize
from hoidap.answer import AnswerService
from hoidap.model import Answer

SHAPES_FILE = Path(__file__).parent / "gold" / "shapes.jsonl"
SHAPES_KEY = "shapes (held-out)"
SHAPES = ("yesno", "list", "table", "twopart", "comparison", "fact")
YES, NO, NOT_STATED = "Có", "Không", "không nêu"
OPENINGS = {YES: ("có.",), NO: ("không.",), NOT_STATED: ("văn bản không nêu", "các văn bản hiện có không nêu", "không nêu")}
TARGETS = {"yesno_opening": "≥ 0.95", "list_items": "≥ 0.90", "table_column": "≥ 0.90", "direct_present": "≥ 0.90",
           "direct_correct": "≥ 0.97"}


@dataclass(frozen=True)
class ShapeQuestion:
    """One question of a given shape and what its answer must hold (``expected``, by shape)."""

    id: str
    shape: str
    question: str
    doc_id: str | None
    evidence: list[str]
    expected: dict
    split: str = "train"


@dataclass
class ShapeOutcome:
    id: str
    shape: str
    answered: bool
    scores: dict[str, float] = field(default_factory=dict)


def load_shapes(path: Path = SHAPES_FILE) -> list[ShapeQuestion]:
    """The questions of ``path``; ValueError naming the line of a malformed one."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            question = ShapeQuestion(**json.loads(line))
        except (json.JSONDecodeError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a shape question ({exc})") from None
        if question.shape not in SHAPES:
            raise ValueError(f"{path}:{number}: shape {question.shape!r}; known: {', '.join(SHAPES)}")
        out.append(question)
    return out


def _has(answer: Answer, snippet: str) -> bool:
    return normalize(snippet) in normalize(answer.answer)


def opening(answer: Answer) -> str | None:
    """Which yes/no opening the answer starts with (None: none of them)."""
    head = normalize(answer.answer)[:40]
    return next((kind for kind, forms in OPENINGS.items() if head.startswith(forms)), None)


def judge(question: ShapeQuestion, answer: Answer) -> ShapeOutcome:
    """The figures one answer contributes to (``scores``: figure name → 0..1)."""
    e = question.expected
    scores: dict[str, float] = {}
    if question.shape == "yesno":
        said = NOT_STATED if answer.abstained else opening(answer)
        scores["yesno_opening"] = float(said is not None)
        scores["yesno_correct"] = float(said == e["answer"])
    elif question.shape == "list":
        present = [_has(answer, item) for item in e["items"]]
        scores["list_items"] = sum(present) / len(present)
        scores["list_complete"] = float(all(present))
    elif question.shape == "table":
        scores["table_column"] = float(_has(answer, e["cell"]))
    elif question.shape == "twopart":
        scores["two_part"] = float(all(_has(answer, f) for f in e["facts"]))
    elif question.shape == "comparison":
        scores["comparison"] = float(all(_has(answer, side["fact"]) if side["fact"] else
                                         _has(answer, NOT_STATED) for side in e["sides"]))
    elif question.shape == "fact":
        present = answer.direct is not None and not answer.abstained
        scores["direct_present"] = float(present)
        if present:
            scores["direct_correct"] = float(normalize(e["direct"]) in normalize(answer.direct))
    if question.doc_id is not None:
        scores["answered"] = float(not answer.abstained)
    return ShapeOutcome(question.id, question.shape, not answer.abstained, scores)


def evaluate_shapes(service: AnswerService, questions: list[ShapeQuestion], split: str = "heldout",
                    progress: Callable[[str, int, int], None] | None = None) -> tuple[dict[str, float], list[ShapeOutcome]]:
    """``(figures, outcomes)`` over the questions of ``split`` ("all" for every one)."""
    asked = [q for q in questions if split == "all" or q.split == split]
    outcomes = []
    for done, question in enumerate(asked, 1):
        outcomes.append(judge(question, service.answer(question.question, record=False)))
        if progress:
            progress("shapes", done, len(asked))
    return figures_of(outcomes), outcomes


def figures_of(outcomes: list[ShapeOutcome]) -> dict[str, float]:
    """The mean of each figure over the answers that contribute to it, and how many those are."""
    collected: dict[str, list[float]] = {}
    for outcome in outcomes:
        for name, value in outcome.scores.items():
            collected.setdefault(name, []).append(value)
    figures = {name: sum(values) / len(values) for name, values in collected.items()}
    figures.update({f"n_{name}": float(len(values)) for name, values in collected.items()})
    return figures


def markdown(figures: dict[str, float], outcomes: list[ShapeOutcome]) -> list[str]:
    """The report section: each figure with its question count and target, then the misses."""
    lines = [f"## {SHAPES_KEY}", "", "| figure | value | questions | target |", "|---|---|---|---|"]
    for name, value in figures.items():
        if not name.startswith("n_"):
            lines.append(f"| {name} | {value:.3f} | {int(figures.get(f'n_{name}', 0))} | {TARGETS.get(name, '')} |")
    missed = [f"{o.id} ({', '.join(k for k, v in o.scores.items() if v < 1)})" for o in outcomes
              if any(v < 1 for v in o.scores.values())]
    if missed:
        lines += ["", "Short of the expected shape: " + "; ".join(missed)]
    return lines

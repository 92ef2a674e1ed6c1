"""Answers that hold on any way of asking: right outcome per question style and per kind of near miss,
on the held-out split (the dev questions whose id hashes into ``heldout``, as in :mod:`eval.trust`).

Figures (``hoidap eval`` puts them under ``"styles (held-out)"``):

- ``right_<style>``: right outcome (:func:`eval.trust.right_outcome`: answered, evidence in the top 5,
  gold fact in the answer) of the answerable held-out questions asked in that style (:mod:`eval.styles`);
  ``right_overall`` over every style; ``right_min_gap``: the largest drop of a style below ``plain``;
- ``answerable_refused``: answerable questions (every style) refused;
- ``oos_refused``: the dev set's out-of-scope questions, every style, refused;
- ``near_miss_refused_<kind>`` and ``near_miss_refused``: near misses (:mod:`eval.near_miss`) refused;
- ``n_<group>``: how many questions each figure is over.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

from corpus.store import Store
from eval.abstain_data import known_doc_numbers, split_of
from eval.gold import GoldQuestion, normalize
from eval.near_miss import KINDS, CorpusView, near_misses
from eval.styles import STYLES, variants
from eval.trust import right_outcome
from hoidap.answer import AnswerService

STYLES_KEY = "styles (held-out)"
# the targets of issue 19 beside each figure (right_<style>: within 0.05 of plain)
TARGETS = {"right_overall": "≥ 0.90", "right_min_gap": "≤ 0.05", "answerable_refused": "≤ 0.03",
           "near_miss_refused": "≥ 0.90", "oos_refused": "≥ 0.90", **{f"right_{s}": "≥ plain − 0.05" for s in STYLES},
           **{f"near_miss_refused_{k}": "≥ 0.90" for k in KINDS}}


@dataclass(frozen=True)
class Outcome:
    """One asked question and how it went."""

    id: str
    group: str  # "style:<style>", "oos:<style>", "near:<kind>"
    question: str
    ok: bool
    abstained: bool


def heldout(questions: list[GoldQuestion], split: str = "heldout") -> list[GoldQuestion]:
    """The questions of ``split`` ("heldout", "train" or "all"). A question that carries its split
    (``realdocs.jsonl``: "tune" / "heldout") keeps it; a dev question's is :func:`eval.abstain_data.split_of`
    its id, and the dev set's out-of-scope questions are all held out, as in :mod:`eval.trust`."""
    if split == "all":
        return list(questions)

    def split_of_question(q: GoldQuestion) -> str:
        if q.split:
            return q.split
        return "heldout" if q.out_of_scope else split_of(q.id)

    return [q for q in questions if split_of_question(q) == split]


def robust_questions(questions: list[GoldQuestion], corpus: CorpusView, known: set[str]) -> list[tuple]:
    """(id, group, text, gold question or None) of every styled question and verified near miss."""
    out, seen = [], set()
    for q in questions:
        for v in variants(q, STYLES):
            out.append((v.id, f"{'oos' if q.out_of_scope else 'style'}:{v.style}", v.question, q))
        for miss in near_misses(q, corpus, known, KINDS):
            if normalize(miss.question) not in seen:  # two appendix questions give the same missing task
                seen.add(normalize(miss.question))
                out.append((miss.id, f"near:{miss.kind}", miss.question, None))
    return out


def evaluate_styles(service: AnswerService, store: Store, questions: list[GoldQuestion], split: str = "heldout",
                    progress: Callable[[str, int, int], None] | None = None) -> tuple[dict[str, float], list[Outcome]]:
    """``(figures, outcomes)`` over the styled questions and near misses of ``split``."""
    units = {u.id: (u.doc_id, normalize(u.text)) for u in store.units()}
    corpus = CorpusView.from_store(store)
    asked = robust_questions(heldout(questions, split), corpus, known_doc_numbers())
    outcomes = []
    for done, (qid, group, text, gold) in enumerate(asked, 1):
        answer = service.answer(text, record=False)
        ok = right_outcome(answer, gold, units) if group.startswith("style:") else answer.abstained
        outcomes.append(Outcome(qid, group, text, ok, answer.abstained))
        if progress:
            progress("styles", done, len(asked))
    return figures_of(outcomes), outcomes


def figures_of(outcomes: list[Outcome]) -> dict[str, float]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[o.group].append(o)

    def share(items: list[bool]) -> float:
        return sum(items) / len(items) if items else 0.0

    figures: dict[str, float] = {}
    styled = [o for o in outcomes if o.group.startswith("style:")]
    for style in STYLES:
        if groups.get(f"style:{style}"):
            figures[f"right_{style}"] = share([o.ok for o in groups[f"style:{style}"]])
    figures["right_overall"] = share([o.ok for o in styled])
    if "right_plain" in figures:
        figures["right_min_gap"] = max((figures["right_plain"] - figures[f"right_{s}"] for s in STYLES
                                        if f"right_{s}" in figures), default=0.0)
    figures["answerable_refused"] = share([o.abstained for o in styled])
    figures["oos_refused"] = share([o.ok for o in outcomes if o.group.startswith("oos:")])
    near = [o for o in outcomes if o.group.startswith("near:")]
    for kind in KINDS:
        if groups.get(f"near:{kind}"):
            figures[f"near_miss_refused_{kind}"] = share([o.ok for o in groups[f"near:{kind}"]])
    figures["near_miss_refused"] = share([o.ok for o in near])
    for group, items in sorted(groups.items()):
        figures[f"n_{group.replace(':', '_')}"] = float(len(items))
    return figures


def markdown(figures: dict[str, float], outcomes: list[Outcome], misses: int = 12) -> list[str]:
    """The report section: every figure with its target, then the questions handled wrongly per group."""
    lines = [f"## {STYLES_KEY}", "", "| figure | value | questions | target |", "|---|---|---|---|"]
    counts = {f"right_{s}": figures.get(f"n_style_{s}") for s in STYLES}
    counts.update({f"near_miss_refused_{k}": figures.get(f"n_near_{k}") for k in KINDS})
    for name, value in figures.items():
        if not name.startswith("n_"):
            n = counts.get(name)
            lines.append(f"| {name} | {value:.3f} | {int(n) if n else ''} | {TARGETS.get(name, '')} |")
    wrong: dict[str, list[str]] = defaultdict(list)
    for o in outcomes:
        if not o.ok:
            wrong[o.group].append(o.id)
    if wrong:
        lines += ["", "Handled wrongly (answerable: not the right outcome; out of scope and near misses: answered):", ""]
        for group, ids in sorted(wrong.items()):
            more = f" and {len(ids) - misses} more" if len(ids) > misses else ""
            lines.append(f"- {group} ({len(ids)}): {', '.join(ids[:misses])}{more}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """The styled questions and near misses of one split on the corpus of ``HOIDAP_DATA_DIR``, and the shapes
    of the same split: the figures to tune on (``--split train``) without reading the held-out ones."""
    import argparse
    import json

    from core.settings import Settings
    from eval.gold import load_gold
    from eval.shapes import evaluate_shapes, load_shapes

    parser = argparse.ArgumentParser(prog="python -m eval.robust", description=main.__doc__)
    parser.add_argument("--split", choices=("train", "heldout"), default="train")
    args = parser.parse_args(argv)
    settings = Settings()
    service = AnswerService(settings)
    figures, outcomes = evaluate_styles(service, Store(settings.db_path), load_gold(), split=args.split)
    shapes, _ = evaluate_shapes(service, load_shapes(), split=args.split)
    print(json.dumps({"styles": {k: round(v, 3) for k, v in figures.items()},
                      "shapes": {k: round(v, 3) for k, v in shapes.items()}}, ensure_ascii=False, indent=1))
    print("\n".join(markdown(figures, outcomes)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

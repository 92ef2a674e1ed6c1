"""The gold set: questions, the evidence a cited unit must contain, and the fact an answer must hold."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from corpus.text import match_form

DEFAULT_GOLD = Path(__file__).parent / "gold" / "dev.jsonl"


@dataclass
class GoldQuestion:
    id: str
    question: str
    doc_id: str | None
    evidence: list[str]
    fact: str | None
    tags: list[str] = field(default_factory=list)
    out_of_scope: bool = False
    split: str = ""  # realdocs.jsonl only: "tune" or "heldout" (see eval/gold/README.md)


def normalize(text: str) -> str:
    """The matching form of the gold README: NFC, one tone placement, lowercase, no markup, single spaces."""
    return match_form(re.sub(r"</?\w+[^>]*>|\*+", "", text))


def load_gold(path: Path = DEFAULT_GOLD) -> list[GoldQuestion]:
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(GoldQuestion(**json.loads(line)))
            except (json.JSONDecodeError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not a gold question ({exc})") from None
    return out


_CLAUSE_END = re.compile(r"(?<=[.;])\s+")


def relevant_units(question: GoldQuestion, units: dict[str, tuple[str, str]]) -> set[str]:
    """Ids of units (id → (doc_id, normalized text)) holding any evidence snippet of the question."""
    if question.out_of_scope:
        return set()
    snippets = [normalize(e) for e in question.evidence]
    own = {uid: text for uid, (doc_id, text) in units.items() if question.doc_id is None or doc_id == question.doc_id}
    found = {uid for uid, text in own.items() if any(s in text for s in snippets)}
    if found or not question.fact:
        return found
    # a snippet copied across two lines the document keeps apart ("… từ ngày 05/12/2025; Chánh Văn phòng …"):
    # the clause of it that states the fact is the evidence
    fact = normalize(question.fact)
    clauses = [c.strip() for s in snippets for c in _CLAUSE_END.split(s) if fact in c and len(c.strip()) > len(fact)]
    return {uid for uid, text in own.items() if any(c in text for c in clauses)}

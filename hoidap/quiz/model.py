"""The typed records of the quiz: an item, a source unit it is made from, the outcome of one answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

KINDS = ("mcq", "truefalse")
STATUSES = ("draft", "published", "retired")
TRUE_FALSE = ["Đúng", "Sai"]
LETTERS = "ABCD"


@dataclass(frozen=True)
class SourceUnit:
    """A citable unit as the generator sees it (from the store or the serving index)."""

    id: str
    doc_id: str
    kind: str  # table_row, target, bullet, paragraph, ...
    label: str
    text: str


@dataclass
class QuizItem:
    """One multiple-choice (4 options) or true/false item, citing the unit its fact is copied from.

    ``fact`` is the verbatim span of ``unit_text`` the item checks: the correct option of an "mcq"; the value the
    statement of a "truefalse" item is about (true when the statement uses it, false when it uses a distractor).
    """

    id: str
    kind: str
    question: str
    options: list[str]
    answer_index: int
    unit_id: str
    doc_id: str
    citation: str  # "Theo Kế hoạch … (Phụ lục I, nhiệm vụ 3.31)"
    label: str
    unit_text: str
    fact: str
    fact_kind: str  # percent, docnumber, agency, deadline
    status: str = "draft"
    extra: dict = field(default_factory=dict)  # from the generator only, not stored: a statement's value

    def contract(self) -> dict:
        """What ``hoidap quiz generate --json`` prints for the item."""
        return {"id": self.id, "kind": self.kind, "question": self.question, "options": list(self.options),
                "answer_index": self.answer_index, "unit_id": self.unit_id, "doc_id": self.doc_id}

    def admin(self) -> dict:
        """The item as admins review it."""
        return {**self.contract(), "status": self.status, "citation": self.citation, "label": self.label,
                "fact": self.fact, "fact_kind": self.fact_kind}

    def public(self) -> dict:
        """What a person taking a check sees before answering: no answer."""
        return {"id": self.id, "kind": self.kind, "question": self.question, "options": list(self.options)}

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Outcome:
    """The result of answering one item of a check."""

    item: QuizItem
    choice: int
    correct: bool

    def to_dict(self) -> dict:
        return {"item_id": self.item.id, "choice": self.choice, "correct": self.correct,
                "answer_index": self.item.answer_index, "citation": self.item.citation, "unit_id": self.item.unit_id,
                "doc_id": self.item.doc_id, "label": self.item.label, "unit_text": self.item.unit_text}


@dataclass
class Check:
    """A check being taken: its items in order and what was answered so far."""

    id: str
    person: str  # keyed hash of the channel's person id
    agency: str
    channel: str
    items: list[QuizItem]
    answers: dict[str, Outcome] = field(default_factory=dict)

    @property
    def answered(self) -> int:
        return len(self.answers)

    @property
    def correct(self) -> int:
        return sum(1 for o in self.answers.values() if o.correct)

    @property
    def finished(self) -> bool:
        return self.answered >= len(self.items)

    def next_item(self) -> QuizItem | None:
        """The first item not answered yet (how the bots walk through a check)."""
        return next((item for item in self.items if item.id not in self.answers), None)

    def score(self) -> dict:
        return {"check_id": self.id, "total": len(self.items), "answered": self.answered, "correct": self.correct,
                "finished": self.finished,
                "items": [{"item_id": item.id, "answered": item.id in self.answers,
                           "correct": self.answers[item.id].correct if item.id in self.answers else None}
                          for item in self.items]}

"""What an answer is, for every channel: the text, the units it cites and why it abstained.

The types only; :mod:`hoidap.answer` makes them, the channels format them (one JSON projection in
:mod:`api.schemas`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from index.versions import DocRecord, UnitRecord


@dataclass
class Citation:
    rank: int
    unit_id: str
    doc_id: str
    doc_title: str
    doc_number: str | None
    label: str
    text: str
    score: float
    citation: str = ""  # "Quyết định số ... của UBND tỉnh ..."
    breadcrumb: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    in_force: bool = True
    validity: str = ""  # "đã được thay thế bởi …" when the document is no longer in force (corpus.relations)
    replaced_by: list[dict] = field(default_factory=list)  # [{doc_id, citation, how, note}]
    ocr: bool = False  # the unit's text was recognised by OCR from a scan or a photo

    @property
    def mark(self) -> str:
        """What the answer text says after a citation of a document no longer in force."""
        return f" (Lưu ý: văn bản này {self.validity}.)" if self.validity else ""


def citation_of(rank: int, unit: UnitRecord, doc: DocRecord, score: float) -> Citation:
    """How every answer cites a unit (a search hit, or a unit an expert cited): with its document's
    validity (a replaced document is marked) and whether its text came from OCR."""
    return Citation(rank=rank, unit_id=unit.id, doc_id=unit.doc_id, doc_title=doc.title, doc_number=doc.number,
                    label=unit.label, text=unit.text, score=score, citation=doc.citation,
                    breadcrumb=list(unit.breadcrumb), in_force=doc.in_force, validity=doc.validity,
                    replaced_by=[dict(link) for link in doc.replaced_by], ocr=unit.ocr)


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    suggestions: list[dict] = field(default_factory=list)
    kind: str = "general"
    search_query: str = ""
    answer_id: str | None = None
    conversation_id: str | None = None
    latency_ms: float = 0.0
    index_version: str = ""
    direct: str | None = None  # the asked fact, verbatim from the unit ``direct_unit_id`` (hoidap.facts)
    direct_unit_id: str | None = None
    confidence: float | None = None  # the answerability model's probability that the documents answer
    reason: str | None = None  # why it abstained (index.answerability.vetoes, "low_confidence", "no_hits")
    faq: dict | None = None  # a curated expert answer matched (hoidap.experts): id, question, answered_at, unit_id

    @property
    def escalable(self) -> bool:
        """Whether the asker is offered to send the question to the expert in charge (no answer found)."""
        return self.abstained and self.faq is None

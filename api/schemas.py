"""Request and response models of the HTTP API (separate from the storage types)."""

from __future__ import annotations

from pydantic import BaseModel, Field, TypeAdapter


class Filters(BaseModel):
    province: str | None = Field(None, description="tỉnh, ví dụ 'Quảng Nam'")
    doc_type: str | None = Field(None, description="Quyết định, Kế hoạch, Đề án...")
    year: int | None = Field(None, ge=1945, le=2100)
    doc_id: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.model_dump().items() if v not in (None, "")}


class AskRequest(BaseModel):
    question: str = Field(..., description="câu hỏi, có hoặc không dấu", examples=["Kinh phí thực hiện đề án lấy từ đâu?"])
    top_k: int | None = Field(None, ge=1, le=20)
    filters: Filters | None = None
    conversation_id: str | None = Field(None, max_length=100, pattern=r"^[\w.:-]+$")


class CitationOut(BaseModel):
    rank: int
    unit_id: str
    doc_id: str
    doc_title: str
    doc_number: str | None
    label: str
    text: str
    score: float
    citation: str
    breadcrumb: list[str]
    quotes: list[str]
    in_force: bool = Field(True, description="false: the cited document was replaced, repealed or declared no longer in force")
    validity: str = Field("", description="'' when in force, else e.g. 'đã được thay thế bởi Quyết định …'")
    replaced_by: list[dict] = Field(default_factory=list, description="documents that replace it: {doc_id, citation, how, note}")
    ocr: bool = Field(False, description="the unit's text was recognised by OCR from a scan or a photo: check the original")


class AskResponse(BaseModel):
    question: str
    answer: str
    abstained: bool
    citations: list[CitationOut]
    suggestions: list[dict]
    answer_id: str
    conversation_id: str
    direct: str | None = Field(None, description="the asked fact, verbatim from the unit direct_unit_id; it opens `answer`")
    direct_unit_id: str | None = None
    confidence: float | None = Field(None, description="probability that the documents answer (answerability model)")
    faq: dict | None = Field(None, description="a curated expert answer matched: id, question, answered_at (dd/mm/yyyy), "
                             "unit_id (the unit it cites), score")
    reason: str | None = Field(None, description="why there is no answer: unknown_place, doc_year_missing, "
                               "missing_year, place_mismatch, detail_unmet, result_asked, low_confidence, no_hits")


_ANSWER = TypeAdapter(AskResponse)  # what FastAPI itself would check and dump a route's result with


def answer_json(answer: object) -> bytes:
    """The one JSON form of an answer (``hoidap.answer.Answer``), for the API and ``hoidap ask --json``:
    checked against :class:`AskResponse`, read straight from the dataclasses (no ``asdict`` copy)."""
    return _ANSWER.dump_json(_ANSWER.validate_python(answer, from_attributes=True))


class FeedbackRequest(BaseModel):
    answer_id: str = Field(..., max_length=64)
    helpful: bool
    comment: str | None = Field(None, max_length=2000)


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody

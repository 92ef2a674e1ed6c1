"""Request and response models of the HTTP API (separate from the storage types)."""

from __future__ import annotations

import dataclasses
import typing
from typing import Literal

from pydantic import BaseModel, Field, TypeAdapter, create_model

from hoidap.model import Citation


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
    channel: Literal["api", "widget"] = Field("api", description="who asks: the widget says so, for the query log")


# what the API says of the fields it documents; every other field of a citation is in every response
_CITATION_DOCS = {
    "in_force": "false: the cited document was replaced, repealed or declared no longer in force",
    "validity": "'' when in force, else e.g. 'đã được thay thế bởi Quyết định …'",
    "replaced_by": "documents that replace it: {doc_id, citation, how, note}",
    "ocr": "the unit's text was recognised by OCR from a scan or a photo: check the original",
}


def _citation_field(f: dataclasses.Field, annotation: type) -> tuple[type, object]:
    if f.name not in _CITATION_DOCS:
        return annotation, ...
    if f.default_factory is not dataclasses.MISSING:
        return annotation, Field(default_factory=f.default_factory, description=_CITATION_DOCS[f.name])
    return annotation, Field(f.default, description=_CITATION_DOCS[f.name])


# a citation as the API returns it: the fields of hoidap.model.Citation, one list of fields for both
_HINTS = typing.get_type_hints(Citation)
CitationOut = create_model("CitationOut", **{f.name: _citation_field(f, _HINTS[f.name])
                                             for f in dataclasses.fields(Citation)})


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
    channel: Literal["api", "widget"] = "api"


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody

"""The expert behind the bot: the queue and replies (admin), sending a question and reading replies (widget)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from api.deps import Admin, RateLimited, State
from hoidap.experts import MAX_REPLY_CHARS, Reply

admin = APIRouter(prefix="/api/admin", tags=["quản trị"], dependencies=[Admin])
public = APIRouter(prefix="/api", tags=["hỏi đáp"])


class Escalate(BaseModel):
    answer_id: str = Field(..., max_length=64)
    conversation_id: str = Field(..., max_length=100, pattern=r"^[\w.:-]+$")


class ExpertReply(BaseModel):
    text: str = Field(..., min_length=1, max_length=MAX_REPLY_CHARS, description="câu trả lời của cán bộ")
    unit_ids: list[str] = Field(default_factory=list, max_length=10, description="các đoạn văn bản được trích dẫn")
    faq: bool = Field(True, description="đưa vào câu hỏi thường gặp")
    faq_question: str | None = Field(None, max_length=500, description="câu hỏi hiển thị trong FAQ (mặc định: câu đã hỏi)")


def reply_out(reply: Reply) -> dict:
    return {"request_id": reply.request_id, "question": reply.question, "answer": reply.text,
            "answered_at": reply.answered_at, "citations": [u.__dict__ for u in reply.units]}


@public.post("/expert", status_code=status.HTTP_201_CREATED, dependencies=[RateLimited])
def escalate(body: Escalate, state: State) -> dict:
    """Gửi câu hỏi của một câu trả lời cho cán bộ phụ trách; câu trả lời hiện ra khi mở lại hội thoại."""
    request_id = state.assistant.escalate(body.answer_id, channel="api", conversation_id=body.conversation_id)
    return {"request_id": request_id, "status": "queued"}


@public.get("/replies", dependencies=[RateLimited])
def replies(state: State, conversation_id: str = Query(..., max_length=100, pattern=r"^[\w.:-]+$")) -> dict:
    """Các câu trả lời của cán bộ phụ trách cho một cuộc hội thoại của widget."""
    return {"replies": [reply_out(r) for r in state.assistant.replies(conversation_id)]}


@admin.get("/experts/requests")
def queue(state: State, status: Literal["open", "answered", "all"] = "open", limit: int = Query(200, ge=1, le=1000)) -> list[dict]:
    """Câu hỏi chuyển cán bộ phụ trách (mặc định: chưa trả lời, cũ nhất trước)."""
    return state.assistant.expert_requests(status, limit)


@admin.post("/experts/requests/{request_id}/reply")
def answer(request_id: int, body: ExpertReply, state: State) -> dict:
    """Trả lời một câu hỏi (văn bản tự do và/hoặc các đoạn trích dẫn); gửi lại người hỏi trên kênh đã hỏi."""
    return state.assistant.expert_reply(request_id, body.text, body.unit_ids, as_faq=body.faq,
                                        faq_question=body.faq_question)


@admin.get("/experts/faq")
def faq(state: State) -> list[dict]:
    """Câu hỏi thường gặp do cán bộ trả lời, đang dùng."""
    return [{"id": e.id, "question": e.question, "answer": e.answer, "units": [u.__dict__ for u in e.units],
             "created_at": e.created_at} for e in state.assistant.faq()]


@admin.delete("/experts/faq/{faq_id}")
def retire(faq_id: int, state: State) -> dict:
    """Ngừng dùng một mục câu hỏi thường gặp."""
    state.assistant.retire_faq(faq_id)
    return {"retired": faq_id}


@admin.get("/search")
def search(state: State, q: str = Query(..., min_length=1, max_length=500), k: int = Query(8, ge=1, le=20)) -> list[dict]:
    """Tìm đoạn văn bản để trích dẫn khi trả lời."""
    return state.assistant.find_units(q, k)



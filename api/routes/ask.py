"""POST /api/ask and POST /api/feedback."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from api.deps import RateLimited, State
from api.schemas import AskRequest, AskResponse, FeedbackRequest

router = APIRouter(prefix="/api", tags=["hỏi đáp"])


@router.post("/ask", response_model=AskResponse, dependencies=[RateLimited])
def ask(body: AskRequest, state: State) -> dict:
    """Trả lời một câu hỏi, kèm trích dẫn điều khoản."""
    conversation_id = body.conversation_id or uuid.uuid4().hex
    filters = body.filters.as_dict() if body.filters else None
    answer = state.assistant.ask(body.question, top_k=body.top_k, filters=filters,
                                 conversation_id=conversation_id, channel="api")
    return answer.to_dict()


@router.post("/feedback", status_code=status.HTTP_201_CREATED, dependencies=[RateLimited])
def feedback(body: FeedbackRequest, state: State) -> dict:
    """Ghi nhận đánh giá 👍/👎 cho một câu trả lời."""
    state.assistant.feedback(body.answer_id, body.helpful, body.comment, channel="api")
    return {"ok": True}

"""POST /api/ask and POST /api/feedback."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import RateLimited, State
from api.schemas import AskRequest, AskResponse, FeedbackRequest, answer_json
from api.state import AppState

router = APIRouter(prefix="/api", tags=["hỏi đáp"])


@router.post("/ask", response_model=AskResponse, dependencies=[RateLimited])
async def ask(body: AskRequest, state: State) -> Response:
    """Trả lời một câu hỏi, kèm trích dẫn điều khoản."""
    conversation_id = body.conversation_id or uuid.uuid4().hex
    filters = body.filters.as_dict() if body.filters else None
    # one trip to a worker thread for the answer and its JSON; a plain route would take three (answer,
    # then FastAPI's response validation in another thread, then serialisation of a deep-copied dict)
    content = await run_in_threadpool(_answer_json, state, body.question, body.top_k, filters, conversation_id,
                                      body.channel)
    return Response(content, media_type="application/json")


def _answer_json(state: AppState, question: str, top_k: int | None, filters: dict | None,
                 conversation_id: str, channel: str) -> bytes:
    answer = state.assistant.ask(question, top_k=top_k, filters=filters, conversation_id=conversation_id,
                                 channel=channel)
    return answer_json(answer)


@router.post("/feedback", status_code=status.HTTP_201_CREATED, dependencies=[RateLimited])
def feedback(body: FeedbackRequest, state: State) -> dict:
    """Ghi nhận đánh giá 👍/👎 cho một câu trả lời."""
    state.assistant.feedback(body.answer_id, body.helpful, body.comment, channel=body.channel)
    return {"ok": True}

"""Knowledge checks: taking one (public, rate-limited like /api/ask) and reviewing items and results (admin)."""

from __future__ import annotations

import secrets
from typing import Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import Admin, RateLimited, State

public = APIRouter(prefix="/api/quiz", tags=["kiểm tra kiến thức"], dependencies=[RateLimited])
admin = APIRouter(prefix="/api/admin/quiz", tags=["quản trị"], dependencies=[Admin])


class StartRequest(BaseModel):
    client_id: str | None = Field(None, max_length=100, pattern=r"^[\w.:-]+$",
                                  description="a stable id the widget keeps, so the check is weighted to past mistakes")
    agency: str | None = Field(None, max_length=120, description="the taker's agency, for results by agency")
    count: int | None = Field(None, ge=1, le=50)


class AnswerRequest(BaseModel):
    item_id: str = Field(..., max_length=40)
    choice: int = Field(..., ge=0, le=3)


class ItemPatch(BaseModel):
    question: str | None = Field(None, max_length=2000)
    options: list[str] | None = Field(None, max_length=4)
    answer_index: int | None = None
    status: Literal["draft", "published", "retired"] | None = None


class GenerateRequest(BaseModel):
    count: int | None = Field(None, ge=1, le=5000)


@public.post("/start")
def start(body: StartRequest, state: State) -> dict:
    """Bắt đầu một bài kiểm tra kiến thức (mặc định 10 câu đã duyệt); không kèm đáp án."""
    person = f"web:{body.client_id}" if body.client_id else f"web-anon:{secrets.token_hex(8)}"
    check = state.assistant.quiz_start(person, channel="web", agency=body.agency, count=body.count)
    return {"check_id": check.id, "items": [{"id": i.id, "question": i.question, "options": i.options}
                                            for i in check.items]}


@public.get("/agencies")
def public_agencies(state: State) -> dict:
    """Các cơ quan, đơn vị để chọn khi làm bài."""
    return {"names": state.assistant.quiz_agencies()}


@public.post("/{check_id}/answer")
def answer(check_id: str, body: AnswerRequest, state: State) -> dict:
    """Trả lời một câu: đúng hay sai, đáp án, và điều khoản được trích dẫn."""
    outcome = state.assistant.quiz_answer(check_id, body.item_id, body.choice)
    return outcome.to_dict()


@public.get("/{check_id}")
def score(check_id: str, state: State) -> dict:
    """Điểm của bài kiểm tra đến lúc này."""
    return state.assistant.quiz_check(check_id).score()


@admin.get("/items")
def items(state: State, status: Literal["draft", "published", "retired"] | None = None,
          kind: Literal["", "mcq", "truefalse"] = "", q: str = Query("", max_length=200), offset: int = Query(0, ge=0),
          limit: int = Query(5000, ge=1, le=5000)) -> dict:
    """Các câu hỏi trong ngân hàng, từng trang: lọc theo trạng thái, loại, từ trong câu hỏi; `total` là số câu khớp."""
    total, page = state.assistant.quiz_page(status=status, kind=kind, q=q, offset=offset, limit=limit)
    return {"total": total, "items": [item.admin() for item in page]}


class BulkStatus(BaseModel):
    ids: list[str] = Field(..., min_length=1, max_length=500)
    status: Literal["draft", "published", "retired"]


@admin.post("/items/status")
def bulk_status(body: BulkStatus, state: State) -> dict:
    """Đổi trạng thái nhiều câu hỏi một lần (phát hành, ngừng dùng, về chờ duyệt)."""
    changed = state.assistant.quiz_set_status(body.ids, body.status)
    return {"status": body.status, "changed": len(changed)}


class Agencies(BaseModel):
    names: list[str] = Field(..., max_length=2000)


@admin.get("/agencies")
def agencies(state: State) -> dict:
    """Danh sách cơ quan, đơn vị để người làm bài chọn (do quản trị viên giữ)."""
    return {"names": state.assistant.quiz_agencies()}


@admin.put("/agencies")
def set_agencies(body: Agencies, state: State) -> dict:
    """Thay danh sách cơ quan, đơn vị; tên gõ tự do sau đó được tính theo tên trong danh sách."""
    return {"names": state.assistant.quiz_set_agencies(body.names)}


@admin.patch("/items/{item_id}")
def edit(item_id: str, body: ItemPatch, state: State) -> dict:
    """Sửa câu hỏi, phương án, đáp án hoặc trạng thái (draft, published, retired)."""
    changes = body.model_dump(exclude_unset=True)
    return state.assistant.quiz_update(item_id, **changes).admin()


@admin.post("/generate")
async def generate(body: GenerateRequest, state: State) -> dict:
    """Tạo câu hỏi từ các văn bản đang lưu; câu mới ở dạng nháp."""
    _, added = await run_in_threadpool(state.assistant.quiz_generate, body.count)
    return {"added": len(added), "items": [item.admin() for item in added]}


@admin.get("/results")
def results(state: State, by: Literal["agency", "item"] = "agency", format: Literal["json", "csv"] = "json"):
    """Kết quả theo cơ quan hoặc theo câu hỏi: danh sách `{key, taken, correct, share}` (theo câu hỏi kèm `question`),
    ít đúng nhất trước khi theo câu hỏi; `format=csv` để tải về."""
    if format == "csv":
        return Response(state.assistant.quiz_results_csv(by), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="quiz-results-{by}.csv"'})
    return state.assistant.quiz_results(by)

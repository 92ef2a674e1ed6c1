"""Admin: upload and delete documents, read the query log. Behind X-API-Key."""

from __future__ import annotations

from fastapi import APIRouter, Request, UploadFile, status

from api.deps import Admin, State
from core.errors import FileTooLarge, IngestError

router = APIRouter(prefix="/api/admin", tags=["quản trị"], dependencies=[Admin])


@router.post("/documents", status_code=status.HTTP_201_CREATED)
async def upload(file: UploadFile, state: State, request: Request, doc_id: str | None = None) -> dict:
    """Tải lên một văn bản: nạp và cập nhật chỉ mục trong khi API vẫn trả lời."""
    limit = state.settings.max_file_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(f"{file.filename}: tệp vượt giới hạn {state.settings.max_file_mb:g} MB")
    if not file.filename:
        raise IngestError("thiếu tên tệp; hãy gửi tệp .txt .md .pdf .docx hoặc .html", code="missing_filename")
    from starlette.concurrency import run_in_threadpool

    result, report = await run_in_threadpool(state.admin.add, file.filename, data, doc_id)
    return {"doc_id": result.doc_id, "status": result.status, "units": result.units,
            "index_version": report.version, "embedded": report.embedded}


@router.delete("/documents/{doc_id}")
async def delete(doc_id: str, state: State) -> dict:
    """Xóa một văn bản khỏi kho và chỉ mục."""
    from starlette.concurrency import run_in_threadpool

    report = await run_in_threadpool(state.admin.delete, doc_id)
    return {"deleted": doc_id, "index_version": report.version}


@router.get("/questions")
def questions(state: State, limit: int = 100) -> list[dict]:
    """Nhật ký câu hỏi: câu không trả lời được hoặc bị đánh giá 👎 trước."""
    return state.assistant.questions(min(max(limit, 1), 1000))

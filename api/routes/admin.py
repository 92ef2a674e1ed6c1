"""Admin: upload, replace, delete and restore documents, the trash, the query log. Behind X-API-Key.

Upload routes take the raw ``Request`` rather than an ``UploadFile`` parameter: FastAPI reads and
parses a form body before it runs any dependency, so the key check would come after a 200 MB body
had been received. Here the key is checked first, then the body is streamed and cut off at the
size limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone

from typing import Literal

from fastapi import APIRouter, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from pydantic import BaseModel, ConfigDict, Field

from api.deps import Admin, State
from api.limits import MULTIPART_OVERHEAD
from core.errors import FileTooLarge, IngestError
from corpus.load import SUPPORTED

router = APIRouter(prefix="/api/admin", tags=["quản trị"], dependencies=[Admin])

_FORMATS = " ".join(SUPPORTED)  # every format the loader reads, said once
_ACCEPTED = f"gửi multipart/form-data với một trường 'file' chứa một tệp {_FORMATS}"


# the body is read by hand (the key is checked first, the size bounded while streaming): describe it here
_UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": f"a file of one of: {_FORMATS}"}}}}}}}


@router.get("/formats")
def formats() -> dict:
    """Các định dạng tệp đọc được (đuôi tệp), cho ô chọn tệp của trang quản trị."""
    return {"suffixes": list(SUPPORTED)}


@router.post("/documents", status_code=status.HTTP_201_CREATED, openapi_extra=_UPLOAD_BODY)
async def upload(request: Request, response: Response, state: State, doc_id: str | None = None,
                 replace: bool = False) -> dict:
    """Tải lên một văn bản mới (multipart, trường `file`); trùng mã thì 409 trừ khi `replace=true`."""
    return await _add(request, response, state, doc_id, replace)


@router.put("/documents/{doc_id}", status_code=status.HTTP_201_CREATED, openapi_extra=_UPLOAD_BODY)
async def put(doc_id: str, request: Request, response: Response, state: State) -> dict:
    """Tạo hoặc thay thế văn bản mã `doc_id`; bản cũ vào thùng rác, khôi phục được."""
    return await _add(request, response, state, doc_id, True)


@router.delete("/documents/{doc_id:path}")
async def delete(doc_id: str, state: State) -> dict:
    """Xóa một văn bản khỏi kho và chỉ mục; văn bản vào thùng rác, khôi phục được."""
    entry, report = await run_in_threadpool(state.admin.delete, doc_id)
    return {"deleted": doc_id, "index_version": report.version, **_trash_fields(state, entry)}


@router.post("/documents/{doc_id}/restore")
async def restore(doc_id: str, state: State, trash_id: int | None = None) -> dict:
    """Khôi phục văn bản từ thùng rác (bản mới nhất, hoặc mục `trash_id`) và cập nhật chỉ mục."""
    restored = await run_in_threadpool(state.admin.restore, doc_id, trash_id)
    return {"restored": doc_id, "trash_id": restored.entry.trash_id, "units": restored.entry.units,
            "displaced_trash_id": restored.displaced, "index_version": restored.report.version}


class MetadataChange(BaseModel):
    """Fields to correct; a field sent as null drops its correction, a field left out is not touched."""

    model_config = ConfigDict(extra="forbid")  # a misspelt field is refused, never silently ignored

    number: str | None = Field(None, max_length=80, examples=["12/QĐ-UBND"])
    date: str | None = Field(None, max_length=20, description="21/10/2021, 10/2021, 2021 or 2021-10-21")
    title: str | None = Field(None, max_length=500, description="the trích yếu, e.g. 'Kế hoạch cải cách hành chính năm 2026'")
    doc_type: str | None = Field(None, max_length=40, description="the kind of document: Quyết định, Kế hoạch, Công văn…")
    in_force: bool | None = Field(None, description="false: no longer in force (citations are marked)")
    replaced_by: list[str] | None = Field(None, description="ids of the documents that replace it; [] for none")


@router.get("/documents/{doc_id}/metadata")
def get_metadata(doc_id: str, state: State) -> dict:
    """Siêu dữ liệu đang dùng của một văn bản và các điều chỉnh của quản trị viên."""
    return state.admin.metadata(doc_id)


@router.patch("/documents/{doc_id}/metadata")
async def patch_metadata(doc_id: str, body: MetadataChange, state: State) -> dict:
    """Điều chỉnh số hiệu, ngày, trích yếu, loại văn bản, hiệu lực, văn bản thay thế; giữ qua các lần nạp lại."""
    changes = body.model_dump(exclude_unset=True)
    kept, report = await run_in_threadpool(state.admin.set_metadata, doc_id, changes)
    doc, _ = state.assistant.document(doc_id)
    return {"doc_id": doc_id, "overrides": kept, "index_version": report.version, "document": doc.public()}


@router.get("/trash")
def trash(state: State) -> list[dict]:
    """Thùng rác, mới nhất trước: mỗi bản với tệp và lúc tải lên, lúc xóa hoặc bị thay thế và bởi gì (`by`: deleted,
    upload {file, uploaded_at} hoặc restore), hạn khôi phục; thời gian là giây epoch."""
    return state.admin.trash_listing()


@router.get("/questions")
def questions(state: State, response: Response, limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0),
              q: str = Query("", max_length=200), channel: str = Query("", max_length=20),
              state_: Literal["", "flagged", "abstained", "negative", "answered"] = Query("", alias="state")) -> list[dict]:
    """Nhật ký câu hỏi, từng trang: câu không trả lời được hoặc bị đánh giá 👎 trước; lọc theo từ, kênh, tình trạng;
    tổng số câu khớp ở tiêu đề `X-Total-Count`; câu đã chuyển cán bộ kèm câu trả lời của cán bộ (`expert`)."""
    total, rows = state.assistant.questions(limit, q=q, channel=channel, state=state_, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return rows


async def _add(request: Request, response: Response, state: State, doc_id: str | None, replace: bool) -> dict:
    name, data = await read_upload(request, state.settings.max_file_bytes)
    result, report = await run_in_threadpool(lambda: state.admin.add(name, data, doc_id, replace=replace))
    if result.status != "added":
        response.status_code = status.HTTP_200_OK
    return {"doc_id": result.doc_id, "status": result.status, "units": result.units,
            "replaced_trash_id": result.trash_id, "index_version": report.version, "embedded": report.embedded}


async def read_upload(request: Request, limit: int) -> tuple[str, bytes]:
    """The file name and bytes of a multipart upload, read no further than ``limit`` bytes of file."""
    too_large = FileTooLarge(f"tệp vượt giới hạn {limit / 2**20:g} MB (HOIDAP_MAX_FILE_MB)")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + MULTIPART_OVERHEAD:
        raise too_large
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise IngestError(f"nội dung tải lên không phải multipart/form-data; {_ACCEPTED}", code="invalid_upload")

    async def bounded() -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > limit + MULTIPART_OVERHEAD:
                raise too_large
            yield chunk

    parser = MultiPartParser(request.headers, bounded(), max_files=1, max_fields=10)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise IngestError(f"nội dung multipart hỏng ({exc.message}); {_ACCEPTED}", code="invalid_upload") from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise IngestError(f"thiếu trường 'file'; {_ACCEPTED}", code="missing_file")
        if not upload.filename:
            raise IngestError(f"thiếu tên tệp; hãy gửi một tệp {_FORMATS}", code="missing_filename")
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise FileTooLarge(f"{upload.filename}: tệp vượt giới hạn {limit / 2**20:g} MB (HOIDAP_MAX_FILE_MB)")
        return upload.filename, data
    finally:
        await form.close()


def _trash_fields(state: State, entry) -> dict:
    def iso(epoch: float) -> str:
        return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="seconds")

    return {"trash_id": entry.trash_id, "trashed_at": iso(entry.trashed_at),
            "restorable_until": iso(state.admin.expires_at(entry))}

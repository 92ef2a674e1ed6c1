"""Errors as JSON ``{"error": {"code", "message"}}``: stable English codes, Vietnamese messages."""

from __future__ import annotations

import logging
import sqlite3

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException  # FastAPI's subclasses it; unknown routes raise this one

from core.sqlite import disk_full
from core.errors import (Busy, DocumentConflict, FileTooLarge, HoidapError, IndexMismatch,
                         IndexMissing, IndexUnavailable, IngestError, InvalidDocId, InvalidQuery, ModelUnavailable,
                         NotFound, QuizEmpty, QuizError, UnsupportedFormat)

log = logging.getLogger(__name__)

DISK_FULL = ("Máy chủ đã hết dung lượng đĩa nên chưa lưu được thay đổi; dữ liệu cũ vẫn nguyên vẹn. "
             "Hãy báo quản trị hệ thống giải phóng dung lượng rồi thử lại.")

_STATUS = [(NotFound, 404), (FileTooLarge, 413), (UnsupportedFormat, 415), (IngestError, 422), (InvalidQuery, 400),
           (InvalidDocId, 400), (DocumentConflict, 409), (Busy, 503), (QuizError, 422), (QuizEmpty, 409),
           (IndexMissing, 503), (IndexUnavailable, 503), (IndexMismatch, 503), (ModelUnavailable, 503)]


def error_response(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(HoidapError)
    async def _ours(request: Request, exc: HoidapError) -> JSONResponse:
        status = next((s for kind, s in _STATUS if isinstance(exc, kind)), 400)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Busy) else None
        return error_response(status, exc.code, exc.message, headers)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        if isinstance(exc.detail, dict):
            return error_response(exc.status_code, exc.detail["code"], exc.detail["message"], exc.headers)
        codes = {404: ("not_found", "Không tìm thấy địa chỉ này"), 405: ("method_not_allowed", "Phương thức không được hỗ trợ")}
        code, message = codes.get(exc.status_code, ("http_error", str(exc.detail)))
        return error_response(exc.status_code, code, message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors()[:5]:
            where = ".".join(str(p) for p in err["loc"] if p != "body")
            parts.append(f"{where or 'nội dung'}: {err['msg']}")
        return error_response(422, "invalid_request", "Yêu cầu không hợp lệ — " + "; ".join(parts))

    async def _storage(request: Request, exc: Exception) -> JSONResponse:
        if disk_full(exc):  # nothing was half-applied (transactions, atomic renames): say what to do
            log.error("disk full on %s %s: %s", request.method, request.url.path, exc)
            return error_response(507, "disk_full", DISK_FULL)
        return await _unexpected(request, exc)

    app.add_exception_handler(sqlite3.OperationalError, _storage)
    app.add_exception_handler(OSError, _storage)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(500, "internal_error", "Lỗi hệ thống; vui lòng thử lại sau")

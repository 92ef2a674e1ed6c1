"""GET /api/health and GET /metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse

from api.deps import State

router = APIRouter(tags=["hệ thống"])


@router.get("/api/health", responses={503: {"description": "status `starting`: models not warmed up yet"}})
def health(state: State) -> JSONResponse:
    """Trạng thái dịch vụ và chỉ mục: `status` là `starting` (503) cho tới khi mô hình đã nạp và chạy thử,
    rồi `ok`; `store`: chỉ mục đang phục vụ có khớp kho văn bản không."""
    body = {**state.assistant.health(), "store": state.admin.sync_status()}
    return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(state: State) -> str:
    """Số liệu theo định dạng Prometheus."""
    return state.assistant.metrics.prometheus(state.assistant.snapshot().manifest.units)

"""GET /api/health and GET /metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from api.deps import State

router = APIRouter(tags=["hệ thống"])


@router.get("/api/health")
def health(state: State) -> dict:
    """Trạng thái dịch vụ và chỉ mục; `store`: chỉ mục đang phục vụ có khớp kho văn bản không."""
    return {**state.assistant.health(), "store": state.admin.sync_status()}


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(state: State) -> str:
    """Số liệu theo định dạng Prometheus."""
    return state.assistant.metrics.prometheus(state.assistant.snapshot().manifest.units)

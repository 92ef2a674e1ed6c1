"""GET /api/health and GET /metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from api.deps import State

router = APIRouter(tags=["hệ thống"])


@router.get("/api/health")
def health(state: State) -> dict:
    """Trạng thái dịch vụ và chỉ mục."""
    loaded = state.searcher.current()
    return {"status": "ok", "index_version": loaded.manifest.version, "units": loaded.manifest.units,
            "documents": len(loaded.docs), "model": loaded.manifest.model}


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(state: State) -> str:
    """Số liệu theo định dạng Prometheus."""
    m = state.metrics
    lines = ["# HELP hoidap_http_requests_total HTTP requests by route and status.",
             "# TYPE hoidap_http_requests_total counter"]
    with m.lock:
        for (route, code), count in sorted(m.requests.items()):
            lines.append(f'hoidap_http_requests_total{{route="{route}",status="{code}"}} {count}')
        lines += ["# HELP hoidap_answer_seconds Time to answer a question.", "# TYPE hoidap_answer_seconds histogram"]
        for bound, count in m.buckets.items():
            le = "+Inf" if bound == float("inf") else f"{bound:g}"
            lines.append(f'hoidap_answer_seconds_bucket{{le="{le}"}} {count}')
        lines += [f"hoidap_answer_seconds_sum {m.answer_seconds:.6f}", f"hoidap_answer_seconds_count {m.answers}",
                  "# HELP hoidap_answers_abstained_total Questions the documents did not answer.",
                  "# TYPE hoidap_answers_abstained_total counter", f"hoidap_answers_abstained_total {m.abstained}"]
    loaded = state.searcher.current()
    lines += ["# HELP hoidap_index_units Units in the serving index.", "# TYPE hoidap_index_units gauge",
              f"hoidap_index_units {loaded.manifest.units}"]
    return "\n".join(lines) + "\n"

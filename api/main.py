"""Builds the FastAPI app: routes, errors, CORS, the widget and its demo page."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse

from api import errors
from api.deps import RateLimiter
from api.routes import admin, ask, documents, system
from api.state import AppState
from core.settings import Settings

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app, with its state built from ``settings`` (the environment when not given)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.hoidap.assistant.snapshot()  # fail at start, not on the first question, if no index
        yield

    app = FastAPI(title="Hỏi đáp CCHC", version="0.1.0", lifespan=lifespan,
                  description="Hỏi đáp văn bản cải cách hành chính, trả lời kèm trích dẫn điều khoản.")
    app.state.hoidap = AppState(settings)
    app.state.limiter = RateLimiter(settings.rate_limit_per_minute)
    errors.install(app)
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "DELETE"],
                       allow_headers=["Content-Type", "X-API-Key", "X-Client-Id"])

    @app.middleware("http")
    async def count_requests(request: Request, call_next):
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "other")
        app.state.hoidap.assistant.metrics.observe_request(path, response.status_code)
        return response

    for router in (ask.router, documents.router, admin.router, system.router):
        app.include_router(router)
    _mount_channels(app, settings)

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="application/javascript")

    @app.get("/", include_in_schema=False)
    def demo() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/doc/{doc_id}", include_in_schema=False)
    def reader(doc_id: str) -> FileResponse:
        return FileResponse(STATIC / "doc.html", media_type="text/html")

    return app


def _mount_channels(app: FastAPI, settings: Settings) -> None:
    """Webhook routes of the chat bots, when the bot package provides them."""
    try:
        from bot.webhooks import mount
    except ImportError as exc:  # the bot extra is not installed: the API works without it
        log.info("chat bot webhooks not mounted: %s", exc)
        return
    mount(app, settings)

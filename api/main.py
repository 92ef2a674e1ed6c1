"""Builds the FastAPI app: routes, errors, CORS, the widget and its demo page."""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import logging
import re
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import errors
from api.routes import admin, ask, console, documents, experts, quiz, system
from api.limits import BodyLimit
from api.serving import check_admin_keys
from api.sessions import Sessions, SignInGuard
from api.schemas import ErrorResponse
from api.state import AppState
from core.errors import HoidapError, IndexUnavailable
from core.ratelimit import RateLimiter
from core.settings import Settings
from hoidap.metrics import Metrics
from hoidap.privacy import pseudonym_key

log = logging.getLogger(__name__)

# every error body is {"error": {"code", "message"}} (api/errors.py); the OpenAPI document says so
ERROR_RESPONSES = {status: {"model": ErrorResponse, "description": text} for status, text in (
    (400, "bad request: invalid_doc_id, …"), (401, "unauthorized"), (403, "csrf_failed (console session without X-CSRF-Token)"),
    (404, "not_found"),
    (409, "document_exists, duplicate_document"), (413, "file_too_large, body_too_large"), (415, "unsupported_format"),
    (422, "empty_question, question_too_long, invalid_filter, invalid_request, corrupt_document, …"),
    (429, "rate_limited (with Retry-After)"), (503, "index_missing, index_unavailable, busy"),
    (507, "disk_full (nothing was changed)"))}
STATIC = resources.files("api") / "static"  # package data: served from a wheel install as from a checkout
# what the widget calls from a portal's page; every other path (admin, health, metrics, webhooks) is same-origin
PUBLIC_PATHS = ("/api/ask", "/api/feedback", "/api/documents", "/api/units/", "/api/quiz/", "/widget.js",
                "/api/expert", "/api/replies")
# the pages (demo portal, reader, library, console) and their scripts and styles: plain files, no build step
HTML_PAGES = {"/": "index.html", "/doc/{doc_id}": "doc.html", "/vanban": "vanban.html", "/vanban/{doc_id}": "doc.html",
              "/admin": "admin.html"}
PAGES = {"admin.js": "application/javascript", "admin.css": "text/css", "vanban.js": "application/javascript"}


class CORSByPath:
    """Two CORS policies: the widget's public routes follow ``public_origins``, every other route
    ``private_origins`` (none by default: no ``Access-Control-Allow-Origin``, preflights refused).

    Example:
        >>> app.add_middleware(CORSByPath, public_origins=["*"], private_origins=[])  # doctest: +SKIP
    """

    def __init__(self, app: ASGIApp, public_origins: list[str], private_origins: list[str]) -> None:
        self.public = CORSMiddleware(app, allow_origins=public_origins, allow_methods=["GET", "POST"],
                                     allow_headers=["Content-Type"])
        self.private = CORSMiddleware(app, allow_origins=private_origins, allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                                      allow_headers=["Content-Type", "X-API-Key", "X-CSRF-Token"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        public = scope["type"] == "http" and scope["path"].startswith(PUBLIC_PATHS)
        await (self.public if public else self.private)(scope, receive, send)


class RequestMetrics:
    """Counts every HTTP response by route template and status (``hoidap_http_requests``).

    A plain ASGI middleware: Starlette's ``@app.middleware("http")`` runs each request through an
    extra task and memory streams, measurable on every question. A request that fails before any
    response is sent is counted as the 500 that the error handler outside it answers.

    Example:
        >>> app.add_middleware(RequestMetrics, metrics=Metrics())  # doctest: +SKIP
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            # the router has put the matched route in the scope by now
            self.metrics.observe_request(getattr(scope.get("route"), "path", "other"), status)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app, with its state built from ``settings`` (the environment when not given)."""
    settings = settings or Settings()
    check_admin_keys(settings)  # a guessable admin key stops the start, with what is accepted

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # an admin change killed between the store and the index is finished before anything is served
        try:
            finished = await asyncio.to_thread(app.state.hoidap.admin.recover)
        except HoidapError as exc:  # the index stays as it was; /api/health says the store differs
            log.error("could not finish an admin change interrupted by a crash: %s", exc.message)
            finished = None
        if finished:
            log.warning("finished an admin change interrupted by a crash: %s", finished)
        try:
            app.state.hoidap.assistant.snapshot()  # fail at start, not on the first question, if no index
        except IndexUnavailable as exc:  # Milvus may come back: answer 503 index_unavailable until it does
            log.warning("starting without the index: %s", exc.message)
        # the first question must load nothing: /api/health says "starting" (503) until the warm-up has run
        app.state.hoidap.start_warm_up()
        yield
        await asyncio.to_thread(app.state.hoidap.stop_warm_up)

    app = FastAPI(title="Hỏi đáp CCHC", version="0.1.0", lifespan=lifespan,
                  description="Hỏi đáp văn bản cải cách hành chính, trả lời kèm trích dẫn điều khoản.")
    app.state.hoidap = AppState(settings)
    app.state.limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_max_clients)
    app.state.sessions = Sessions(settings.sessions_path, settings.admin_session_hours * 3600)
    app.state.signin_guard = SignInGuard(settings.sessions_path, settings.admin_signin_failures,
                                         settings.admin_signin_lockout_minutes * 60, settings.rate_limit_max_clients,
                                         key=pseudonym_key(settings))
    errors.install(app)
    # innermost of the middlewares: a 413 still gets its CORS headers and is counted
    app.add_middleware(BodyLimit, json_bytes=settings.max_json_kb * 1024, upload_bytes=settings.max_file_bytes)
    app.add_middleware(CORSByPath, public_origins=settings.cors_origins, private_origins=settings.admin_cors_origins)

    app.add_middleware(RequestMetrics, metrics=app.state.hoidap.assistant.metrics)

    for router in (ask.router, documents.router, admin.router, quiz.public, quiz.admin, system.router,
                   console.router, experts.public, experts.admin):
        app.include_router(router, responses=ERROR_RESPONSES)
    _mount_channels(app, settings)

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> Response:
        return _static("widget.js", "application/javascript")

    for path, page in HTML_PAGES.items():  # each page fetches its own data from the API
        app.add_api_route(path, _html_page(page), methods=["GET"], include_in_schema=False)

    @app.get("/static/{name}", include_in_schema=False)
    def page_asset(name: str) -> Response:
        if name not in PAGES:
            raise HTTPException(status_code=404)
        return _static(name, PAGES[name])

    return app


def _html_page(name: str):
    """A route serving one HTML page; it takes no parameters, so no request can choose another file."""
    def page() -> Response:
        return _static(name, "text/html")
    return page


def _static(name: str, media_type: str) -> Response:
    body = (STATIC / name).read_bytes()
    headers = {"Cache-Control": "no-cache"}
    if media_type == "text/html":
        headers |= {"Content-Security-Policy": content_policy(name, body),
                    "Referrer-Policy": "no-referrer" if name.startswith("admin") else "same-origin"}
    if name.startswith("admin"):  # pages hold no secret, but the console must not be framed by another site
        headers["X-Frame-Options"] = "DENY"
    return Response(body, media_type=media_type, headers=headers)


@functools.cache
def content_policy(name: str, page: bytes) -> str:
    """The Content-Security-Policy of one page: scripts from this server and the page's own inline scripts and
    handlers (by their SHA-256), styles from here or inline (the widget styles its shadow root), calls to
    this server only, no plugins, no other base, forms sent here only; the console is never framed.

    Example:
        >>> content_policy("x.html", b"<script>go()</script>").split("; ")[1]
        "script-src 'self' 'sha256-5KYv+PUboo5h+0+YAtGRPbwv5d/QxzHslP4YGnUaxRw='"
    """
    text = page.decode("utf-8")
    inline = re.findall(r"<script>(.*?)</script>", text, re.S)
    handlers = re.findall(r"\son[a-z]+=\"([^\"]*)\"", text)
    hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'"
              for code in inline + handlers]
    scripts = " ".join(["'self'", *(["'unsafe-hashes'"] if handlers else []), *hashes])
    frames = "'none'" if name.startswith("admin") else "*"
    return (f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            f"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {frames}")


def _mount_channels(app: FastAPI, settings: Settings) -> None:
    """Webhook routes of the chat bots, when the bot package provides them."""
    try:
        from api.routes.webhooks import mount
    except ImportError as exc:  # the bot extra is not installed: the API works without it
        log.info("chat bot webhooks not mounted: %s", exc)
        return
    mount(app, settings)

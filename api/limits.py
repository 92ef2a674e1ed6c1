"""Request bodies bounded before they are read, and ``X-Content-Type-Options: nosniff`` on every response.

A plain ASGI middleware: the limit of a request is decided from its method and path before a byte of the
body is read (``HOIDAP_MAX_FILE_MB`` plus room for the multipart framing for uploads, ``HOIDAP_MAX_JSON_KB``
for every other route, webhooks included). A ``Content-Length`` above it is answered 413 at once; a body
sent without one (chunked) is counted as it streams and cut off with 413 as soon as it passes the limit,
so no route ever holds more than its limit in memory. (An upload's declared size is refused by its route,
which checks the admin key first and reads nothing before; the count here still bounds what it streams.)
"""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

# room for the multipart boundaries and part headers around an uploaded file
MULTIPART_OVERHEAD = 64 * 1024
UPLOAD_PREFIX = "/api/admin/documents"
NOSNIFF = (b"x-content-type-options", b"nosniff")


def is_upload(method: str, path: str) -> bool:
    """Whether the route takes a file: ``POST /api/admin/documents`` or ``PUT /api/admin/documents/{id}``.

    Example:
        >>> is_upload("POST", "/api/admin/documents"), is_upload("PATCH", "/api/admin/documents/a/metadata")
        (True, False)
    """
    if method == "POST":
        return path.rstrip("/") == UPLOAD_PREFIX
    return method == "PUT" and path.startswith(UPLOAD_PREFIX + "/")


class BodyLimit:
    """413 for a body larger than its route's limit, decided before reading it (see the module's text).

    Args:
        app: the app inside.
        json_bytes: the limit of every route but uploads.
        upload_bytes: the limit of an uploaded file (the multipart framing is allowed on top).

    Example:
        >>> app.add_middleware(BodyLimit, json_bytes=64 * 1024, upload_bytes=20 * 2**20)  # doctest: +SKIP
    """

    def __init__(self, app: ASGIApp, json_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.json_bytes = json_bytes
        self.upload_bytes = upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = is_upload(scope["method"], scope["path"])
        limit = self.upload_bytes + MULTIPART_OVERHEAD if upload else self.json_bytes
        declared = _content_length(scope)
        # an upload's declared size is judged by its route after the admin key (401 before 413 to strangers)
        if declared is not None and declared > limit and not upload:
            await self._refuse(send, upload)
            return
        seen = 0
        refused = False  # the 413 is sent: what the app still sends is dropped, what it reads is a disconnect

        async def receiving() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    refused = True
                    if not started:
                        await self._refuse(send, upload)
                    return {"type": "http.disconnect"}
            return message

        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), NOSNIFF]
            await send(message)

        try:
            await self.app(scope, receiving, sending)
        except Exception:
            if not refused:
                raise
            # the app saw the body end early (a disconnect) after the 413 was sent: nothing more to say
            log.debug("request on %s stopped after its body passed %d bytes", scope["path"], limit)

    async def _refuse(self, send: Send, upload: bool) -> None:
        if upload:
            code, message = "file_too_large", (f"tệp vượt giới hạn {self.upload_bytes / 2**20:g} MB "
                                               "(HOIDAP_MAX_FILE_MB)")
        else:
            code, message = "body_too_large", (f"nội dung yêu cầu vượt giới hạn {self.json_bytes // 1024} KB "
                                               "(HOIDAP_MAX_JSON_KB)")
        body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode("utf-8")
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"), NOSNIFF]})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None

"""Sign-in to the admin console: POST/GET/DELETE /api/console/session (the cookie the /api/admin/* routes accept)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from api.deps import State, address_of, console_session, key_ok, locked_out
from api.sessions import COOKIE

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/console", tags=["quản trị"])


class SignIn(BaseModel):
    key: str = Field(..., min_length=1, max_length=500, description="một khóa trong HOIDAP_ADMIN_KEYS")


def _session_body(session) -> dict:
    return {"csrf_token": session.csrf, "expires_at": session.expires_at}


@router.post("/session")
def sign_in(body: SignIn, request: Request, response: Response, state: State) -> dict:
    """Đăng nhập trang quản trị bằng khóa quản trị; đặt cookie phiên (HttpOnly, SameSite=Strict)."""
    guard = request.app.state.signin_guard
    address = address_of(request, state)
    locked_out(guard, address)
    if not key_ok(state, body.key):
        guard.fail(address)
        log.warning("console sign-in refused for %s (wrong key)", address)  # never the key itself
        raise HTTPException(status_code=401, detail={"code": "unauthorized",
                            "message": "Khóa quản trị không đúng; hãy nhập một khóa trong HOIDAP_ADMIN_KEYS"})
    guard.succeed(address)
    token, session = request.app.state.sessions.create()
    response.set_cookie(COOKIE, token, max_age=int(request.app.state.sessions.ttl_s), path="/", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")
    log.info("console sign-in from %s", address)
    return _session_body(session)


@router.get("/session")
def current(request: Request) -> dict:
    """Phiên đăng nhập hiện tại và mã chống giả mạo (CSRF) phải gửi kèm mỗi thay đổi."""
    session = console_session(request)
    if session is None:
        raise HTTPException(status_code=401, detail={"code": "unauthorized", "message": "Chưa đăng nhập trang quản trị"})
    return _session_body(session)


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(request: Request) -> Response:
    """Đăng xuất (cần X-CSRF-Token)."""
    session = console_session(request)
    if session is not None:
        if not session.csrf_ok(request.headers.get("x-csrf-token")):
            raise HTTPException(status_code=403, detail={"code": "csrf_failed",
                                "message": "Thiếu hoặc sai mã chống giả mạo (tiêu đề X-CSRF-Token)"})
        request.app.state.sessions.end(request.cookies.get(COOKIE))
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response

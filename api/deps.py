"""Shared dependencies: the app state, the per-client-address rate limit, the admin check (key or console session)."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from api.sessions import COOKIE, Session, SignInGuard
from api.state import AppState

log = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


# the two dependencies of every question are async: as plain functions FastAPI would send each to a
# worker thread and back, two thread hops per request for a dictionary look-up and a token bucket
async def get_state(request: Request) -> AppState:
    return request.app.state.hoidap


State = Annotated[AppState, Depends(get_state)]


def client_address(peer: str, forwarded: list[str], trusted: Sequence[IPv4Network | IPv6Network]) -> str:
    """The address a request is counted against.

    ``peer`` (the direct TCP peer) unless it is a trusted proxy; then the rightmost ``X-Forwarded-For`` hop that
    is not itself a trusted proxy (hops to its left were written by the client and prove nothing).

    Example:
        >>> from ipaddress import ip_network
        >>> proxy = [ip_network("10.0.0.0/8")]
        >>> client_address("10.0.0.2", ["1.2.3.4, 5.6.7.8"], proxy), client_address("9.9.9.9", ["1.2.3.4"], proxy)
        ('5.6.7.8', '9.9.9.9')
    """
    if not _within(peer, trusted):
        return peer
    hops = [hop.strip() for header in forwarded for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _within(hop, trusted):
            return hop
    return hops[0] if hops else peer  # every hop is ours: the leftmost is as far as the chain goes


def _within(address: str, networks: Sequence[IPv4Network | IPv6Network]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def address_of(request: Request, state: AppState) -> str:
    """The client address of ``request`` (see :func:`client_address`)."""
    peer = request.client.host if request.client else "unknown"
    return client_address(peer, request.headers.getlist("x-forwarded-for"), state.settings.trusted_proxies)


async def rate_limited(request: Request, state: State) -> None:
    address = address_of(request, state)
    decision = request.app.state.limiter.take(address)
    if not decision.allowed:
        raise HTTPException(status_code=429, detail={"code": "rate_limited",
                            "message": f"Quá nhiều yêu cầu; hãy thử lại sau {decision.wait:.0f} giây"},
                            headers={"Retry-After": str(max(1, round(decision.wait)))})


def key_ok(state: AppState, given: str | None) -> bool:
    """Whether ``given`` is one of the admin keys."""
    keys = [k.get_secret_value() for k in state.settings.admin_keys]
    # compare against every key in constant time, so timing tells nothing about which part matched
    ok = False
    for key in keys:
        ok |= hmac.compare_digest((given or "").encode(), key.encode())
    return bool(keys) and bool(given) and ok


def locked_out(guard: SignInGuard, address: str) -> None:
    """429 (with ``Retry-After``) when ``address`` has failed too many sign-ins or admin keys of late."""
    wait = guard.wait(address)
    if wait > 0:
        raise HTTPException(status_code=429, headers={"Retry-After": str(max(1, round(wait)))}, detail={
            "code": "rate_limited", "message": f"Đăng nhập sai quá nhiều lần; hãy thử lại sau {max(1, round(wait / 60))} phút"})


def console_session(request: Request) -> Session | None:
    """The console session of the request's cookie, if it is valid and not expired."""
    return request.app.state.sessions.get(request.cookies.get(COOKIE))


def require_admin(request: Request, state: State, x_api_key: Annotated[str | None, Header()] = None,
                  x_csrf_token: Annotated[str | None, Header()] = None) -> None:
    """An admin key in ``X-API-Key``, or the console's session cookie (plus ``X-CSRF-Token`` to change anything).

    Wrong keys count toward the console's failed sign-ins of the client address (shared by every worker):
    past ``HOIDAP_ADMIN_SIGNIN_FAILURES`` the address gets 429 until the lockout ends, right key or not.
    """
    if x_api_key is not None:
        guard = request.app.state.signin_guard
        address = address_of(request, state)
        locked_out(guard, address)
        if not key_ok(state, x_api_key):
            guard.fail(address)
            log.warning("admin key refused for %s (wrong X-API-Key)", address)  # never the key itself
            raise HTTPException(status_code=401, detail={"code": "unauthorized",
                                "message": "Cần khóa quản trị hợp lệ trong tiêu đề X-API-Key"})
        guard.succeed(address)
        return
    session = console_session(request)
    if session is None:
        raise HTTPException(status_code=401, detail={"code": "unauthorized", "message":
                            "Cần khóa quản trị hợp lệ trong tiêu đề X-API-Key, hoặc đăng nhập tại /admin"})
    if request.method not in SAFE_METHODS and not session.csrf_ok(x_csrf_token):
        raise HTTPException(status_code=403, detail={"code": "csrf_failed", "message":
                            "Thiếu hoặc sai mã chống giả mạo (tiêu đề X-CSRF-Token); hãy tải lại trang quản trị"})


RateLimited = Depends(rate_limited)
Admin = Depends(require_admin)

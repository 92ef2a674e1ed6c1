"""Shared dependencies: the app state, the per-client rate limit, the admin key check."""

from __future__ import annotations

import hmac
import threading
import time
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from api.state import AppState


def get_state(request: Request) -> AppState:
    return request.app.state.hoidap


State = Annotated[AppState, Depends(get_state)]


class RateLimiter:
    """A token bucket per client: ``per_minute`` requests, refilled continuously."""

    def __init__(self, per_minute: int) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """0 if allowed, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / self.rate


def client_id(request: Request) -> str:
    return request.headers.get("x-client-id") or (request.client.host if request.client else "unknown")


def rate_limited(request: Request, state: State) -> None:
    wait = request.app.state.limiter.take(client_id(request))
    if wait:
        raise HTTPException(status_code=429, detail={"code": "rate_limited",
                            "message": f"Quá nhiều yêu cầu; hãy thử lại sau {wait:.0f} giây"},
                            headers={"Retry-After": str(max(1, round(wait)))})


def require_admin(state: State, x_api_key: Annotated[str | None, Header()] = None) -> None:
    keys = [k.get_secret_value() for k in state.settings.admin_keys]
    given = (x_api_key or "").encode()
    # compare against every key in constant time, so timing tells nothing about which part matched
    ok = False
    for key in keys:
        ok |= hmac.compare_digest(given, key.encode())
    if not keys or not x_api_key or not ok:
        raise HTTPException(status_code=401, detail={"code": "unauthorized",
                            "message": "Cần khóa quản trị hợp lệ trong tiêu đề X-API-Key"})


RateLimited = Depends(rate_limited)
Admin = Depends(require_admin)

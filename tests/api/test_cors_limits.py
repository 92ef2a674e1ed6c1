"""CORS by route and the rate limit by client address, against the real app (no index needed: the lifespan,
which opens the index, does not run without ``with TestClient(...)``, and the routes used here need none)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from core.settings import Settings

PORTAL = "https://dichvucong.quangnam.gov.vn"
KEY = "admin-key-for-cors-0123456789abcdef"
PUBLIC_GETS = ["/api/documents", "/api/units/khong-co", "/widget.js"]


def _app(tmp_path: Path, peer: tuple[str, int] = ("203.0.113.9", 1), **values) -> TestClient:
    settings = Settings(data_dir=tmp_path / "data", admin_keys=[SecretStr(KEY)], **values)
    return TestClient(create_app(settings), client=peer)


def _feedback(client: TestClient, **headers) -> int:
    return client.post("/api/feedback", json={"answer_id": uuid.uuid4().hex, "helpful": True},
                       headers=headers).status_code


# --- CORS ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PUBLIC_GETS)
def test_public_routes_allow_the_configured_origin(tmp_path: Path, path: str) -> None:
    client = _app(tmp_path, cors_origins=[PORTAL])
    assert client.get(path, headers={"Origin": PORTAL}).headers["access-control-allow-origin"] == PORTAL
    assert "access-control-allow-origin" not in client.get(path, headers={"Origin": "https://evil.example"}).headers


def test_ask_preflight_from_the_portal_is_allowed(tmp_path: Path) -> None:
    client = _app(tmp_path, cors_origins=[PORTAL])
    preflight = client.options("/api/ask", headers={"Origin": PORTAL, "Access-Control-Request-Method": "POST",
                                                    "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == PORTAL


def test_admin_routes_are_never_cross_origin_by_default(tmp_path: Path) -> None:
    client = _app(tmp_path)  # HOIDAP_CORS_ORIGINS defaults to "*" for the widget's routes
    assert client.get("/api/documents", headers={"Origin": PORTAL}).headers["access-control-allow-origin"] == "*"
    admin = client.get("/api/admin/questions", headers={"Origin": PORTAL, "X-API-Key": KEY})
    assert admin.status_code == 200 and "access-control-allow-origin" not in admin.headers
    preflight = client.options("/api/admin/documents/x", headers={
        "Origin": PORTAL, "Access-Control-Request-Method": "DELETE", "Access-Control-Request-Headers": "x-api-key"})
    assert preflight.status_code == 400 and "access-control-allow-origin" not in preflight.headers
    for path in ("/api/health", "/metrics"):
        assert "access-control-allow-origin" not in client.get(path, headers={"Origin": PORTAL}).headers


def test_admin_origins_can_be_allowed_explicitly(tmp_path: Path) -> None:
    client = _app(tmp_path, cors_origins=[PORTAL], admin_cors_origins=["https://quantri.quangnam.gov.vn"])
    admin = client.get("/api/admin/questions", headers={"Origin": "https://quantri.quangnam.gov.vn", "X-API-Key": KEY})
    assert admin.headers["access-control-allow-origin"] == "https://quantri.quangnam.gov.vn"
    assert "access-control-allow-origin" not in client.get("/api/admin/questions",
                                                           headers={"Origin": PORTAL, "X-API-Key": KEY}).headers


# --- rate limit ------------------------------------------------------------------------------


def test_a_new_client_id_per_request_is_still_limited(tmp_path: Path) -> None:
    client = _app(tmp_path, rate_limit_per_minute=3)
    statuses = [_feedback(client, **{"X-Client-Id": uuid.uuid4().hex}) for _ in range(4)]
    assert statuses == [404, 404, 404, 429]  # 404: the answer id is unknown, but the request was let through
    refused = client.post("/api/feedback", json={"answer_id": "x", "helpful": True})
    assert refused.json()["error"]["code"] == "rate_limited" and int(refused.headers["retry-after"]) >= 1


def test_another_address_has_its_own_bucket(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", rate_limit_per_minute=1)
    app = create_app(settings)
    first, second = TestClient(app, client=("203.0.113.1", 1)), TestClient(app, client=("203.0.113.2", 1))
    assert [_feedback(first), _feedback(first), _feedback(second)] == [404, 429, 404]


def test_forwarded_address_counts_only_behind_a_trusted_proxy(tmp_path: Path) -> None:
    proxied = _app(tmp_path, rate_limit_per_minute=1, trusted_proxies="10.0.0.0/8", peer=("10.0.0.2", 1))
    # behind the proxy each end client has its own bucket; a spoofed leftmost hop changes nothing
    assert _feedback(proxied, **{"X-Forwarded-For": "198.51.100.1"}) == 404
    assert _feedback(proxied, **{"X-Forwarded-For": "1.1.1.1, 198.51.100.1"}) == 429
    assert _feedback(proxied, **{"X-Forwarded-For": "198.51.100.2, 10.0.0.9"}) == 404
    direct = _app(tmp_path, rate_limit_per_minute=1)  # the peer is no trusted proxy: the header is ignored
    assert [_feedback(direct, **{"X-Forwarded-For": f"198.51.100.{i}"}) for i in range(3)] == [404, 429, 429]


def test_the_limiter_memory_is_bounded(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", rate_limit_max_clients=5)
    app = create_app(settings)
    for i in range(20):
        _feedback(TestClient(app, client=(f"198.51.100.{i}", 1)))
    assert len(app.state.limiter) == 5

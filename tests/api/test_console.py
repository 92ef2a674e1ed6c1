"""The admin console's sign-in (cookie flags, CSRF, failed sign-ins) and the expert queue over HTTP, against the
real app on a private copy of the indexed corpus."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from api.sessions import COOKIE
from tests.hoidap.test_experts import NEAR_MISSES, OUT_OF_SCOPE, PARAPHRASES
from tests.live import private_copy

KEY = "console-admin-key-0123456789abcdef"


@pytest.fixture(scope="module")
def app(indexed_settings, tmp_path_factory):
    settings = private_copy(indexed_settings, tmp_path_factory.mktemp("console"), admin_keys=[SecretStr(KEY)],
                            rate_limit_per_minute=1000, admin_signin_failures=3)
    with TestClient(create_app(settings)) as client:
        yield client.app


def _client(app) -> TestClient:
    return TestClient(app)  # a browser of its own: its own cookies


def _sign_in(client: TestClient) -> str:
    response = client.post("/api/console/session", json={"key": KEY})
    assert response.status_code == 200, response.text
    return response.json()["csrf_token"]


def test_the_session_cookie_is_httponly_samesite_strict_and_expires(app) -> None:
    client = _client(app)
    assert client.get("/api/console/session").status_code == 401
    response = client.post("/api/console/session", json={"key": KEY})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and KEY not in cookie
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags and "samesite=strict" in flags and "path=/" in flags
    assert f"max-age={8 * 3600}" in flags
    assert client.get("/api/console/session").json()["csrf_token"] == response.json()["csrf_token"]
    assert client.get("/api/admin/questions").status_code == 200  # the cookie alone reads


def test_a_change_with_the_cookie_needs_the_csrf_token(app) -> None:
    client = _client(app)
    csrf = _sign_in(client)
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        response = client.delete("/api/admin/documents/dongthap-2021-de-an-1601", headers=headers)
        assert response.status_code == 403 and response.json()["error"]["code"] == "csrf_failed", response.text
        assert "X-CSRF-Token" in response.json()["error"]["message"]
    assert client.get("/api/documents/dongthap-2021-de-an-1601").status_code == 200  # nothing was deleted
    # with the token the request gets through the check (and fails on what it asks: an unknown document)
    response = client.delete("/api/admin/documents/no-such-document", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 404, response.text
    # signed out, the cookie is worth nothing
    assert client.delete("/api/console/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/admin/questions").status_code == 401


def test_the_api_key_still_works_and_a_forged_cookie_does_not(app) -> None:
    client = _client(app)
    assert client.get("/api/admin/questions", headers={"X-API-Key": KEY}).status_code == 200
    client.cookies.set(COOKIE, "made-up-session")
    response = client.get("/api/admin/questions")
    assert response.status_code == 401 and "/admin" in response.json()["error"]["message"]


def test_failed_sign_ins_are_rate_limited_per_address(app, caplog) -> None:
    client = TestClient(app, client=("203.0.113.7", 50000))
    for _ in range(3):
        response = client.post("/api/console/session", json={"key": "wrong-key"})
        assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
    response = client.post("/api/console/session", json={"key": KEY})  # even the right key waits now
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 0
    assert response.json()["error"]["code"] == "rate_limited"
    assert "wrong-key" not in caplog.text and KEY not in caplog.text
    other = TestClient(app, client=("203.0.113.8", 50000))  # another address is not held back
    assert other.post("/api/console/session", json={"key": KEY}).status_code == 200
    assert client.post("/api/console/session", json={}).status_code == 422


def test_widget_question_to_expert_reply_and_faq(app) -> None:
    widget, console = _client(app), _client(app)
    asked = widget.post("/api/ask", json={"question": OUT_OF_SCOPE, "conversation_id": "w-console-1"}).json()
    assert asked["abstained"] and asked["faq"] is None
    # someone else's conversation cannot send this answer
    refused = widget.post("/api/expert", json={"answer_id": asked["answer_id"], "conversation_id": "w-other"})
    assert refused.status_code == 404
    queued = widget.post("/api/expert", json={"answer_id": asked["answer_id"], "conversation_id": "w-console-1"})
    assert queued.status_code == 201, queued.text
    request_id = queued.json()["request_id"]
    assert widget.get("/api/replies", params={"conversation_id": "w-console-1"}).json() == {"replies": []}

    csrf = _sign_in(console)
    [pending] = [r for r in console.get("/api/admin/experts/requests").json() if r["id"] == request_id]
    assert pending["question"] == OUT_OF_SCOPE and pending["channel"] == "api" and pending["abstained"]
    hits = console.get("/api/admin/search", params={"q": "hỗ trợ cán bộ làm công tác cải cách hành chính"}).json()
    assert hits and {"unit_id", "label", "citation", "text"} <= set(hits[0])
    body = {"text": "Các văn bản hiện có không quy định khoản hỗ trợ tiền điện thoại.", "unit_ids": [hits[0]["unit_id"]]}
    assert console.post(f"/api/admin/experts/requests/{request_id}/reply", json=body).status_code == 403  # no CSRF
    saved = console.post(f"/api/admin/experts/requests/{request_id}/reply", json=body, headers={"X-CSRF-Token": csrf})
    assert saved.status_code == 200 and saved.json()["status"] == "answered", saved.text
    empty = console.post(f"/api/admin/experts/requests/{request_id}/reply", json={"text": ""}, headers={"X-CSRF-Token": csrf})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "invalid_request"

    [reply] = widget.get("/api/replies", params={"conversation_id": "w-console-1"}).json()["replies"]
    assert reply["answer"] == body["text"] and reply["citations"][0]["unit_id"] == hits[0]["unit_id"]

    close = widget.post("/api/ask", json={"question": PARAPHRASES[0]}).json()
    assert close["faq"] is not None and not close["abstained"] and body["text"] in close["answer"]
    assert close["citations"][0]["unit_id"] == hits[0]["unit_id"]
    near = widget.post("/api/ask", json={"question": NEAR_MISSES[0]}).json()
    assert near["faq"] is None and body["text"] not in near["answer"]

    [entry] = console.get("/api/admin/experts/faq").json()
    assert console.delete(f"/api/admin/experts/faq/{entry['id']}", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert widget.post("/api/ask", json={"question": PARAPHRASES[0]}).json()["faq"] is None


def test_the_pages_are_served(app) -> None:
    client = _client(app)
    for path, marker in (("/admin", "Đăng nhập"), ("/vanban", "Thư viện văn bản"),
                         ("/vanban/dongthap-2021-de-an-1601", "Mục lục"), ("/static/admin.js", "X-CSRF-Token")):
        response = client.get(path)
        assert response.status_code == 200 and marker in response.text, path
    assert client.get("/admin").headers["x-frame-options"] == "DENY"
    assert client.get("/static/../main.py").status_code == 404
    assert client.get("/static/secret.py").status_code == 404

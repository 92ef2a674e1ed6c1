"""Console sessions and the failed sign-in limit are shared by every API process on one data directory
(two real apps on the same data dir stand for two workers, or one worker before and after a restart)."""

from __future__ import annotations

import sqlite3
import stat
import time

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from api.sessions import COOKIE, Sessions
from tests.live import private_copy

KEY = "shared-admin-key-0123456789abcdef"


@pytest.fixture(scope="module")
def two_apps(indexed_settings, tmp_path_factory):
    settings = private_copy(indexed_settings, tmp_path_factory.mktemp("shared-sessions"), admin_keys=[SecretStr(KEY)],
                            rate_limit_per_minute=1000, admin_signin_failures=3)
    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        yield first.app, second.app, settings


def _sign_in(client: TestClient) -> str:
    response = client.post("/api/console/session", json={"key": KEY})
    assert response.status_code == 200, response.text
    return response.json()["csrf_token"]


def test_a_session_made_by_one_process_is_accepted_by_another(two_apps) -> None:
    first, second, _ = two_apps
    one = TestClient(first)
    csrf = _sign_in(one)
    other = TestClient(second)
    other.cookies.set(COOKIE, one.cookies[COOKIE])
    assert other.get("/api/console/session").json()["csrf_token"] == csrf  # same CSRF token everywhere
    assert other.get("/api/admin/questions").status_code == 200
    # a change still needs the CSRF token in the other process
    assert other.delete("/api/admin/documents/no-such-document").status_code == 403
    assert other.delete("/api/admin/documents/no-such-document", headers={"X-CSRF-Token": csrf}).status_code == 404
    # signed out in the second, refused in the first
    assert other.delete("/api/console/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert one.get("/api/console/session").status_code == 401
    assert one.get("/api/admin/questions").status_code == 401


def test_a_session_survives_a_restart(two_apps) -> None:
    first, _, settings = two_apps
    client = TestClient(first)
    csrf = _sign_in(client)
    with TestClient(create_app(settings)) as restarted:
        restarted.cookies.set(COOKIE, client.cookies[COOKIE])
        assert restarted.get("/api/console/session").json()["csrf_token"] == csrf


def test_the_token_is_not_stored_in_clear_and_the_file_is_private(two_apps) -> None:
    first, _, settings = two_apps
    client = TestClient(first)
    _sign_in(client)
    token = client.cookies[COOKIE]
    path = settings.sessions_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(FULL)")
        rows = [" ".join(map(str, row)) for row in conn.execute("SELECT * FROM sessions")]
    assert rows and not any(token in row for row in rows)
    for name in (path.name, path.name + "-wal"):
        file = path.with_name(name)
        assert not file.exists() or token.encode() not in file.read_bytes()


def test_failed_sign_ins_count_across_processes(two_apps) -> None:
    first, second, _ = two_apps
    address = {"X-Forwarded-For": "203.0.113.77"}  # ignored (no trusted proxy): both clients are "testclient"
    clients = [TestClient(first), TestClient(second), TestClient(first)]
    for client in clients:
        assert client.post("/api/console/session", json={"key": "wrong"}, headers=address).status_code == 401
    # three failures (limit 3), spread over two processes: both now refuse, even the right key
    for client in (TestClient(second), TestClient(first)):
        response = client.post("/api/console/session", json={"key": KEY})
        assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0, response.text


def test_expired_sessions_are_refused_and_purged(tmp_path) -> None:
    path = tmp_path / "sessions.sqlite3"
    short = Sessions(path, ttl_s=0.2)
    token, _ = short.create()
    assert Sessions(path, ttl_s=60).get(token) is not None
    time.sleep(0.3)
    assert Sessions(path, ttl_s=60).get(token) is None
    stale, _ = short.create()
    time.sleep(0.3)
    Sessions(path, ttl_s=60).create()  # creating a session purges expired ones
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 1
    assert short.get(stale) is None

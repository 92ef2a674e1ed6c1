"""Nobody let in: proxy headers from loopback, admin-key guessing, body limits before reading, malformed webhook
bodies, weak keys at start, a full disk, page headers. Real servers on loopback where the point is the server's
own handling (``hoidap serve``, its workers); the real app in-process elsewhere."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from api.serving import WeakAdminKey
from corpus.ingest import Ingester
from corpus.store import Store
from core.settings import PROJECT_ROOT, Settings
from eval.server import free_port
from index.build import IndexBuilder
from tests.bot.test_webhooks import APP_ID, OA_SECRET, WEBHOOK_SECRET
from tests.api.ready import ready

KEY = "security-admin-key-0123456789abcdef"
PLAN = ("KẾ HOẠCH\nCải cách hành chính năm 2026 của tỉnh Lai Châu\nI. NHIỆM VỤ\n"
        "1. Sở Nội vụ chủ trì tổ chức lớp bồi dưỡng về cải cách hành chính trong quý II/2026.\n"
        "2. Văn phòng UBND tỉnh rà soát thủ tục hành chính.\n")
DEEP = b"[" * 20_000 + b"]" * 20_000  # deeper than the JSON parser recurses, within the 64 KB body limit


def _indexed(folder: Path, **update) -> Settings:
    settings = Settings(data_dir=folder / "data", model="hashing", admin_keys=[SecretStr(KEY)],
                        answerability_model="none", abstain_threshold=0.0, **update)
    store = Store(settings.db_path)
    Ingester(store, settings).ingest_bytes("ke-hoach-lai-chau.txt", PLAN.encode())
    IndexBuilder(settings, store).build()
    store.close()
    return settings


# --- proxy headers: believed from HOIDAP_TRUSTED_PROXIES only, however the server is started ----------------


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory) -> Path:
    return _indexed(tmp_path_factory.mktemp("proxy")).data_dir


def _serve(data_dir: Path, workers: int, **env: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    environment = {**os.environ, "HOIDAP_DATA_DIR": str(data_dir), "HOIDAP_MODEL": "hashing",
                   "HOIDAP_ADMIN_KEYS": KEY, "HOIDAP_ANSWERABILITY_MODEL": "none", "HOIDAP_ABSTAIN_THRESHOLD": "0",
                   # uvicorn's own variable, which would make it believe every peer: the setting must win
                   "FORWARDED_ALLOW_IPS": "*", **env}
    log = (data_dir.parent / f"server-{port}.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port), "--workers",
                                str(workers)], cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{url}/api/health", timeout=5).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, Path(log.name).read_text()
        time.sleep(0.3)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(30)


@pytest.mark.parametrize("workers", [1, 2])
def test_rotating_x_forwarded_for_from_loopback_escapes_neither_lockout_nor_rate_limit(
        data_copy: Path, tmp_path: Path, workers: int) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(data_copy, data)
    process, url = _serve(data, workers, HOIDAP_RATE_LIMIT_PER_MINUTE="5", HOIDAP_ADMIN_SIGNIN_FAILURES="3")
    try:
        asked = []
        for n in range(5 * workers + 5):
            with httpx.Client(base_url=url, timeout=60) as http:  # a new connection: either worker
                asked.append(http.post("/api/ask", json={"question": "Sở Nội vụ chủ trì việc gì?"},
                                       headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code)
        if workers == 1:
            assert asked == [200] * 5 + [429] * 5, asked
        else:  # each worker keeps its own bucket for the address: at most the limit in each, never one per header
            assert asked.count(200) <= 5 * workers and asked.count(429) >= 5, asked

        signins = []
        for n in range(6):
            with httpx.Client(base_url=url, timeout=60) as http:
                signins.append(http.post("/api/console/session", json={"key": f"wrong-{n}"},
                                         headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code)
        assert signins == [401, 401, 401, 429, 429, 429], signins
        with httpx.Client(base_url=url, timeout=60) as http:
            right = http.post("/api/console/session", json={"key": KEY}, headers={"X-Forwarded-For": "192.0.2.77"})
        assert right.status_code == 429, "the locked-out address stays locked out whatever it claims to be"
    finally:
        _stop(process)


def test_a_trusted_proxy_passes_the_client_address_on(data_copy: Path, tmp_path: Path) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(data_copy, data)
    process, url = _serve(data, 1, HOIDAP_RATE_LIMIT_PER_MINUTE="2", HOIDAP_TRUSTED_PROXIES="127.0.0.1")
    try:
        with httpx.Client(base_url=url, timeout=60) as http:
            ask = [http.post("/api/ask", json={"question": "Sở Nội vụ chủ trì việc gì?"},
                             headers={"X-Forwarded-For": f"198.51.100.{n // 2}"}).status_code for n in range(6)]
        assert ask == [200] * 6, "behind the trusted proxy every client has its own bucket"
    finally:
        _stop(process)


def test_a_weak_admin_key_stops_the_start_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(WeakAdminKey, match="key 2 has 9 characters; use 24 or more"):
        create_app(Settings(data_dir=tmp_path / "data", admin_keys=[SecretStr(KEY), SecretStr("short-key")]))
    done = subprocess.run([sys.executable, "-m", "cli", "serve", "--port", str(free_port())], cwd=PROJECT_ROOT,
                          env={**os.environ, "HOIDAP_DATA_DIR": str(tmp_path / "data"), "HOIDAP_ADMIN_KEYS": "abc"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "24" in done.stderr and "abc" not in done.stderr
    create_app(Settings(data_dir=tmp_path / "data"))  # no key at all: admin routes closed, the server starts


# --- wrong admin keys count toward the lockout ---------------------------------------------------------


def test_six_wrong_admin_keys_give_429_on_any_admin_route(tmp_path: Path) -> None:
    settings = _indexed(tmp_path)
    client = TestClient(create_app(settings), client=("198.51.100.20", 1))
    routes = ["/api/admin/trash", "/api/admin/questions", "/api/admin/quiz/items", "/api/admin/experts/faq",
              "/api/admin/documents/ke-hoach-lai-chau/metadata"]
    statuses = [client.get(routes[n % len(routes)], headers={"X-API-Key": f"guess-{n}"}).status_code
                for n in range(6)]
    assert statuses == [401] * 5 + [429]
    locked = client.get("/api/admin/trash", headers={"X-API-Key": KEY})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    # the console's sign-in shares the count, and so does every app on the data directory (another worker)
    other = TestClient(create_app(settings), client=("198.51.100.20", 2))
    assert other.post("/api/console/session", json={"key": KEY}).status_code == 429
    elsewhere = TestClient(create_app(settings), client=("198.51.100.21", 1))
    assert elsewhere.get("/api/admin/trash", headers={"X-API-Key": KEY}).status_code == 200


def test_sign_in_addresses_are_stored_as_keyed_hashes(tmp_path: Path) -> None:
    import hashlib

    settings = _indexed(tmp_path)
    client = TestClient(create_app(settings), client=("198.51.100.30", 1))
    assert client.post("/api/console/session", json={"key": "wrong"}).status_code == 401
    with sqlite3.connect(settings.sessions_path) as conn:
        [(stored,)] = conn.execute("SELECT address_hash FROM signin_failures").fetchall()
    assert "198.51.100.30" not in stored and stored != hashlib.sha256(b"198.51.100.30").hexdigest()
    assert stored.startswith("h:")


# --- bodies bounded before they are read ------------------------------------------------------------------


def _post_counting(app, path: str, headers: list[tuple[bytes, bytes]], total: int,
                   chunk: int = 64 * 1024) -> tuple[int, int, bytes]:
    """POST ``total`` bytes straight into the ASGI app from a source counting what is pulled."""
    pulled, status, body = 0, 0, b""

    async def receive() -> dict:
        nonlocal pulled
        if pulled >= total:
            return {"type": "http.disconnect"}
        pulled += chunk
        return {"type": "http.request", "body": b" " * chunk, "more_body": pulled < total}

    async def send(message: dict) -> None:
        nonlocal status, body
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body += message.get("body", b"")

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
             "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), *headers]}
    asyncio.run(app(scope, receive, send))
    return status, pulled, body


def test_a_10_mb_body_to_ask_gets_413_without_being_read_whole(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "data"))
    size = 10 * 2**20
    status, pulled, body = _post_counting(app, "/api/ask", [(b"content-length", str(size).encode())], size)
    assert (status, pulled) == (413, 0) and json.loads(body)["error"]["code"] == "body_too_large"
    status, pulled, body = _post_counting(app, "/api/ask", [], size)  # chunked: no length said
    assert status == 413 and pulled <= 64 * 1024 + 64 * 1024, pulled
    assert "HOIDAP_MAX_JSON_KB" in json.loads(body)["error"]["message"]


def test_a_body_over_the_limit_through_a_real_server_is_413(tmp_path: Path) -> None:
    from tests.live import serve

    settings = _indexed(tmp_path)
    with serve(settings) as (url, _app), httpx.Client(base_url=url, timeout=60) as http:
        big = http.post("/api/ask", content=b"{" + b" " * (200 * 1024) + b"}", headers={"Content-Type": "application/json"})
        assert big.status_code == 413 and big.json()["error"]["code"] == "body_too_large"

        def chunks():
            for _ in range(40):
                yield b" " * 16384
        streamed = http.post("/api/ask", content=chunks(), headers={"Content-Type": "application/json"})
        assert streamed.status_code == 413
        assert http.post("/api/ask", json={"question": "Sở Nội vụ chủ trì việc gì?"}).status_code == 200


# --- webhooks: malformed bodies are 4xx, never 500 ---------------------------------------------------------


@pytest.fixture
def bots(tmp_path: Path) -> TestClient:
    settings = _indexed(tmp_path, telegram_token=SecretStr("123:fake"), telegram_base_url="http://127.0.0.1:9/bot",
                        telegram_webhook_secret=SecretStr(WEBHOOK_SECRET), zalo_app_id=APP_ID,
                        zalo_oa_secret=SecretStr(OA_SECRET), zalo_api_url="http://127.0.0.1:9",
                        zalo_oauth_url="http://127.0.0.1:9")
    return TestClient(create_app(settings), raise_server_exceptions=False)


@pytest.mark.parametrize("body", [DEEP, b'{"timestamp": "1", "a": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
                                  b"\xff\xfe not json", b"", b"null", b"[]", b'{"timestamp": {}}'])
def test_malformed_bodies_to_both_webhooks_are_4xx(bots: TestClient, body: bytes) -> None:
    from bot.zalo_events import signature

    for timestamp in ("1", "{}"):
        mac = signature(APP_ID, body, timestamp, OA_SECRET)
        zalo = bots.post("/bot/zalo/webhook", content=body, headers={"X-ZEvent-Signature": mac})
        assert 400 <= zalo.status_code < 500, zalo.text
    telegram = bots.post("/bot/telegram", content=body, headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    # the Telegram route needs the bot started: with Telegram unreachable it is 503 before reading the body
    assert telegram.status_code in (400, 503) and telegram.status_code != 500, telegram.text
    assert bots.post("/bot/telegram", content=body).status_code == 403


def test_deep_json_to_a_started_telegram_bot_is_400(tmp_path: Path) -> None:
    from tests.bot.fakes import FakeTelegram

    with FakeTelegram() as telegram:
        settings = _indexed(tmp_path, telegram_token=SecretStr(FakeTelegram.TOKEN), telegram_base_url=telegram.base_url,
                            telegram_webhook_secret=SecretStr(WEBHOOK_SECRET))
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            for body in (DEEP, b"{not json"):
                response = client.post("/bot/telegram", content=body,
                                       headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
                assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"


# --- a full disk, private folders, page headers -------------------------------------------------------------


def test_a_full_disk_at_sign_in_is_507_in_vietnamese_and_changes_nothing(tmp_path: Path) -> None:
    settings = _indexed(tmp_path)
    app = create_app(settings)
    client = TestClient(app, client=("198.51.100.40", 1), raise_server_exceptions=False)
    conn = app.state.sessions._store.conn  # the real SQLite file, capped at its current size: SQLITE_FULL
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    for _ in range(200):  # enough sessions to need a new page
        response = client.post("/api/console/session", json={"key": KEY})
        if response.status_code != 200:
            break
    assert response.status_code == 507, response.text
    assert response.json()["error"]["code"] == "disk_full" and "dung lượng" in response.json()["error"]["message"]
    assert client.get("/api/documents").status_code == 200  # answers keep working


def test_a_data_directory_made_by_ingest_is_private_from_the_start(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ke-hoach.txt").write_text(PLAN, encoding="utf-8")
    data = tmp_path / "fresh" / "data"
    old = os.umask(0o022)
    try:
        done = subprocess.run([sys.executable, "-m", "cli", "ingest", str(docs)], cwd=PROJECT_ROOT,
                              env={**os.environ, "HOIDAP_DATA_DIR": str(data)}, capture_output=True, text=True,
                              timeout=300)
    finally:
        os.umask(old)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "hoidap.sqlite3").stat().st_mode) == 0o600


def test_titles_from_file_names_lose_control_and_bidi_characters(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", model="hashing")
    store = Store(settings.db_path)
    text = "Điều 1. Sở Nội vụ chủ trì tổ chức lớp bồi dưỡng.\nĐiều 2. Văn phòng rà soát thủ tục.\n"
    result = Ingester(store, settings).ingest_bytes("ke-hoach\u202ecod\x00\u200b.txt", text.encode())
    title = store.metadata(result.doc_id).title
    assert title == "ke-hoachcod" and result.doc_id == "ke-hoach-cod"


def test_pages_carry_csp_nosniff_and_referrer_policy(tmp_path: Path) -> None:
    client = TestClient(create_app(Settings(data_dir=tmp_path / "data")))
    for path in ("/", "/vanban", "/doc/x", "/admin"):
        response = client.get(path)
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "object-src 'none'" in policy and "unsafe-eval" not in policy
        assert response.headers["x-content-type-options"] == "nosniff" and response.headers["referrer-policy"]
    assert "frame-ancestors 'none'" in client.get("/admin").headers["content-security-policy"]
    assert client.get("/api/documents").headers["x-content-type-options"] == "nosniff"
    assert client.get("/widget.js").headers["x-content-type-options"] == "nosniff"


def test_a_62_year_question_is_refused_at_the_cost_of_no_part(tmp_path: Path) -> None:
    settings = _indexed(tmp_path)
    with TestClient(create_app(settings)) as client:
        ready(client)  # the warm-up's own search is done before the counting starts
        searches = []
        searcher = client.app.state.hoidap.assistant.searcher
        original = searcher.search
        searcher.search = lambda *a, **k: searches.append(a) or original(*a, **k)  # counts, then searches
        years = ", ".join(str(y) for y in range(1963, 2025))  # 62 years within the 500 characters of a question
        refused = client.post("/api/ask", json={"question": f"Mục tiêu các năm {years}?"})
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "too_many_parts"
        assert "62 năm" in refused.json()["error"]["message"] and searches == []
        two = client.post("/api/ask", json={"question": "Mục tiêu năm 2025 và năm 2026 của Lai Châu?"})
        assert two.status_code == 200 and 1 <= len(searches) <= 3

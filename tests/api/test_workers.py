"""`hoidap serve --workers 2`: two processes answer, /metrics adds up both, an admin change in one
is served by both, a console sign-in holds in both, and a bad worker count is refused."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from api.sessions import COOKIE
from core.settings import PROJECT_ROOT, Settings
from eval.server import free_port

KEY = "workers-admin-key-0123456789abcdef"
PLAN = ("KẾ HOẠCH\nChuyển đổi số năm 2027 của tỉnh Điện Biên\nI. NHIỆM VỤ\n"
        "1. Sở Khoa học và Công nghệ chủ trì xây dựng kho dữ liệu số của tỉnh trong quý II/2027.\n")


def _fresh(url: str, method: str = "GET", path: str = "/api/health", **kwargs) -> httpx.Response:
    """One request on its own connection, so the kernel may hand it to either worker."""
    with httpx.Client(base_url=url, timeout=60) as http:
        return http.request(method, path, **kwargs)


@pytest.fixture(scope="module")
def two_workers(indexed_settings: Settings, tmp_path_factory):
    data = tmp_path_factory.mktemp("workers") / "data"
    shutil.copytree(indexed_settings.data_dir, data)
    port = free_port()
    env = {**os.environ, "HOIDAP_DATA_DIR": str(data), "HOIDAP_ADMIN_KEYS": KEY,
           "HOIDAP_RATE_LIMIT_PER_MINUTE": "100000", "HOIDAP_MODEL": indexed_settings.model}
    log = (data.parent / "server.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port), "--workers", "2"],
                               cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    ready: set[int] = set()
    while len(ready) < 2:  # both workers warmed up (each says "starting", 503, before)
        try:
            health = _fresh(url)
            if health.status_code == 200:
                ready.add(health.json()["worker"])
        except httpx.HTTPError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, (data.parent / "server.log").read_text()
        time.sleep(0.1)
    try:
        yield url, data
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def _sample(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    assert match, f"{name} not in /metrics"
    return float(match.group(1))


@pytest.mark.slow
def test_metrics_add_up_every_worker(two_workers) -> None:
    url, _ = two_workers
    health_ok = 'hoidap_http_requests_total{route="/api/health",status="200"}'
    before = _sample(_fresh(url, path="/metrics").text, health_ok)  # the fixture's own polls
    pids: list[int] = []
    while len(set(pids)) < 2:
        assert len(pids) < 300, "every request went to one worker"
        response = _fresh(url)
        assert response.status_code == 200 and response.json()["query_encoder"].startswith("onnx-")
        pids.append(response.json()["worker"])
    asked = 6
    for question in ["Kinh phí thực hiện đề án lấy từ đâu?", "kinh phi de an lay tu dau"] * (asked // 2):
        assert _fresh(url, "POST", "/api/ask", json={"question": question}).status_code == 200
    # whichever worker answers the scrape counts both workers' requests
    for _ in range(6):
        text = _fresh(url, path="/metrics").text
        assert _sample(text, health_ok) == before + len(pids)
        assert _sample(text, 'hoidap_answers_total{channel="api"}') == asked
        assert _sample(text, "hoidap_answer_seconds_count") == asked
        assert _sample(text, "hoidap_index_units") > 250


@pytest.mark.slow
def test_an_upload_in_one_worker_is_served_by_all(two_workers) -> None:
    url, _ = two_workers
    before = {_fresh(url).json()["index_version"] for _ in range(4)}
    assert len(before) == 1
    response = _fresh(url, "POST", "/api/admin/documents", headers={"X-API-Key": KEY},
                      files={"file": ("dien-bien-2027.txt", PLAN.encode(), "text/plain")})
    assert response.status_code == 201, response.text
    time.sleep(1.0)  # each worker looks at CURRENT at most twice a second
    seen: dict[int, str] = {}
    for _ in range(300):
        health = _fresh(url).json()
        seen[health["worker"]] = health["index_version"]
        if len(seen) == 2:
            break
    assert len(seen) == 2 and before.isdisjoint(seen.values()) and len(set(seen.values())) == 1
    answer = _fresh(url, "POST", "/api/ask", json={"question": "Ai chủ trì xây dựng kho dữ liệu số tỉnh Điện Biên?"})
    assert "dien-bien-2027" in [c["doc_id"] for c in answer.json()["citations"]]


@pytest.mark.slow
def test_a_console_sign_in_holds_in_every_worker(two_workers) -> None:
    url, data = two_workers
    response = _fresh(url, "POST", "/api/console/session", json={"key": KEY})
    assert response.status_code == 200, response.text
    csrf, cookie = response.json()["csrf_token"], f"{COOKIE}={response.cookies[COOKIE]}"
    # each request on its own connection: the kernel spreads them over both workers (about half each)
    for n in range(24):
        session = _fresh(url, path="/api/console/session", headers={"Cookie": cookie})
        assert session.status_code == 200 and session.json()["csrf_token"] == csrf, (n, session.text)
        change = _fresh(url, "DELETE", "/api/admin/documents/no-such-document",
                        headers={"Cookie": cookie, "X-CSRF-Token": csrf})
        assert change.status_code == 404, (n, change.text)  # signed in, past the CSRF check, an unknown document
    assert (data / "sessions.sqlite3").stat().st_mode & 0o777 == 0o600
    signed_out = _fresh(url, "DELETE", "/api/console/session", headers={"Cookie": cookie, "X-CSRF-Token": csrf})
    assert signed_out.status_code == 204
    for _ in range(6):
        assert _fresh(url, path="/api/console/session", headers={"Cookie": cookie}).status_code == 401


def test_bad_worker_count_is_refused(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "cli", "serve", "--workers", "0"], cwd=PROJECT_ROOT,
                            env={**os.environ, "HOIDAP_DATA_DIR": str(tmp_path)}, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2 and "--workers 0" in result.stderr and "từ 1 trở lên" in result.stderr
    assert "Traceback" not in result.stderr

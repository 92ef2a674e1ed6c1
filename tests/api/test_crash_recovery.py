"""kill -9 of a real `hoidap serve` in the middle of an upload or a replace: after a restart the store and the
answers agree and the document is answerable (the journalled change is finished by an index update). And a
file stored but not served is indexed when uploaded again, not refused as a duplicate."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from corpus.ingest import Ingester
from corpus.store import Store
from core.settings import PROJECT_ROOT, Settings
from eval.server import free_port
from index.versions import VersionStore, read_docs
from tests.api.test_security import KEY, PLAN, _indexed

ADMIN = {"X-API-Key": KEY}
ARTICLES = 2500  # units of the big upload: its index update takes seconds, time to kill the server inside it


def _big(marker: str) -> bytes:
    lines = [f"KẾ HOẠCH\nChuyển đổi số năm 2027 tỉnh Hà Giang\nĐiều 1. {marker}"]
    lines += [f"Điều {n}. Sở ngành số {n} báo cáo tiến độ nhiệm vụ chuyển đổi số thứ {n} hằng quý."
              for n in range(2, ARTICLES + 1)]
    return "\n".join(lines).encode()


class Server:
    """`hoidap serve` over ``data`` in a subprocess; ``kill()`` is SIGKILL, no clean-up runs."""

    def __init__(self, data: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "HOIDAP_DATA_DIR": str(data), "HOIDAP_MODEL": "hashing", "HOIDAP_ADMIN_KEYS": KEY,
               "HOIDAP_ANSWERABILITY_MODEL": "none", "HOIDAP_ABSTAIN_THRESHOLD": "0",
               "HOIDAP_RATE_LIMIT_PER_MINUTE": "10000", "HOIDAP_ADMIN_TIMEOUT_SECONDS": "300"}
        self.log = (data.parent / f"server-{self.port}.log").open("wb")
        self.process = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(self.port)],
                                        cwd=PROJECT_ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{self.url}/api/health", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.process.poll() is None and time.monotonic() < deadline, Path(self.log.name).read_text()
            time.sleep(0.2)

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(30)
        self.log.close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self.log.close()


def _stored(db: Path, doc_id: str) -> str | None:
    """The content hash the store holds for ``doc_id`` (read as another process would)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        row = conn.execute("SELECT content_hash FROM documents WHERE id = ?", (doc_id,)).fetchone()
    return row[0] if row else None


def _kill_once_stored(server: Server, settings: Settings, doc_id: str, request) -> None:
    """Send ``request`` (in a thread) and SIGKILL the server as soon as the store holds the new content."""
    before = _stored(settings.db_path, doc_id)
    thread = threading.Thread(target=lambda: _ignore_errors(request), daemon=True)
    thread.start()
    deadline = time.monotonic() + 240
    while _stored(settings.db_path, doc_id) == before:
        assert time.monotonic() < deadline and server.process.poll() is None, "the change never reached the store"
        time.sleep(0.005)
    server.kill()
    thread.join(30)


def _ignore_errors(request) -> None:
    try:
        request()
    except httpx.HTTPError:
        pass  # the server died under it: what a user sees then


def _served(settings: Settings) -> dict:
    folder, _ = VersionStore(settings.index_dir).current()
    return read_docs(folder)


def _cited(url: str, question: str) -> list[str]:
    answer = httpx.post(f"{url}/api/ask", json={"question": question}, timeout=120).json()
    return [c["doc_id"] for c in answer["citations"]]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return _indexed(tmp_path)


def test_a_killed_upload_is_indexed_at_the_restart(settings: Settings) -> None:
    server = Server(settings.data_dir)
    marker = "Sở Tài nguyên chủ trì số hóa bản đồ địa chính toàn tỉnh Hà Giang."
    upload = lambda: httpx.post(f"{server.url}/api/admin/documents", headers=ADMIN, timeout=300,  # noqa: E731
                                files={"file": ("chuyen-doi-so-ha-giang.txt", _big(marker))})
    _kill_once_stored(server, settings, "chuyen-doi-so-ha-giang", upload)
    assert "chuyen-doi-so-ha-giang" not in _served(settings), "killed between the store and the index"
    assert (settings.data_dir / "admin-journal.json").exists()

    server = Server(settings.data_dir)
    try:
        health = httpx.get(f"{server.url}/api/health").json()
        assert health["store"] == {"in_sync": True, "interrupted_change": None}
        assert "chuyen-doi-so-ha-giang" in [d["id"] for d in httpx.get(f"{server.url}/api/documents").json()]
        assert "chuyen-doi-so-ha-giang" in _cited(server.url, "Ai chủ trì số hóa bản đồ địa chính tỉnh Hà Giang?")
        again = httpx.post(f"{server.url}/api/admin/documents", headers=ADMIN, timeout=300,
                           files={"file": ("chuyen-doi-so-ha-giang.txt", _big(marker))})
        assert again.status_code == 409 and again.json()["error"]["code"] == "duplicate_document"
    finally:
        server.stop()


def test_a_killed_replace_serves_the_new_version_after_the_restart(settings: Settings) -> None:
    server = Server(settings.data_dir)
    old_units = _served(settings)["ke-hoach-lai-chau"].units
    marker = "Sở Thông tin và Truyền thông chủ trì xây dựng kho dữ liệu số dùng chung của tỉnh."
    replace = lambda: httpx.put(f"{server.url}/api/admin/documents/ke-hoach-lai-chau", headers=ADMIN,  # noqa: E731
                                timeout=300, files={"file": ("ke-hoach-lai-chau.txt", _big(marker))})
    _kill_once_stored(server, settings, "ke-hoach-lai-chau", replace)
    assert _served(settings)["ke-hoach-lai-chau"].units == old_units, "killed while the old version still served"

    server = Server(settings.data_dir)
    try:
        assert httpx.get(f"{server.url}/api/health").json()["store"]["in_sync"] is True
        outline = httpx.get(f"{server.url}/api/documents/ke-hoach-lai-chau").json()["outline"]
        assert len(outline) >= ARTICLES and any(marker in unit["text"] for unit in outline[:3])
        assert "ke-hoach-lai-chau" in _cited(server.url, "Ai chủ trì xây dựng kho dữ liệu số dùng chung của tỉnh?")
        trash = httpx.get(f"{server.url}/api/admin/trash", headers=ADMIN).json()
        assert [(e["doc_id"], e["reason"]) for e in trash] == [("ke-hoach-lai-chau", "replaced")]
    finally:
        server.stop()


def test_stored_but_unserved_content_uploaded_again_is_indexed(settings: Settings) -> None:
    text = PLAN.replace("Lai Châu", "Điện Biên").replace("Sở Nội vụ", "Sở Y tế").encode()
    store = Store(settings.db_path)
    Ingester(store, settings).ingest_bytes("ke-hoach-dien-bien.txt", text)  # stored; no index update after it
    store.close()
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/health").json()["store"] == {"in_sync": False, "interrupted_change": None,
                                                            "repair": "hoidap index"}
        again = client.post("/api/admin/documents", headers=ADMIN, files={"file": ("ke-hoach-dien-bien.txt", text)})
        assert again.status_code == 200 and again.json()["status"] == "indexed", again.text
        assert client.get("/api/health").json()["store"]["in_sync"] is True
        assert "ke-hoach-dien-bien" in [d["id"] for d in client.get("/api/documents").json()]
        duplicate = client.post("/api/admin/documents", headers=ADMIN, files={"file": ("ban-sao.txt", text)})
        assert duplicate.status_code == 409, "once served, the same content is a duplicate again"


def test_an_upload_of_too_many_units_is_refused_saying_what_to_do(tmp_path: Path) -> None:
    settings = _indexed(tmp_path, max_upload_units=100)
    with TestClient(create_app(settings)) as client:
        refused = client.post("/api/admin/documents", headers=ADMIN, files={"file": ("lon.txt", _big("Mở đầu."))})
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "too_many_units"
        message = refused.json()["error"]["message"]
        units = int(re.search(r"tách được (\d+) đoạn", message).group(1))
        assert units >= ARTICLES and "giới hạn 100 đoạn" in message and "hoidap ingest" in message
        assert [d["id"] for d in client.get("/api/documents").json()] == ["ke-hoach-lai-chau"]
        assert not (settings.data_dir / "admin-journal.json").exists()

"""Admin uploads against the real app over a small store: no silent overwrite, a restorable trash,
hostile files refused early, the key checked before the body is read, no admin request held long.

The embedder is the deterministic "hashing" one: the model is not the point here.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from corpus.ingest import Ingester
from eval.bench_hostile import docx_bytes, malformed_docx, with_part, zip_bomb
from corpus.store import Store
from core.settings import Settings
from index.build import IndexBuilder
from index.model.embedder import Embedder
from tests.live import serve

KEY = "safety-admin-key-0123456789abcdef"
ADMIN = {"X-API-Key": KEY}
PLAN = ("KẾ HOẠCH\nCải cách hành chính năm 2026 của tỉnh Đồng Tháp\nI. MỤC TIÊU\n"
        "1. Sở Nội vụ chủ trì tổ chức {n} lớp bồi dưỡng về cải cách hành chính.\n"
        "2. Văn phòng UBND tỉnh rà soát thủ tục hành chính trong quý {q}/2026.\n")
OTHER = ("ĐỀ ÁN\nChuyển đổi số trong giải quyết thủ tục hành chính tỉnh Quảng Nam\nI. NHIỆM VỤ\n"
         "1. Sở Thông tin và Truyền thông chủ trì xây dựng cổng dịch vụ công.\n")
STORED_ID = "dongthap-2021-de-an-1601"


def _settings(tmp_path: Path, **update) -> Settings:
    """A store of two small documents, indexed, and an app's settings over it."""
    settings = Settings(data_dir=tmp_path / "data", model="hashing", admin_keys=[KEY], rate_limit_per_minute=10_000,
                        admin_wait_seconds=0.2, **update)
    store = Store(settings.db_path)
    ingester = Ingester(store, settings)
    ingester.ingest_bytes(f"{STORED_ID}.txt", PLAN.format(n=10, q="II").encode())
    ingester.ingest_bytes("quangnam-chuyen-doi-so.txt", OTHER.encode())
    IndexBuilder(settings, store, Embedder.from_settings(settings)).build()
    store.close()
    return settings


@pytest.fixture
def admin(tmp_path: Path) -> TestClient:
    with TestClient(create_app(_settings(tmp_path))) as client:
        yield client


def _error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"} and body["error"]["code"] == code
    return body["error"]["message"]


def _upload(client, name: str, data: bytes, **params) -> httpx.Response:
    return client.post("/api/admin/documents", headers=ADMIN, params=params, files={"file": (name, data)})


def _texts(client, doc_id: str) -> list[str]:
    return [unit["text"] for unit in client.get(f"/api/documents/{doc_id}").json()["outline"]]


# --- no silent overwrite -----------------------------------------------------------------------


def test_upload_onto_an_existing_id_is_refused_and_changes_nothing(admin: TestClient) -> None:
    before = _texts(admin, STORED_ID)
    one_unit = "Điều 1. Văn bản khác hẳn, chỉ một đoạn.\n".encode()
    message = _error(_upload(admin, "Dongthap 2021 đề án 1601.md", one_unit), 409, "document_exists")
    assert STORED_ID in message and "replace=true" in message
    _error(_upload(admin, "khac.txt", one_unit, doc_id=STORED_ID), 409, "document_exists")
    assert _texts(admin, STORED_ID) == before and len(before) > 1
    assert admin.get("/api/admin/trash", headers=ADMIN).json() == []


def test_identical_content_under_another_name_is_a_duplicate(admin: TestClient) -> None:
    message = _error(_upload(admin, "ban-sao.txt", PLAN.format(n=10, q="II").encode()), 409, "duplicate_document")
    assert STORED_ID in message
    assert len(admin.get("/api/documents").json()) == 2


@pytest.mark.parametrize("bad", ["a/b", "QD-1601", "qd_1601", "x" * 81, "đồng-tháp"])
def test_bad_doc_id_is_refused_saying_what_is_accepted(admin: TestClient, bad: str) -> None:
    message = _error(_upload(admin, "moi.txt", OTHER.replace("Quảng Nam", "Kon Tum").encode(), doc_id=bad),
                     400, "invalid_doc_id")
    assert "a-z" in message and "0-9" in message and "80" in message
    if "/" not in bad:
        _error(admin.put(f"/api/admin/documents/{bad}", headers=ADMIN, files={"file": ("moi.txt", b"x")}),
               400, "invalid_doc_id")
    assert len(admin.get("/api/documents").json()) == 2


# --- the trash -----------------------------------------------------------------------------------


def test_a_replaced_document_is_restorable(admin: TestClient) -> None:
    old = _texts(admin, STORED_ID)
    put = admin.put(f"/api/admin/documents/{STORED_ID}", headers=ADMIN,
                    files={"file": ("moi.txt", PLAN.format(n=25, q="IV").encode())})
    assert put.status_code == 200 and put.json()["status"] == "updated", put.text
    assert any("25 lớp" in t for t in _texts(admin, STORED_ID))
    trash = admin.get("/api/admin/trash", headers=ADMIN).json()
    assert [(e["doc_id"], e["reason"], e["trash_id"]) for e in trash] == [(STORED_ID, "replaced", put.json()["replaced_trash_id"])]
    assert trash[0]["restorable_until"] > trash[0]["trashed_at"]

    restored = admin.post(f"/api/admin/documents/{STORED_ID}/restore", headers=ADMIN)
    assert restored.status_code == 200, restored.text
    assert _texts(admin, STORED_ID) == old
    # the version it displaced is in the trash in turn: nothing is lost either way
    assert [(e["doc_id"], e["reason"]) for e in admin.get("/api/admin/trash", headers=ADMIN).json()] == [(STORED_ID, "replaced")]
    # replace=true on POST is the same explicit replacement
    again = _upload(admin, "moi.txt", PLAN.format(n=30, q="I").encode(), doc_id=STORED_ID, replace="true")
    assert again.status_code == 200 and again.json()["status"] == "updated"


def test_a_deleted_document_is_restorable_and_searchable_again(admin: TestClient) -> None:
    old = _texts(admin, STORED_ID)
    units_before = admin.get("/api/health").json()["units"]
    deleted = admin.delete(f"/api/admin/documents/{STORED_ID}", headers=ADMIN)
    assert deleted.status_code == 200 and deleted.json()["trash_id"]
    _error(admin.get(f"/api/documents/{STORED_ID}"), 404, "not_found")
    assert admin.get("/api/health").json()["units"] == units_before - len(old)

    assert admin.post(f"/api/admin/documents/{STORED_ID}/restore", headers=ADMIN).status_code == 200
    assert _texts(admin, STORED_ID) == old
    assert admin.get("/api/health").json()["units"] == units_before  # re-indexed
    assert admin.get("/api/admin/trash", headers=ADMIN).json() == []
    _error(admin.post(f"/api/admin/documents/{STORED_ID}/restore", headers=ADMIN), 404, "not_found")


def test_expired_trash_is_purged_at_the_next_change(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path, trash_days=0))) as client:
        assert client.delete(f"/api/admin/documents/{STORED_ID}", headers=ADMIN).status_code == 200
        assert len(client.get("/api/admin/trash", headers=ADMIN).json()) == 1
        assert client.delete("/api/admin/documents/quangnam-chuyen-doi-so", headers=ADMIN).status_code == 200
        assert [e["doc_id"] for e in client.get("/api/admin/trash", headers=ADMIN).json()] == ["quangnam-chuyen-doi-so"]


# --- hostile files -------------------------------------------------------------------------------


def test_zip_bomb_docx_is_refused_before_parsing(admin: TestClient) -> None:
    bomb = zip_bomb()
    assert len(bomb) < 2 * 2**20
    started = time.monotonic()
    message = _error(_upload(admin, "bom.docx", bomb), 413, "file_too_large")
    # parsing 300 MB of XML takes minutes; the central directory alone is read in milliseconds
    assert time.monotonic() - started < 1.0
    assert "bom.docx" in message and "MB" in message
    assert len(admin.get("/api/documents").json()) == 2


def test_highly_compressed_part_under_the_size_limit_is_refused(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path, max_unzipped_mb=500))) as client:
        message = _error(_upload(client, "bom.docx", zip_bomb(120)), 413, "file_too_large")
        assert "word/document.xml" in message and "lần" in message


@pytest.mark.parametrize(("name", "payload"), [
    ("hong.docx", malformed_docx()),
    ("thieu-phan.docx", with_part(docx_bytes("Điều 1. Nội dung."), "[Content_Types].xml", b"<Types/>")),
    ("cat-cut.docx", docx_bytes("Điều 1. Nội dung.")[:-200]),
    ("khong-phai-zip.docx", b"PK\x03\x04 not really a zip"),
])
def test_broken_docx_is_corrupt_document(admin: TestClient, name: str, payload: bytes) -> None:
    assert name in _error(_upload(admin, name, payload), 422, "corrupt_document")


def test_nul_and_control_characters_never_reach_stored_units(admin: TestClient) -> None:
    text = "KẾ HOẠCH\nTuyên truyền\x00 cải cách\x07 hành chính tỉnh Kon Tum\x1b\nI. NHIỆM VỤ\n1. Sở Nội vụ\x00 chủ trì.\tQuý I.\n"
    created = _upload(admin, "kon-tum.txt", text.encode())
    assert created.status_code == 201, created.text
    units = _texts(admin, "kon-tum")
    assert units and not any(ch in unit for unit in units for ch in "\x00\x07\x1b")
    assert any("Sở Nội vụ chủ trì" in unit for unit in units)


# --- the key before the body ----------------------------------------------------------------------


def _post_streaming(app, headers: list[tuple[bytes, bytes]], total: int, chunk: int = 64 * 1024) -> tuple[int, int]:
    """POST a multipart upload of one ``total``-byte file straight into the ASGI app, from a body
    source that counts what is pulled. Returns the status and the number of body bytes the app read.
    """
    pulled = 0
    status = 0
    head = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n\r\n'

    async def receive() -> dict:
        nonlocal pulled
        if pulled >= total:
            return {"type": "http.disconnect"}
        body = (head if pulled == 0 else b"") + b"a" * chunk
        pulled += len(body)
        return {"type": "http.request", "body": body, "more_body": pulled < total}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/admin/documents", "raw_path": b"/api/admin/documents", "query_string": b"",
             "root_path": "", "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
             "headers": [(b"host", b"testserver"), (b"content-type", b"multipart/form-data; boundary=xyz"), *headers]}
    asyncio.run(app(scope, receive, send))
    return status, pulled


def test_unauthenticated_upload_is_refused_before_the_body_is_read(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path, max_file_mb=1))
    size = 200 * 2**20
    status, pulled = _post_streaming(app, [(b"content-length", str(size).encode())], size)
    assert (status, pulled) == (401, 0)
    status, pulled = _post_streaming(app, [(b"content-length", str(size).encode()), (b"x-api-key", b"wrong")], size)
    assert (status, pulled) == (401, 0)
    # with the key: a declared size over the limit is refused unread, an undeclared one cut at the limit
    status, pulled = _post_streaming(app, [(b"content-length", str(size).encode()), (b"x-api-key", KEY.encode())], size)
    assert (status, pulled) == (413, 0)
    status, pulled = _post_streaming(app, [(b"x-api-key", KEY.encode())], size)
    assert status == 413 and 2**20 < pulled <= 2**20 + 256 * 1024


# --- nothing holds the admin routes for long ---------------------------------------------------------


def test_other_admin_requests_are_served_while_a_slow_upload_runs(tmp_path: Path) -> None:
    settings = _settings(tmp_path, admin_timeout_seconds=2.0)
    line = "Điều {n}. Sở Nội vụ chủ trì, phối hợp các sở tổ chức bồi dưỡng cải cách hành chính năm 2026.\n"
    slow = "".join(line.format(n=i) for i in range(90_000)).encode()  # ~9 MB: several seconds to segment
    with serve(settings) as (url, _app), httpx.Client(base_url=url, timeout=60, headers=ADMIN) as http:
        outcome: dict = {}

        def upload_slow() -> None:
            started = time.monotonic()
            outcome["response"] = http.post("/api/admin/documents", files={"file": ("cham.txt", slow)})
            outcome["seconds"] = time.monotonic() - started

        worker = threading.Thread(target=upload_slow)
        worker.start()
        busy, served = [], []
        while worker.is_alive():
            started = time.monotonic()
            # an upload onto a stored id: 409 when the library is free, 503 while the slow one runs
            response = http.post("/api/admin/documents", files={"file": (f"{STORED_ID}.txt", b"Dieu 1. Khac.")})
            if response.status_code == 503:
                busy.append((time.monotonic() - started, response))
            started = time.monotonic()
            assert http.get("/api/admin/trash").status_code == 200
            served.append(time.monotonic() - started)
        worker.join()

    _error(outcome["response"], 422, "parse_timeout")
    assert outcome["seconds"] < settings.admin_timeout_seconds + 3
    assert busy, "no admin change was refused while the slow upload held the library"
    for seconds, response in busy:
        assert seconds < settings.admin_wait_seconds + 1.0
        assert int(response.headers["retry-after"]) >= 1
        _error(response, 503, "busy")
    assert served and max(served) < 1.0

"""The console's data at scale through the real app: the library searched and paged, the trash telling copies
apart, the question log a page at a time with the expert's reply, bulk publishing, agencies folded to the admin's
list, the formats the upload picker offers. Small documents written here; the hashing embedder."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from core.settings import Settings
from corpus.ingest import Ingester
from corpus.load import SUPPORTED
from corpus.store import Store
from index.build import IndexBuilder
from index.model.embedder import Embedder
from tests.api.test_scale_browser import SUBJECT, write_province

KEY = "console-pages-key-0123456789abcdef"
ADMIN = {"X-API-Key": KEY}


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = Settings(data_dir=tmp_path / "data", model="hashing", admin_keys=[SecretStr(KEY)],
                        rate_limit_per_minute=100_000, answerability_model="none", abstain_threshold=0.0,
                        abstain_min_coverage=0.0)
    write_province(tmp_path / "docs", 40)
    store = Store(settings.db_path)
    assert not Ingester(store, settings).ingest_paths([tmp_path / "docs"]).failed
    IndexBuilder(settings, store, Embedder.from_settings(settings)).build()
    store.close()
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_the_library_is_searched_by_whole_words_sorted_and_paged(client: TestClient) -> None:
    first = client.get("/api/library", params={"limit": 10, "sort": "id"}).json()
    assert first["total"] == 43 and [d["id"] for d in first["items"]][:2] == ["kh-0000", "kh-0001"]
    assert first["facets"]["provinces"] == ["Gia Lai", "Nghệ An"] and first["facets"]["validity"] is True
    found = client.get("/api/library", params={"q": "so hoa ho so nghe an"}).json()
    assert [d["id"] for d in found["items"]] == ["kh-so-hoa"] and found["items"][0]["title"] == SUBJECT
    old = client.get("/api/library", params={"in_force": "false"}).json()["items"]
    assert [(d["id"], d["replaced_by"][0]["doc_id"]) for d in old] == [("qd-12", "qd-45")]
    refused = client.get("/api/library", params={"sort": "size"})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_request"


def test_two_copies_in_the_trash_say_when_and_by_what_they_left(client: TestClient) -> None:
    text = "KẾ HOẠCH\nTuyên truyền cải cách hành chính năm 2026\nI. MỤC TIÊU\n1. Sở Nội vụ chủ trì {what}.\n"
    for n, what in enumerate(["hội thi", "tọa đàm"]):
        sent = client.put("/api/admin/documents/tuyen-truyen", headers=ADMIN,
                          files={"file": (f"tuyen-truyen-{n}.txt", text.format(what=what).encode(), "text/plain")})
        assert sent.status_code in (200, 201), sent.text
    assert client.delete("/api/admin/documents/tuyen-truyen", headers=ADMIN).status_code == 200
    copies = [e for e in client.get("/api/admin/trash", headers=ADMIN).json() if e["doc_id"] == "tuyen-truyen"]
    deleted, replaced = copies  # newest first
    assert (deleted["reason"], deleted["by"], deleted["file"]) == ("deleted", {"kind": "deleted"}, "tuyen-truyen-1.txt")
    assert replaced["reason"] == "replaced" and replaced["file"] == "tuyen-truyen-0.txt"
    assert replaced["by"]["kind"] == "upload" and replaced["by"]["file"] == "tuyen-truyen-1.txt"
    assert replaced["by"]["uploaded_at"] == pytest.approx(deleted["uploaded_at"])
    assert replaced["trashed_at"] <= deleted["trashed_at"] < deleted["restorable_until"]


def test_the_question_log_is_paged_and_shows_the_channel_and_the_expert_reply(client: TestClient) -> None:
    asked = [client.post("/api/ask", json={"question": f"Ai chủ trì rà soát hồ sơ nhóm {n}?", "channel": channel,
                                            "conversation_id": f"w-{n}"}).json()
             for n, channel in enumerate(["widget", "api", "widget"])]
    request = client.post("/api/expert", json={"answer_id": asked[0]["answer_id"], "conversation_id": "w-0"})
    assert request.status_code == 201, request.text
    [queued] = client.get("/api/admin/experts/requests", headers=ADMIN).json()
    reply = client.post(f"/api/admin/experts/requests/{queued['id']}/reply", headers=ADMIN,
                        json={"text": "Sở Nội vụ chủ trì.", "faq": False})
    assert reply.status_code == 200, reply.text
    page = client.get("/api/admin/questions", headers=ADMIN, params={"channel": "widget", "limit": 1})
    assert page.headers["x-total-count"] == "2" and len(page.json()) == 1
    rows = {r["id"]: r for r in client.get("/api/admin/questions", headers=ADMIN, params={"q": "nhom 0"}).json()}
    row = rows[asked[0]["answer_id"]]
    assert row["channel"] == "widget" and row["expert"]["reply"] == "Sở Nội vụ chủ trì."
    assert client.get("/api/admin/questions", headers=ADMIN, params={"state": "x"}).status_code == 422


def test_quiz_items_are_paged_and_published_in_bulk(client: TestClient) -> None:
    generated = client.post("/api/admin/quiz/generate", headers=ADMIN, json={}).json()
    assert generated["added"] >= 10
    page = client.get("/api/admin/quiz/items", headers=ADMIN, params={"status": "draft", "limit": 5}).json()
    assert page["total"] == generated["added"] and len(page["items"]) == 5
    ids = [i["id"] for i in page["items"]]
    done = client.post("/api/admin/quiz/items/status", headers=ADMIN, json={"ids": ids, "status": "published"}).json()
    assert done == {"status": "published", "changed": 5}
    published = client.get("/api/admin/quiz/items", headers=ADMIN, params={"status": "published"}).json()
    assert sorted(i["id"] for i in published["items"]) == sorted(ids)
    missing = client.post("/api/admin/quiz/items/status", headers=ADMIN, json={"ids": [ids[0], "q-khong-co"],
                                                                               "status": "retired"})
    assert missing.status_code == 404  # nothing changed: checked before any item is
    assert client.get("/api/admin/quiz/items", headers=ADMIN, params={"status": "retired"}).json()["total"] == 0


def test_agencies_typed_two_ways_are_counted_under_the_listed_name(client: TestClient) -> None:
    generated = client.post("/api/admin/quiz/generate", headers=ADMIN, json={"count": 3}).json()
    client.post("/api/admin/quiz/items/status", headers=ADMIN,
                json={"ids": [i["id"] for i in generated["items"]], "status": "published"})
    for n, agency in enumerate(["Sở Nội vụ", "sở  nội vụ", "SỞ NỘI VỤ", "UBND huyện Nghi Lộc"]):
        check = client.post("/api/quiz/start", json={"client_id": f"taker-{n}", "agency": agency, "count": 1}).json()
        item = check["items"][0]
        client.post(f"/api/quiz/{check['check_id']}/answer", json={"item_id": item["id"], "choice": 0})
    # free text alone: the spellings fold to the one most answers used
    before = client.get("/api/admin/quiz/results", headers=ADMIN, params={"by": "agency"}).json()
    assert [(r["key"], r["taken"]) for r in before] == [("Sở Nội vụ", 3), ("UBND huyện Nghi Lộc", 1)]
    twice = client.put("/api/admin/quiz/agencies", headers=ADMIN, json={"names": ["Sở Nội vụ", "sở nội vụ"]})
    assert twice.status_code == 422 and twice.json()["error"]["code"] == "duplicate_agency"
    kept = client.put("/api/admin/quiz/agencies", headers=ADMIN,
                      json={"names": ["Sở Nội vụ", "Ủy ban nhân dân huyện Nghi Lộc"]}).json()
    assert kept["names"] == ["Sở Nội vụ", "Ủy ban nhân dân huyện Nghi Lộc"]
    assert client.get("/api/quiz/agencies").json() == kept  # the widget offers them
    after = client.get("/api/admin/quiz/results", headers=ADMIN, params={"by": "agency"}).json()
    assert [(r["key"], r["taken"]) for r in after] == [("Sở Nội vụ", 3), ("Ủy ban nhân dân huyện Nghi Lộc", 1)]


def test_the_picker_offers_every_format_the_loader_reads(client: TestClient) -> None:
    assert client.get("/api/admin/formats", headers=ADMIN).json() == {"suffixes": list(SUPPORTED)}
    assert {".doc", ".rtf", ".xls", ".xlsx", ".jpg"} <= set(SUPPORTED)

"""The quiz routes of the real app over the shipped documents: the admin contract and a check taken over HTTP.

The quiz reads the document store only, so the app is used without its start-up (which wants a built index).
"""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from core.settings import Settings
from corpus.ingest import Ingester
from corpus.store import Store

KEY = {"X-API-Key": "quiz-admin-key-0123456789abcdef"}


@pytest.fixture
def client(settings: Settings) -> TestClient:
    settings = settings.model_copy(update={"admin_keys": [SecretStr(KEY["X-API-Key"])], "rate_limit_per_minute": 1000})
    assert not Ingester(Store(settings.db_path), settings).ingest_paths([settings.corpus_dir]).failed
    return TestClient(create_app(settings))


def _error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def _publish(client: TestClient, n: int) -> list[dict]:
    added = client.post("/api/admin/quiz/generate", json={"count": 40}, headers=KEY).json()["items"]
    for item in added[:n]:
        assert client.patch(f"/api/admin/quiz/items/{item['id']}", json={"status": "published"},
                            headers=KEY).status_code == 200
    return added[:n]


def test_admin_routes_need_the_key(client: TestClient) -> None:
    _error(client.get("/api/admin/quiz/items"), 401, "unauthorized")
    _error(client.post("/api/admin/quiz/generate", json={"count": 3}), 401, "unauthorized")


def test_generate_list_and_edit_follow_the_contract(client: TestClient) -> None:
    body = client.post("/api/admin/quiz/generate", json={"count": 12}, headers=KEY).json()
    assert body["added"] == 12 and len(body["items"]) == 12
    assert client.post("/api/admin/quiz/generate", json={"count": 12}, headers=KEY).json()["added"] == 0
    drafts = client.get("/api/admin/quiz/items", params={"status": "draft"}, headers=KEY).json()["items"]
    assert len(drafts) == 12
    keys = {"id", "kind", "question", "options", "answer_index", "unit_id", "doc_id", "status", "citation"}
    assert all(keys <= set(item) and item["status"] == "draft" for item in drafts)

    mcq = next(i for i in drafts if i["kind"] == "mcq")
    options = [*mcq["options"][1:], mcq["options"][0]]
    edited = client.patch(f"/api/admin/quiz/items/{mcq['id']}", headers=KEY, json={
        "question": "Câu hỏi đã biên tập?", "options": options, "answer_index": 0, "status": "published"}).json()
    assert (edited["question"], edited["options"], edited["answer_index"], edited["status"]) == (
        "Câu hỏi đã biên tập?", options, 0, "published")
    published = client.get("/api/admin/quiz/items?status=published", headers=KEY).json()["items"]
    assert [i["id"] for i in published] == [mcq["id"]]

    _error(client.patch(f"/api/admin/quiz/items/{mcq['id']}", json={"options": ["a", "b", "c"]}, headers=KEY),
           422, "invalid_options")
    _error(client.patch(f"/api/admin/quiz/items/{mcq['id']}", json={"options": ["a", "b", "a", "c"]}, headers=KEY),
           422, "duplicate_options")
    _error(client.patch(f"/api/admin/quiz/items/{mcq['id']}", json={"answer_index": 7}, headers=KEY),
           422, "invalid_answer_index")
    _error(client.patch(f"/api/admin/quiz/items/{mcq['id']}", json={"status": "gone"}, headers=KEY),
           422, "invalid_request")
    _error(client.patch("/api/admin/quiz/items/q-missing", json={"status": "retired"}, headers=KEY), 404, "not_found")
    truefalse = next(i for i in drafts if i["kind"] == "truefalse")
    _error(client.patch(f"/api/admin/quiz/items/{truefalse['id']}", json={"answer_index": 2}, headers=KEY),
           422, "invalid_answer_index")
    assert client.get("/api/admin/quiz/items?status=published", headers=KEY).json()["items"][0] == edited


def test_a_check_over_http_leaks_no_answer_and_is_scored(client: TestClient) -> None:
    _error(client.post("/api/quiz/start", json={}), 409, "no_published_items")
    _publish(client, 12)
    start = client.post("/api/quiz/start", json={"client_id": "widget-1", "agency": "Sở Nội vụ"}).json()
    assert len(start["items"]) == 10
    assert all(set(item) == {"id", "question", "options"} for item in start["items"]), "no answer in the check"
    check_id = start["check_id"]
    admin = {i["id"]: i for i in client.get("/api/admin/quiz/items", headers=KEY).json()["items"]}

    first, second = start["items"][:2]
    right = client.post(f"/api/quiz/{check_id}/answer", json={"item_id": first["id"],
                                                               "choice": admin[first["id"]]["answer_index"]}).json()
    assert right["correct"] and right["answer_index"] == admin[first["id"]]["answer_index"]
    assert right["citation"] == admin[first["id"]]["citation"] and right["unit_text"]
    wrong_choice = (admin[second["id"]]["answer_index"] + 1) % len(second["options"])
    wrong = client.post(f"/api/quiz/{check_id}/answer", json={"item_id": second["id"], "choice": wrong_choice}).json()
    assert not wrong["correct"]

    score = client.get(f"/api/quiz/{check_id}").json()
    assert (score["answered"], score["correct"], score["total"]) == (2, 1, 10)
    _error(client.post(f"/api/quiz/{check_id}/answer", json={"item_id": "q-other", "choice": 0}), 422,
           "item_not_in_check")
    _error(client.post(f"/api/quiz/{check_id}/answer", json={"item_id": first["id"], "choice": 9}), 422,
           "invalid_request")
    _error(client.get("/api/quiz/no-such-check"), 404, "not_found")
    _error(client.post("/api/quiz/start", json={"count": 0}), 422, "invalid_request")

    rows = client.get("/api/admin/quiz/results?by=agency", headers=KEY).json()
    assert rows == [{"key": "Sở Nội vụ", "taken": 2, "correct": 1, "share": 0.5}]
    by_item = client.get("/api/admin/quiz/results?by=item", headers=KEY).json()
    assert by_item[0]["key"] == second["id"] and by_item[0]["share"] == 0.0 and by_item[0]["question"]
    exported = client.get("/api/admin/quiz/results?by=item&format=csv", headers=KEY)
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert {(r["key"], r["taken"], r["correct"]) for r in table} == {(first["id"], "1", "1"), (second["id"], "1", "0")}
    _error(client.get("/api/admin/quiz/results?by=person", headers=KEY), 422, "invalid_request")


def test_the_quiz_routes_are_rate_limited_like_ask(settings: Settings) -> None:
    limited = settings.model_copy(update={"rate_limit_per_minute": 2})
    client = TestClient(create_app(limited))
    for _ in range(2):
        client.get("/api/quiz/anything")
    response = client.get("/api/quiz/anything")
    _error(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) >= 1

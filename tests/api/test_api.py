"""The HTTP API against the real app and the shipped corpus: every endpoint and error case."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from api.schemas import AskResponse, CitationOut
from hoidap.querylog import QueryLog
from core.settings import Settings
from tests.live import serve
from tests.api.ready import ready

KEYS = ["first-admin-key-0123456789abcdef", "second-admin-key-0123456789abcdef"]
PLAN = ("KẾ HOẠCH\nTuyên truyền cải cách hành chính năm 2026 của tỉnh Kon Tum\nI. NHIỆM VỤ\n"
        "1. Sở Văn hóa, Thể thao và Du lịch chủ trì tổ chức hội thi sân khấu hóa về cải cách hành chính trong quý III/2026.\n")


def _copy(indexed_settings: Settings, tmp_path: Path, **update) -> Settings:
    """A private copy of the indexed corpus, for tests that change documents or limits."""
    data = tmp_path / "data"
    shutil.copytree(indexed_settings.data_dir, data)
    return indexed_settings.model_copy(update={"data_dir": data, "admin_keys": [SecretStr(k) for k in KEYS], **update})


@pytest.fixture(scope="module")
def client(indexed_settings: Settings, tmp_path_factory) -> TestClient:
    settings = _copy(indexed_settings, tmp_path_factory.mktemp("api"), rate_limit_per_minute=1000,
                     cors_origins=["https://dichvucong.quangnam.gov.vn"])
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    return body["error"]["message"]


def test_ask_returns_answer_citations_and_ids(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "Cơ quan nào chủ trì đề án đo lường sự hài lòng với dịch vụ y tế công?"})
    assert response.status_code == 200
    body = response.json()
    assert {"question", "answer", "abstained", "citations", "answer_id", "conversation_id"} <= set(body)
    assert "Sở Y tế" in body["answer"] and not body["abstained"]
    first = body["citations"][0]
    assert {"rank", "unit_id", "doc_id", "doc_title", "doc_number", "label", "text", "score"} <= set(first)
    follow = client.post("/api/ask", json={"question": "còn đề án về dịch vụ giáo dục công thì sao?",
                                            "conversation_id": body["conversation_id"]}).json()
    assert follow["conversation_id"] == body["conversation_id"] and "Sở Giáo dục và Đào tạo" in follow["answer"]


def test_ask_with_filters_and_top_k(client: TestClient) -> None:
    body = client.post("/api/ask", json={"question": "kinh phí thực hiện", "top_k": 3,
                                         "filters": {"province": "Đồng Tháp"}}).json()
    assert len(body["citations"]) <= 3
    assert {c["doc_id"] for c in body["citations"]} == {"dongthap-2021-de-an-1601"}


@pytest.mark.parametrize(("payload", "status", "code", "words"), [
    ({"question": "   "}, 400, "empty_question", "trống"),
    ({"question": "x" * 501}, 400, "question_too_long", "500"),
    ({}, 422, "invalid_request", "question"),
    ({"question": "kế hoạch", "filters": {"province": "Hà Nội"}}, 400, "invalid_filter", "Quảng Nam"),
    ({"question": "kế hoạch", "filters": {"doc_type": "Thông tư"}}, 400, "invalid_filter", "Đề án"),
    ({"question": "kế hoạch", "top_k": 0}, 422, "invalid_request", "top_k"),
    ({"question": "kế hoạch", "conversation_id": "<script>"}, 422, "invalid_request", "conversation_id"),
])
def test_ask_errors_say_what_is_accepted(client: TestClient, payload: dict, status: int, code: str, words: str) -> None:
    assert words in _error(client.post("/api/ask", json=payload), status, code)


def test_malformed_json_is_a_clear_error(client: TestClient) -> None:
    response = client.post("/api/ask", content=b"{question:", headers={"content-type": "application/json"})
    _error(response, 422, "invalid_request")


def test_feedback_is_stored_and_checked(client: TestClient) -> None:
    answer = client.post("/api/ask", json={"question": "Thời tiết Quảng Nam cuối tuần này thế nào"}).json()
    assert answer["abstained"]
    assert client.post("/api/feedback", json={"answer_id": answer["answer_id"], "helpful": False,
                                              "comment": "Cần thêm văn bản về thời tiết"}).status_code == 201
    _error(client.post("/api/feedback", json={"answer_id": "khong-co", "helpful": True}), 404, "not_found")
    _error(client.post("/api/feedback", json={"answer_id": answer["answer_id"]}), 422, "invalid_request")
    log = client.get("/api/admin/questions", headers={"X-API-Key": KEYS[1]}).json()
    assert log[0]["id"] == answer["answer_id"] or any(q["abstained"] for q in log[:1])
    flagged = next(q for q in log if q["id"] == answer["answer_id"])
    assert flagged["negative"] == 1 and "thời tiết" in flagged["comments"]
    # questions that abstained or got 👎 come before the ones answered well
    order = [q["abstained"] or q["negative"] > 0 for q in log]
    assert order == sorted(order, reverse=True)


def test_documents_and_units(client: TestClient) -> None:
    docs = client.get("/api/documents").json()
    assert len(docs) == 5 and {"id", "type", "number", "date", "province", "title", "units"} <= set(docs[0])
    doc = client.get("/api/documents/dongthap-2021-de-an-1601").json()
    assert doc["number"] == "1601/QĐ-UBND-HC" and len(doc["outline"]) == doc["units"]
    unit_id = doc["outline"][5]["id"]
    unit = client.get(f"/api/units/{unit_id}").json()
    assert unit["previous"]["id"] == doc["outline"][4]["id"] and unit["next"]["id"] == doc["outline"][6]["id"]
    assert unit["text"] == doc["outline"][5]["text"] and unit["breadcrumb"]
    _error(client.get("/api/documents/khong-co"), 404, "not_found")
    _error(client.get("/api/units/khong-co.001"), 404, "not_found")
    _error(client.get("/api/khong-co-duong-dan"), 404, "not_found")


def test_ask_body_is_the_declared_response_model_of_the_answer(client: TestClient) -> None:
    """The route dumps the answer itself (one thread trip, no dict copy): every field of AskResponse and
    CitationOut, nothing else, each with the assistant's own value for the same question."""
    question = "Kinh phí thực hiện đề án lấy từ đâu?"
    body = client.post("/api/ask", json={"question": question}).json()
    answer = client.app.state.hoidap.assistant.ask(question, channel="test", conversation_id="test")
    assert set(body) == set(AskResponse.model_fields)
    assert body["citations"] and all(set(c) == set(CitationOut.model_fields) for c in body["citations"])
    expected = AskResponse.model_validate(answer, from_attributes=True).model_dump(mode="json")
    for field in ("answer_id", "conversation_id"):  # new for every question
        assert body.pop(field) and expected.pop(field) is not None
    assert body == expected


def test_metrics_count_every_response_by_route_and_status(client: TestClient) -> None:
    before = client.get("/metrics").text
    client.post("/api/ask", json={})
    client.get("/api/khong-co-duong-dan")
    after = client.get("/metrics").text

    def count(text: str, sample: str) -> float:
        line = next((x for x in text.splitlines() if x.startswith(sample + " ")), f"{sample} 0")
        return float(line.rsplit(" ", 1)[1])

    for sample in ('hoidap_http_requests_total{route="/api/ask",status="422"}',
                   'hoidap_http_requests_total{route="other",status="404"}'):
        assert count(after, sample) == count(before, sample) + 1, sample


def test_health_metrics_docs_widget(client: TestClient) -> None:
    health = ready(client)
    assert health["status"] == "ok" and health["documents"] == 5 and health["units"] > 250
    client.post("/api/ask", json={"question": "QĐ 1601 ban hành ngày nào"})
    metrics = client.get("/metrics").text
    assert 'hoidap_http_requests_total{route="/api/ask",status="200"}' in metrics
    assert "hoidap_answer_seconds_count" in metrics and "hoidap_index_units" in metrics
    assert client.get("/docs").status_code == 200
    assert "/api/ask" in client.get("/openapi.json").json()["paths"]
    assert client.get("/widget.js").headers["content-type"].startswith("application/javascript")
    assert "widget.js" in client.get("/").text


def test_cors_allows_the_configured_portal_only(client: TestClient) -> None:
    allowed = client.options("/api/ask", headers={"Origin": "https://dichvucong.quangnam.gov.vn",
                                                  "Access-Control-Request-Method": "POST"})
    assert allowed.headers.get("access-control-allow-origin") == "https://dichvucong.quangnam.gov.vn"
    other = client.options("/api/ask", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in other.headers


def test_admin_key_is_required(client: TestClient) -> None:
    _error(client.get("/api/admin/questions"), 401, "unauthorized")
    _error(client.get("/api/admin/questions", headers={"X-API-Key": "first-admin-ke"}), 401, "unauthorized")
    _error(client.delete("/api/admin/documents/dongthap-2021-de-an-1601", headers={"X-API-Key": "nope"}), 401, "unauthorized")
    assert client.get("/api/admin/questions", headers={"X-API-Key": KEYS[0]}).status_code == 200
    assert client.get("/api/admin/questions", headers={"X-API-Key": KEYS[1]}).status_code == 200


def test_rate_limit_per_client(indexed_settings: Settings, tmp_path: Path) -> None:
    settings = _copy(indexed_settings, tmp_path, rate_limit_per_minute=2)
    with TestClient(create_app(settings)) as limited:
        for _ in range(2):
            assert limited.post("/api/ask", json={"question": "QĐ 1601"}, headers={"X-Client-Id": "a"}).status_code == 200
        refused = limited.post("/api/ask", json={"question": "QĐ 1601"}, headers={"X-Client-Id": "a"})
        _error(refused, 429, "rate_limited")
        assert int(refused.headers["retry-after"]) >= 1
        # the client's address is limited, whatever X-Client-Id it sends (tests/api/test_cors_limits.py)
        assert limited.post("/api/ask", json={"question": "QĐ 1601"}, headers={"X-Client-Id": "b"}).status_code == 429


def test_admin_upload_errors(indexed_settings: Settings, tmp_path: Path) -> None:
    settings = _copy(indexed_settings, tmp_path, max_file_mb=0.001)
    headers = {"X-API-Key": KEYS[0]}
    with TestClient(create_app(settings)) as admin:
        _error(admin.post("/api/admin/documents", headers=headers, files={"file": ("bang.odt", b"PK..")}), 415,
               "unsupported_format")
        _error(admin.post("/api/admin/documents", headers=headers, files={"file": ("bang.xlsx", b"PK..")}), 422,
               "corrupt_document")
        _error(admin.post("/api/admin/documents", headers=headers, files={"file": ("rong.txt", b"")}), 422, "empty_document")
        _error(admin.post("/api/admin/documents", headers=headers, files={"file": ("to.txt", PLAN.encode() * 10)}), 413,
               "file_too_large")
        _error(admin.post("/api/admin/documents", headers=headers, files={"file": ("cu.txt", b"Quy\xea\xcc\x81t \xf0i\xea\xcc\xa3nh")}),
               422, "bad_encoding")
        _error(admin.delete("/api/admin/documents/khong-co", headers=headers), 404, "not_found")
        assert len(admin.get("/api/documents").json()) == 5  # nothing already stored was lost


def test_admin_upload_and_delete_while_queries_keep_being_answered(indexed_settings: Settings, tmp_path: Path) -> None:
    settings = _copy(indexed_settings, tmp_path, rate_limit_per_minute=10_000)
    headers = {"X-API-Key": KEYS[0]}
    with serve(settings) as (url, _app):
        failures: list[str] = []
        answered = 0
        stop = threading.Event()

        def keep_asking() -> None:
            nonlocal answered
            with httpx.Client(base_url=url, timeout=60) as http:
                while not stop.is_set():
                    response = http.post("/api/ask", json={"question": "Sở Y tế chủ trì đề án nào"})
                    if response.status_code != 200:
                        failures.append(response.text)
                    answered += 1

        askers = [threading.Thread(target=keep_asking) for _ in range(2)]
        for thread in askers:
            thread.start()
        with httpx.Client(base_url=url, timeout=120) as http:
            upload = http.post("/api/admin/documents", headers=headers,
                               files={"file": ("kon-tum-2026.txt", PLAN.encode("utf-8"), "text/plain")})
            assert upload.status_code == 201, upload.text
            assert upload.json()["doc_id"] == "kon-tum-2026" and upload.json()["embedded"] == upload.json()["units"]
            found = http.post("/api/ask", json={"question": "hội thi sân khấu hóa cải cách hành chính Kon Tum"}).json()
            assert found["citations"][0]["doc_id"] == "kon-tum-2026"
            deleted = http.delete("/api/admin/documents/kon-tum-2026", headers=headers)
            assert deleted.status_code == 200
            after = http.post("/api/ask", json={"question": "hội thi sân khấu hóa cải cách hành chính Kon Tum"}).json()
            assert all(c["doc_id"] != "kon-tum-2026" for c in after["citations"])
        stop.set()
        for thread in askers:
            thread.join()
        assert not failures and answered > 0
    assert QueryLog(settings.data_dir / "querylog.sqlite3").questions(5)


def test_openapi_describes_the_real_error_bodies(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "ErrorResponse" in spec["components"]["schemas"]
    for path, method in (("/api/ask", "post"), ("/api/admin/documents", "post"), ("/api/units/{unit_id}", "get")):
        responses = spec["paths"][path][method]["responses"]
        for status in ("422", "429", "404", "401"):
            assert responses[status]["content"]["application/json"]["schema"] == \
                {"$ref": "#/components/schemas/ErrorResponse"}, (path, status)
    body = client.post("/api/ask", json={"question": ""}).json()  # and the body matches the schema
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}

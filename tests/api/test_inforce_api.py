"""Which document is in force, through the API, the answer, the bots' text and the CLI: relations in
GET /api/documents/{id}, present questions preferring the document in force, replaced citations
marked, admin corrections of metadata. Small documents written here; the hashing embedder."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from bot.format import answer_html, answer_plain, documents_plain
from corpus.ingest import Ingester
from corpus.store import Store
from core.settings import Settings
from hoidap.answer import AnswerService
from cli.main import main
from index.build import IndexBuilder
from index.model.embedder import Embedder
from index.search import Searcher
from tests.corpus.test_relations import CITING, NEW, OLD, PLAN

KEY = "metadata-admin-key-0123456789abcdef"
ADMIN = {"X-API-Key": KEY}
PRESENT = "Tỷ lệ hồ sơ giải quyết trực tuyến toàn trình của tỉnh Kon Tum hiện nay phải đạt bao nhiêu?"
NAMED_2023 = "Tỷ lệ hồ sơ giải quyết trực tuyến toàn trình của tỉnh Kon Tum năm 2023 phải đạt bao nhiêu?"


def _settings(tmp_path: Path) -> Settings:
    # the hashing embedder's similarities mean little: abstention by hand thresholds set to answer
    settings = Settings(data_dir=tmp_path / "data", model="hashing", admin_keys=[SecretStr(KEY)],
                        rate_limit_per_minute=10_000, answerability_model="none", abstain_threshold=0.0,
                        abstain_min_coverage=0.0)
    store = Store(settings.db_path)
    ingester = Ingester(store, settings)
    for name, text in {"qd-12.txt": OLD, "qd-45.txt": NEW, "kh-77.txt": CITING,
                       "kh-2023.txt": PLAN.format(year=2023, rate=60), "kh-2024.txt": PLAN.format(year=2024, rate=75)}.items():
        ingester.ingest_bytes(name, text.encode())
    IndexBuilder(settings, store, Embedder.from_settings(settings)).build()
    store.close()
    return settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return _settings(tmp_path)


@pytest.fixture
def client(settings: Settings) -> TestClient:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_document_shows_its_relations(client: TestClient) -> None:
    old = client.get("/api/documents/qd-12").json()
    assert [(x["doc_id"], x["how"]) for x in old["replaced_by"]] == [("qd-45", "thay_the")]
    assert old["in_force"] is False and old["validity"].startswith("đã được thay thế bởi Quyết định số 45/QĐ-UBND")
    assert "thay thế Quyết định số 12/QĐ-UBND" in old["replaced_by"][0]["note"]
    new = client.get("/api/documents/qd-45").json()
    assert new["in_force"] is True and new["validity"] == ""
    assert [x["doc_id"] for x in new["replaces"]] == ["qd-12"] and [x["doc_id"] for x in new["cited_by"]] == ["kh-77"]
    assert [x["doc_id"] for x in client.get("/api/documents/kh-77").json()["cites"]] == ["qd-45"]
    assert [x["doc_id"] for x in client.get("/api/documents/kh-2023").json()["replaced_by"]] == ["kh-2024"]
    listed = {d["id"]: d for d in client.get("/api/documents").json()}
    assert listed["kh-2023"]["in_force"] is False and listed["kh-2024"]["in_force"] is True


def test_present_question_cites_the_plan_in_force_and_a_named_year_keeps_its_plan(client: TestClient) -> None:
    present = client.post("/api/ask", json={"question": PRESENT}).json()
    assert not present["abstained"], present["answer"]
    assert present["citations"][0]["doc_id"] == "kh-2024" and "75%" in present["answer"]
    named = client.post("/api/ask", json={"question": NAMED_2023}).json()
    first = named["citations"][0]
    assert first["doc_id"] == "kh-2023" and "60%" in named["answer"]
    assert first["in_force"] is False and first["validity"].startswith("đã được thay thế bởi")
    assert [x["doc_id"] for x in first["replaced_by"]] == ["kh-2024"]
    assert "(Lưu ý: văn bản này đã được thay thế bởi" in named["answer"]
    # the same answer, without diacritics
    folded = client.post("/api/ask", json={"question": "ty le ho so truc tuyen toan trinh kon tum nam 2023"}).json()
    assert folded["citations"][0]["doc_id"] == "kh-2023" and "đã được thay thế bởi" in folded["answer"]


def test_bots_mark_a_replaced_citation(settings: Settings) -> None:
    answer = AnswerService(settings).answer(NAMED_2023, record=False)
    assert answer.citations[0].doc_id == "kh-2023"
    html, plain = answer_html(answer), answer_plain(answer)
    assert "[1] " in plain and "— ⚠️ đã được thay thế bởi" in plain.split("Nguồn:")[1]
    assert "— ⚠️ <i>đã được thay thế bởi" in html
    listing = documents_plain([d.public() for d in Searcher(settings).current().docs.values()])
    line = next(x for x in listing.split("\n\n") if "mã kh-2023" in x)
    assert "— ⚠️ đã được thay thế bởi Kế hoạch" in line
    assert "⚠️" not in next(x for x in listing.split("\n\n") if "mã kh-2024" in x)


def test_admin_corrects_metadata_and_it_survives_a_replaced_file(client: TestClient) -> None:
    assert client.patch("/api/admin/documents/kh-2023/metadata", json={"in_force": True}).status_code == 401
    bad = client.patch("/api/admin/documents/kh-2023/metadata", headers=ADMIN, json={"date": "31/02/20"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_metadata"
    assert "21/10/2021" in bad.json()["error"]["message"]
    misspelt = client.patch("/api/admin/documents/kh-2023/metadata", headers=ADMIN, json={"numbr": "1/KH"})
    assert misspelt.status_code == 422 and "numbr" in misspelt.json()["error"]["message"]
    unknown = client.patch("/api/admin/documents/khong-co/metadata", headers=ADMIN, json={"in_force": False})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    wrong_successor = client.patch("/api/admin/documents/kh-2023/metadata", headers=ADMIN, json={"replaced_by": ["zz"]})
    assert wrong_successor.status_code == 400 and "zz" in wrong_successor.json()["error"]["message"]

    done = client.patch("/api/admin/documents/kh-2023/metadata", headers=ADMIN,
                        json={"number": "15/KH-UBND", "date": "20/1/2023", "replaced_by": []})
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["overrides"] == {"number": "15/KH-UBND", "date": "2023-01-20", "date_text": "20/01/2023", "replaced_by": []}
    doc = client.get("/api/documents/kh-2023").json()
    assert doc["number"] == "15/KH-UBND" and doc["in_force"] is True and doc["replaced_by"] == []
    assert "số 15/KH-UBND ngày 20/01/2023" in doc["citation"]
    assert client.get("/api/documents/kh-2024").json()["replaces"] == []

    # a new version of the file replaces the document: the corrections stay
    put = client.put("/api/admin/documents/kh-2023", headers=ADMIN,
                     files={"file": ("kh-2023.txt", PLAN.format(year=2023, rate=65).encode())})
    assert put.status_code == 200 and put.json()["status"] == "updated", put.text
    doc = client.get("/api/documents/kh-2023").json()
    assert doc["number"] == "15/KH-UBND" and doc["in_force"] is True
    kept = client.get("/api/admin/documents/kh-2023/metadata", headers=ADMIN).json()
    assert kept["overrides"]["number"] == "15/KH-UBND" and kept["date_text"] == "20/01/2023"

    # out of force by the admin's word: citations say so; then the correction dropped
    client.patch("/api/admin/documents/kh-2024/metadata", headers=ADMIN, json={"in_force": False})
    assert client.get("/api/documents/kh-2024").json()["validity"] == "đã hết hiệu lực"
    client.patch("/api/admin/documents/kh-2024/metadata", headers=ADMIN, json={"in_force": None})
    assert client.get("/api/documents/kh-2024").json()["in_force"] is True


def test_cli_metadata(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("HOIDAP_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("HOIDAP_MODEL", "hashing")
    monkeypatch.setenv("HOIDAP_ANSWERABILITY_MODEL", "none")
    assert main(["metadata", "qd-12", "--in-force", "yes", "--number", "12/QĐ-UBND"]) == 0
    out = capsys.readouterr()
    assert '"in_force": true' in out.out and "Chỉ mục" in out.err
    assert main(["metadata", "qd-12", "--date", "hôm qua"]) == 1
    assert "invalid_metadata" in capsys.readouterr().err
    assert main(["metadata", "qd-12", "--clear", "in_force", "--json"]) == 0
    assert '"overrides": {\n    "number": "12/QĐ-UBND"\n  }' in capsys.readouterr().out


def test_admin_corrects_title_and_kind(client: TestClient) -> None:
    before = client.get("/api/admin/documents/kh-77/metadata", headers=ADMIN).json()
    assert before["sources"].get("title") != "corrected"
    bad = client.patch("/api/admin/documents/kh-77/metadata", headers=ADMIN, json={"doc_type": "12/KH"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_metadata"
    done = client.patch("/api/admin/documents/kh-77/metadata", headers=ADMIN,
                        json={"title": "  Kế hoạch  kiểm tra công vụ năm 2024 ", "doc_type": "kế hoạch"})
    assert done.status_code == 200, done.text
    assert done.json()["overrides"] == {"title": "Kế hoạch kiểm tra công vụ năm 2024", "doc_type": "Kế hoạch"}
    kept = client.get("/api/admin/documents/kh-77/metadata", headers=ADMIN).json()
    assert kept["title"] == "Kế hoạch kiểm tra công vụ năm 2024" and kept["doc_type"] == "Kế hoạch"
    assert kept["sources"]["title"] == "corrected" and kept["sources"]["doc_type"] == "corrected"
    assert client.get("/api/documents/kh-77").json()["title"] == "Kế hoạch kiểm tra công vụ năm 2024"

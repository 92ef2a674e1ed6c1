"""Documents in the new formats answer questions: a .doc, an .xlsx appendix, a scanned PDF page and a
photo of a page are ingested and indexed with a shipped document, and each question is answered from
the fixture that holds its fact. Answers quoting a scan say so. A deterministic embedder: the model
is not the point, the readers are."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT, Settings
from corpus.ingest import Ingester
from corpus.store import Store
from hoidap.assistant import Assistant
from index.build import IndexBuilder

FIXTURES = PROJECT_ROOT / "tests" / "corpus" / "fixtures"
FILES = ["ke-hoach-so-hoa.doc", "phu-luc-nhiem-vu.xlsx", "quyet-dinh-scan.pdf", "thong-bao-anh.jpg",
         "ke-hoach-kiem-tra-mixed.pdf"]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    root = tmp_path_factory.mktemp("formats")
    docs = root / "docs"
    docs.mkdir()
    for name in FILES:
        shutil.copy(FIXTURES / name, docs / name)
    shutil.copy(PROJECT_ROOT / "corpus" / "documents" / "dongthap-2021-de-an-1601.txt", docs)
    settings = Settings(data_dir=root / "data", model="hashing", abstain_threshold=-1.0, answerability_model="none")
    store = Store(settings.db_path)
    report = Ingester(store, settings).ingest_paths([docs])
    assert not report.failed, [r.reason for r in report.failed]
    IndexBuilder(settings, store).build()
    return Assistant(settings)


@pytest.mark.parametrize(("question", "doc_id", "fact"), [
    ("Tỷ lệ hồ sơ, kết quả giải quyết thủ tục hành chính được số hóa của Kon Tum năm 2024 đạt bao nhiêu?",
     "ke-hoach-so-hoa", "85%"),
    ("Cơ quan nào chủ trì xây dựng kho dữ liệu điện tử của tổ chức, cá nhân?",
     "phu-luc-nhiem-vu", "Sở Thông tin và Truyền thông"),
    ("Tổ công tác kiểm tra cải cách hành chính tỉnh Gia Lai năm 2024 gồm bao nhiêu thành viên?",
     "quyet-dinh-scan", "7 thành viên"),
    ("Bộ phận Một cửa của Sở Nội vụ tỉnh Lâm Đồng tiếp nhận hồ sơ vào những ngày nào?",
     "thong-bao-anh", "thứ Hai đến sáng thứ Bảy"),
    ("tinh Binh Phuoc doan kiem tra cai cach hanh chinh gom bao nhieu thanh vien",  # without diacritics
     "ke-hoach-kiem-tra-mixed", "9 thành viên"),
])
def test_a_question_is_answered_from_the_fixture_that_holds_it(assistant: Assistant, question: str, doc_id: str,
                                                               fact: str) -> None:
    answer = assistant.ask(question, channel="test")
    assert not answer.abstained
    top = answer.citations[0]
    assert top.doc_id == doc_id and fact in top.text
    assert fact in answer.answer


@pytest.mark.parametrize(("question", "scanned"), [
    ("Tổ công tác kiểm tra cải cách hành chính tỉnh Gia Lai năm 2024 gồm bao nhiêu thành viên?", True),
    ("Cơ quan nào chủ trì xây dựng kho dữ liệu điện tử của tổ chức, cá nhân?", False),
])
def test_an_answer_quoting_a_scan_says_it_was_recognised_by_ocr(assistant: Assistant, question: str,
                                                                scanned: bool) -> None:
    answer = assistant.ask(question, channel="test")
    top = answer.citations[0]
    assert top.ocr is scanned
    assert ("được nhận dạng từ bản quét (OCR)" in answer.answer) is scanned
    if scanned:
        assert f"nguồn [{top.rank}]" in answer.answer


def test_the_index_records_which_units_and_documents_came_from_ocr(assistant: Assistant) -> None:
    docs = {doc.id: doc for doc in assistant.documents()}
    assert docs["quyet-dinh-scan"].ocr_pages == 1 and docs["thong-bao-anh"].ocr_pages == 1
    assert docs["ke-hoach-kiem-tra-mixed"].ocr_pages == 1 and docs["ke-hoach-so-hoa"].ocr_pages == 0
    snapshot = assistant.searcher.current()
    mixed = snapshot.units_of("ke-hoach-kiem-tra-mixed")
    assert any(u.ocr for u in mixed) and not all(u.ocr for u in mixed)
    assert all(u.ocr for u in snapshot.units_of("thong-bao-anh"))
    assert not any(u.ocr for u in snapshot.units_of("dongthap-2021-de-an-1601"))


def test_the_api_response_marks_a_cited_scan(assistant: Assistant) -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app(assistant.settings)) as client:
        body = client.post("/api/ask", json={"question": "Bộ phận Một cửa của Sở Nội vụ tỉnh Lâm Đồng tiếp nhận hồ sơ "
                                                         "vào những ngày nào?"}).json()
    top = body["citations"][0]
    assert top["doc_id"] == "thong-bao-anh" and top["ocr"] is True
    assert "bản quét (OCR)" in body["answer"]


def test_an_upload_of_a_scan_is_read_in_the_isolated_child(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", model="hashing")
    result = Ingester(Store(settings.db_path), settings, isolate=True).ingest_bytes(
        "thong-bao.jpg", (FIXTURES / "thong-bao-anh.jpg").read_bytes())
    assert result.status == "added" and result.units > 0

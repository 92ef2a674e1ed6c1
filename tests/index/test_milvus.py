"""The Milvus backend against Milvus Lite's own server, started by the tests on a free loopback port
and reached through the network client (the code path of a cluster): build, ask, filters, add /
replace / delete a document, the alias switch under questions, a killed build, Milvus unreachable.

Each test works in its own Milvus database. The small corpus uses the deterministic "hashing"
embedder; the shipped corpus uses the real model, built once per session (``indexed_settings``).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from bot.format import error_text
from core.errors import IndexMissing, IndexUnavailable, InvalidQuery
from core.settings import Settings
from corpus.ingest import Ingester
from corpus.store import Store
from eval.milvus_server import MilvusLiteServer
from eval.server import free_port
from hoidap.assistant import Assistant
from index.build import IndexBuilder
from index.filters import allowed_docs
from index.milvus_backend import ALIAS, MilvusIndex
from index.search import Searcher
from tests.conftest import shared_embedder
from tests.index.test_index_lifecycle import _write


@pytest.fixture(scope="session")
def milvus_uri(tmp_path_factory: pytest.TempPathFactory):
    """One Milvus Lite server for the session, torn down at the end."""
    with MilvusLiteServer(tmp_path_factory.mktemp("milvus")) as server:
        yield server.uri


def _milvus(settings: Settings, uri: str) -> Settings:
    return settings.model_copy(update={"backend": "milvus", "milvus_uri": uri, "milvus_db": f"t{uuid.uuid4().hex[:12]}"})


@pytest.fixture
def small(tmp_path: Path, milvus_uri: str):
    settings = _milvus(Settings(data_dir=tmp_path / "data", model="hashing"), milvus_uri)
    docs = tmp_path / "docs"
    docs.mkdir()
    _write(docs, "kh-a.txt", year=2024, province="Gia Lai", goal="Số hóa hồ sơ thủ tục hành chính.", rate=70)
    _write(docs, "kh-b.txt", year=2025, province="Kon Tum", goal="Đổi mới cơ chế một cửa liên thông.", rate=80)
    store = Store(settings.db_path)
    Ingester(store, settings).ingest_paths([docs])
    return settings, store, docs


def _rows(settings: Settings, doc_id: str) -> list[dict]:
    client = MilvusIndex(settings).client()
    return client.query(ALIAS, filter=f'doc_id == "{doc_id}"', output_fields=["id", "text", "province"])


@pytest.fixture(scope="module")
def shipped(indexed_settings: Settings, milvus_uri: str) -> Settings:
    """The shipped corpus's index (real model) published to Milvus: the same version, now served from there."""
    settings = _milvus(indexed_settings, milvus_uri)
    report = IndexBuilder(settings, Store(settings.db_path), shared_embedder(settings)).build()
    assert report.unchanged and report.milvus == "full"
    return settings


QUESTIONS = ["Cơ quan nào chủ trì đề án đo lường sự hài lòng với dịch vụ y tế công?",
             "kinh phi thuc hien de an 1601 lay tu dau",
             "Kế hoạch CCHC năm 2025 của Quảng Nam đặt mục tiêu gì về dịch vụ công trực tuyến?",
             "Đề án 905 được Bình Định triển khai thế nào?"]


def test_shipped_corpus_answers_from_milvus_as_embedded(shipped: Settings, indexed_settings: Settings) -> None:
    embedded = Searcher(indexed_settings, shared_embedder(indexed_settings))
    milvus = Searcher(shipped, shared_embedder(shipped))
    assert milvus.current().version == embedded.current().version
    for question in QUESTIONS:
        a, b = embedded.search(question, k=5), milvus.search(question, k=5)
        assert b.hits, question
        assert b.unit_ids[0] == a.unit_ids[0] and len(set(a.unit_ids) & set(b.unit_ids)) >= 4, question
        assert b.hits[0].ranks.keys() <= {"bm25", "bm25_folded", "dense"}
    answer = Assistant(shipped, searcher=milvus).ask(QUESTIONS[0], channel="cli", record=False)
    assert not answer.abstained and "Sở Y tế" in answer.answer and answer.citations


def test_filters_become_milvus_expressions(shipped: Settings, indexed_settings: Settings) -> None:
    searcher = Searcher(shipped, shared_embedder(shipped))
    embedded = Searcher(indexed_settings, shared_embedder(indexed_settings))
    result = searcher.search("kinh phí thực hiện", k=10, filters={"province": "quang nam"})
    assert result.hits and {h.doc.province for h in result.hits} == {"Quảng Nam"}
    one = searcher.search("kinh phí thực hiện", k=10, filters={"doc_id": "dongthap-2021-de-an-1601"})
    assert one.hits and set(one.doc_ids) == {"dongthap-2021-de-an-1601"}
    for filters in ({"year": 2025}, {"doc_type": "Kế hoạch"}, {"province": "Đồng Tháp", "year": 2021}):
        allowed = allowed_docs(searcher.current(), filters)
        got = searcher.search("nhiệm vụ cải cách hành chính", k=10, filters=filters)
        assert got.hits and set(got.doc_ids) <= allowed, filters
        assert got.unit_ids[:3] == embedded.search("nhiệm vụ cải cách hành chính", k=10, filters=filters).unit_ids[:3]
    with pytest.raises(InvalidQuery) as caught:
        searcher.search("kinh phí", filters={"province": "Atlantis"})
    assert caught.value.code == "invalid_filter" and "Quảng Nam" in caught.value.message


def test_api_answers_from_milvus(shipped: Settings) -> None:
    with TestClient(create_app(shipped)) as client:
        body = client.post("/api/ask", json={"question": QUESTIONS[0]}).json()
        assert "Sở Y tế" in body["answer"] and body["citations"]
        health = client.get("/api/health").json()
        assert health["units"] > 0


def test_nothing_published_yet_says_how_to_build(small) -> None:
    settings, store, _ = small
    with pytest.raises(IndexMissing) as caught:  # no database yet
        Searcher(settings).search("một cửa")
    assert "hoidap index" in caught.value.message
    MilvusIndex(settings).client(create_db=True)
    with pytest.raises(IndexMissing) as caught:  # a database, no alias yet
        Searcher(settings).search("một cửa")
    assert "hoidap index" in caught.value.message


def test_add_replace_delete_a_document_upserts_and_deletes_rows(small) -> None:
    settings, store, docs = small
    builder = IndexBuilder(settings, store)
    first = builder.build()
    assert first.milvus == "full"
    searcher = Searcher(settings)
    collection = MilvusIndex(settings).serving()[0]

    Ingester(store, settings).ingest_paths([_write(docs, "kh-c.txt", year=2023, province="Bình Phước",
                                                   goal="Tinh gọn bộ máy.", rate=60)])
    added = builder.build()
    assert added.milvus == "incremental" and MilvusIndex(settings).serving() == (collection, added.version)
    assert len(_rows(settings, "kh-c")) == len(store.units("kh-c"))
    searcher.invalidate()
    assert searcher.search("tinh gọn bộ máy Bình Phước", k=3).doc_ids[0] == "kh-c"

    _write(docs, "kh-b.txt", year=2025, province="Kon Tum", goal="Đổi mới cơ chế một cửa liên thông.", rate=95)
    Ingester(store, settings).ingest_paths([docs / "kh-b.txt"])
    assert builder.build().milvus == "incremental"
    assert any("95%" in row["text"] for row in _rows(settings, "kh-b"))
    assert not any("80%" in row["text"] for row in _rows(settings, "kh-b"))
    searcher.invalidate()
    assert searcher.search("tỷ lệ trực tuyến toàn trình 95%", k=3).doc_ids[0] == "kh-b"

    store.delete_document("kh-a")
    assert builder.build().milvus == "incremental"
    assert _rows(settings, "kh-a") == []
    searcher.invalidate()
    assert "kh-a" not in searcher.search("số hóa hồ sơ Gia Lai", k=10).doc_ids
    assert MilvusIndex(settings).serving()[0] == collection  # the same collection all along


def test_the_version_row_is_read_once_per_change(small) -> None:
    settings, store, docs = small
    builder = IndexBuilder(settings, store)
    first = builder.build()
    searcher = Searcher(settings)
    milvus = searcher.milvus
    for _ in range(5):  # each search after invalidate() asks Milvus which version it serves
        searcher.invalidate()
        result = searcher.search("một cửa liên thông Kon Tum", k=3)
        assert result.version == first.version and result.timings["milvus_ms"] > 0
        assert {"milvus_bm25_ms", "milvus_bm25_folded_ms", "milvus_dense_ms"} <= set(result.timings)
    assert milvus.version_reads == 1

    Ingester(store, settings).ingest_paths([_write(docs, "kh-c.txt", year=2023, province="Bình Phước",
                                                   goal="Tinh gọn bộ máy.", rate=60)])
    added = builder.build()  # incremental: the same collection, a new version row and property
    assert added.milvus == "incremental"
    for _ in range(5):
        searcher.invalidate()
        assert searcher.search("tinh gọn bộ máy Bình Phước", k=3).version == added.version
    assert milvus.version_reads == 2

    rebuilt = builder.build(rebuild=True)  # a new collection behind the alias
    assert rebuilt.milvus == "full"
    for _ in range(5):
        searcher.invalidate()
        assert searcher.search("tinh gọn bộ máy Bình Phước", k=3).version == rebuilt.version
    assert milvus.version_reads == 3


def test_rebuild_switches_alias_under_questions_without_a_failure(small) -> None:
    settings, store, _ = small
    builder = IndexBuilder(settings, store)
    first = builder.build()
    searcher = Searcher(settings)
    stop = threading.Event()
    failures: list[BaseException] = []
    versions: set[str] = set()
    asked = [0]

    def ask() -> None:
        while not stop.is_set():
            try:
                result = searcher.search("một cửa liên thông Kon Tum", k=3)
                assert result.doc_ids[0] == "kh-b", result.doc_ids
                versions.add(result.version)
                asked[0] += 1
            except BaseException as exc:  # noqa: B036 - every failure counts
                failures.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    names = {MilvusIndex(settings).serving()[0]}
    for _ in range(2):
        report = builder.build(rebuild=True)
        assert report.milvus == "full"
        names.add(MilvusIndex(settings).serving()[0])
        time.sleep(0.7)  # the searcher looks at the alias at most twice a second
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == [] and asked[0] > 10
    assert len(names) == 3 and first.version in versions and report.version in versions
    left = [c for c in MilvusIndex(settings).client().list_collections() if c.startswith(f"{ALIAS}_")]
    assert len(left) == 2  # the serving collection and the one before it


def _killed_build(settings_json: str) -> None:
    """Runs in a child process: a full build that dies (SIGKILL) while writing rows to Milvus."""
    settings = Settings.model_validate_json(settings_json)

    def progress(stage: str, done: int, total: int, rate: float, left: float | None = None) -> None:
        if stage == "milvus":
            os.kill(os.getpid(), signal.SIGKILL)

    IndexBuilder(settings, Store(settings.db_path)).build(rebuild=True, progress=progress)


def test_killed_build_leaves_the_alias_on_the_old_collection(small) -> None:
    settings, store, docs = small
    IndexBuilder(settings, store).build()
    before_collection, before_version = MilvusIndex(settings).serving()
    before = Searcher(settings).search("một cửa liên thông", k=3)

    Ingester(store, settings).ingest_paths([_write(docs, "kh-d.txt", year=2026, province="Lào Cai",
                                                   goal="Chính quyền số.", rate=90)])
    child = multiprocessing.get_context("spawn").Process(target=_killed_build, args=(settings.model_dump_json(),))
    child.start()
    child.join(120)
    assert child.exitcode == -signal.SIGKILL
    index = MilvusIndex(settings)
    collections = index.client().list_collections()
    assert len([c for c in collections if c.startswith(f"{ALIAS}_")]) == 2, "the killed build had made its collection"
    assert index.serving() == (before_collection, before_version)

    fresh = Searcher(settings)  # a process started after the crash
    after = fresh.search("một cửa liên thông", k=3)
    assert after.version == before_version and after.unit_ids == before.unit_ids
    assert "kh-d" not in fresh.search("chính quyền số Lào Cai", k=10).doc_ids

    report = IndexBuilder(settings, store).build()  # the next build completes
    assert report.milvus == "full" and index.serving()[1] == report.version != before_version
    fresh.invalidate()
    assert fresh.search("chính quyền số Lào Cai", k=3).doc_ids[0] == "kh-d"
    left = {c for c in index.client().list_collections() if c.startswith(f"{ALIAS}_")}
    assert left == {before_collection, index.serving()[0]}  # the dead build's collection is gone


def test_unreachable_milvus_is_index_unavailable_everywhere(indexed_settings: Settings) -> None:
    settings = indexed_settings.model_copy(update={"backend": "milvus", "milvus_uri": f"http://127.0.0.1:{free_port()}"})
    with pytest.raises(IndexUnavailable) as caught:
        Searcher(settings).search("kinh phí đề án")
    assert caught.value.code == "index_unavailable" and "HOIDAP_MILVUS_URI" in caught.value.message
    assert "thử lại" in error_text(caught.value)  # the bots' Vietnamese reply
    with TestClient(create_app(settings)) as client:
        response = client.post("/api/ask", json={"question": "kinh phí đề án lấy từ đâu?"})
        assert response.status_code == 503 and response.json()["error"]["code"] == "index_unavailable"
        assert client.get("/api/health").status_code == 503
    with pytest.raises(IndexUnavailable):
        IndexBuilder(settings, Store(settings.db_path)).build()

"""Ingest runs: unchanged files skipped, changed ones replaced, bad ones reported, nothing lost."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from corpus.ingest import Ingester, check_doc_id, doc_id_for
from corpus.store import Store
from cli.main import main
from core.errors import DocumentExists, DuplicateDocument, InvalidDocId
from core.settings import Settings
from tests.conftest import CORPUS

PLAN = "KẾ HOẠCH\nI. MỤC TIÊU\n1. Mục tiêu chung\n- Sở Nội vụ chủ trì tổ chức {n} lớp bồi dưỡng về cải cách hành chính.\n"


def test_doc_id_is_url_safe() -> None:
    assert doc_id_for("QĐ 1601 Đồng Tháp.pdf") == "qd-1601-dong-thap"


def test_reingest_unchanged_does_nothing_and_changed_replaces(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "ke-hoach.txt"
    path.write_text(PLAN.format(n=10), encoding="utf-8")
    store = Store(settings.db_path)
    ingester = Ingester(store, settings)
    assert [r.status for r in ingester.ingest_paths([path]).results] == ["added"]
    assert [r.status for r in ingester.ingest_paths([path]).results] == ["unchanged"]
    path.write_text(PLAN.format(n=12), encoding="utf-8")
    assert [r.status for r in ingester.ingest_paths([path]).results] == ["updated"]
    texts = [u.text for u in store.units("ke-hoach")]
    assert any("12 lớp" in t for t in texts) and not any("10 lớp" in t for t in texts)


def test_bad_files_reported_others_ingested_nothing_lost(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.txt").write_text(PLAN.format(n=3), encoding="utf-8")
    store = Store(settings.db_path)
    Ingester(store, settings).ingest_paths([folder / "good.txt"])
    before = [u.text for u in store.units("good")]

    (folder / "good.txt").write_bytes(b"")  # the same document, now broken: must not wipe what is stored
    (folder / "empty.txt").write_bytes(b"")
    (folder / "table.xlsx").write_bytes(b"PK")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7 garbage")
    (folder / "broken.docx").write_bytes(b"garbage")
    (folder / "legacy.txt").write_bytes("Quy\xeat \xf0\xfb nh".encode("latin-1"))
    (folder / "other.md").write_text(PLAN.format(n=5), encoding="utf-8")
    report = Ingester(store, settings).ingest_paths([folder])
    statuses = {Path(r.path).name: r.status for r in report.results}
    assert statuses == {"broken.docx": "failed", "broken.pdf": "failed", "empty.txt": "failed", "good.txt": "failed",
                        "legacy.txt": "failed", "other.md": "added", "table.xlsx": "failed"}
    assert [u.text for u in store.units("good")] == before
    assert all(Path(r.path).name in r.reason for r in report.failed)


def test_oversized_file_rejected(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text(PLAN.format(n=1) * 2000, encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "d", max_file_mb=0.01)
    report = Ingester(Store(settings.db_path), settings).ingest_paths([path])
    assert report.failed[0].code == "file_too_large"


def test_cli_ingest_exit_code_and_one_line_per_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "in"
    shutil.copytree(CORPUS, folder)
    (folder / "notes.xlsx").write_bytes(b"PK")
    assert main(["ingest", "-q", str(folder)]) == 1
    err = capsys.readouterr().err
    assert sum("notes.xlsx" in line for line in err.splitlines()) == 1
    assert "5 mới" in err
    assert main(["documents", "--json"]) == 0
    docs = json.loads(capsys.readouterr().out)
    assert len(docs) == 5
    assert {"id", "type", "number", "date", "province", "issuer", "title", "signer", "units"} <= set(docs[0])
    assert main(["ingest", "-q", str(folder / "dongthap-2021-de-an-1601.txt")]) == 0


def test_cli_segments_and_show(corpus_store: Store, corpus_settings: Settings, monkeypatch, capsys) -> None:
    monkeypatch.setenv("HOIDAP_DATA_DIR", str(corpus_settings.data_dir))
    assert main(["segments", "dongthap-2021-de-an-1601"]) == 0
    tree = capsys.readouterr().out
    assert "Phụ lục, nhiệm vụ 6" in tree and "▸ II. MỤC TIÊU, YÊU CẦU, PHẠM VI VÀ ĐỐI TƯỢNG" in tree
    unit = next(u for u in corpus_store.units("dongthap-2021-de-an-1601") if u.kind == "table_row")
    assert main(["show", unit.id]) == 0
    assert "Quyết định số 1601/QĐ-UBND-HC" in capsys.readouterr().out
    assert main(["show", "khong-co.999"]) == 1
    assert "không có đoạn" in capsys.readouterr().err


def test_doc_id_check_names_what_is_accepted() -> None:
    assert check_doc_id("qd-1601-dong-thap") == "qd-1601-dong-thap"
    for bad in ("", "a/b", "Qd-1601", "qd 1601", "x" * 81, "../etc"):
        with pytest.raises(InvalidDocId) as caught:
            check_doc_id(bad)
        assert "a-z" in caught.value.message and "80" in caught.value.message
    assert len(doc_id_for("A" * 200 + ".txt")) == 80


def test_two_source_files_never_share_an_id(settings: Settings, tmp_path: Path, capsys) -> None:
    first, second = tmp_path / "a" / "dongthap-2021-de-an-1601.txt", tmp_path / "b" / "Dongthap 2021 đề án 1601.md"
    for path, n in ((first, 10), (second, 99)):
        path.parent.mkdir()
        path.write_text(PLAN.format(n=n), encoding="utf-8")
    store = Store(settings.db_path)
    ingester = Ingester(store, settings)
    [a] = ingester.ingest_paths([first]).results
    [b] = ingester.ingest_paths([second]).results
    assert (a.doc_id, b.doc_id, b.status) == ("dongthap-2021-de-an-1601", "dongthap-2021-de-an-1601-2", "added")
    assert "dongthap-2021-de-an-1601-2" in b.note and str(first.resolve()) in b.note
    assert any("10 lớp" in u.text for u in store.units(a.doc_id))
    # each file keeps its own id on later runs: unchanged skipped, changed replaced in place
    assert [r.status for r in ingester.ingest_paths([first, second]).results] == ["unchanged", "unchanged"]
    second.write_text(PLAN.format(n=12), encoding="utf-8")
    [b2] = ingester.ingest_paths([second]).results
    assert (b2.doc_id, b2.status) == ("dongthap-2021-de-an-1601-2", "updated")
    assert any("10 lớp" in u.text for u in store.units(a.doc_id))
    assert [(e.doc_id, e.reason) for e in store.trash()] == [("dongthap-2021-de-an-1601-2", "replaced")]
    # the CLI says where the second file went
    third = tmp_path / "c" / "dongthap-2021-de-an-1601.txt"
    third.parent.mkdir()
    third.write_text(PLAN.format(n=7), encoding="utf-8")
    assert main(["ingest", "-q", str(third)]) == 0
    err = capsys.readouterr().err
    assert "CHÚ Ý" in err and "dongthap-2021-de-an-1601-3" in err


def test_same_content_under_another_name_is_skipped_as_duplicate(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "goc.txt").write_text(PLAN.format(n=4), encoding="utf-8")
    (tmp_path / "ban-sao.txt").write_text(PLAN.format(n=4), encoding="utf-8")
    store = Store(settings.db_path)
    results = Ingester(store, settings).ingest_paths([tmp_path / "goc.txt", tmp_path / "ban-sao.txt"]).results
    assert [(r.status, r.doc_id) for r in results] == [("added", "goc"), ("duplicate", "goc")]
    assert "goc" in results[1].reason and [d["id"] for d in store.list_documents()] == ["goc"]
    # the same file moved elsewhere is not new either
    moved = tmp_path / "moi" / "goc.txt"
    moved.parent.mkdir()
    moved.write_text(PLAN.format(n=4), encoding="utf-8")
    assert [r.status for r in Ingester(store, settings).ingest_paths([moved]).results] == ["unchanged"]


def test_upload_refuses_existing_id_and_duplicates(settings: Settings) -> None:
    store = Store(settings.db_path)
    ingester = Ingester(store, settings)
    ingester.ingest_bytes("ke-hoach.txt", PLAN.format(n=1).encode())
    with pytest.raises(DocumentExists) as caught:
        ingester.ingest_bytes("Kế hoạch.md", PLAN.format(n=2).encode())
    assert caught.value.doc_id == "ke-hoach"
    with pytest.raises(DuplicateDocument) as caught:
        ingester.ingest_bytes("khac.txt", PLAN.format(n=1).encode())
    assert caught.value.doc_id == "ke-hoach"
    assert ingester.ingest_bytes("ke-hoach.txt", PLAN.format(n=1).encode(), replace=True).status == "unchanged"
    assert [u.text for u in store.units("ke-hoach")][-1].startswith("- Sở Nội vụ chủ trì tổ chức 1 lớp")
    assert store.trash() == []


def test_cli_trash_and_restore(settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "ke-hoach.txt"
    path.write_text(PLAN.format(n=10), encoding="utf-8")
    assert main(["ingest", "-q", str(path)]) == 0
    path.write_text(PLAN.format(n=11), encoding="utf-8")
    assert main(["ingest", "-q", str(path)]) == 0
    capsys.readouterr()
    assert main(["trash", "--json"]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert (entry["doc_id"], entry["reason"]) == ("ke-hoach", "replaced")
    assert entry["restorable_until"] - entry["trashed_at"] == pytest.approx(30 * 86_400)
    assert main(["trash"]) == 0
    assert "ke-hoach" in capsys.readouterr().out
    assert main(["restore", "ke-hoach", "--no-index"]) == 0
    assert "hoidap index" in capsys.readouterr().err
    assert any("10 lớp" in u.text for u in Store(settings.db_path).units("ke-hoach"))
    assert main(["restore", "khong-co", "--no-index"]) == 1
    assert "khong-co" in capsys.readouterr().err

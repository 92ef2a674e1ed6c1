"""Ingest runs: unchanged files skipped, changed ones replaced, bad ones reported, nothing lost."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from corpus.ingest import Ingester, doc_id_for
from corpus.store import Store
from hoidap.cli import main
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

"""Folders of hundreds: subfolders walked, worker processes, same names in two folders, identical content
under two names, a run killed midway that the next run continues, the summary and the JSON report."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from pathlib import Path

import docx
import pytest

from corpus.ingest import Ingester
from corpus.store import Store
from core.settings import Settings
from cli.main import main

PLAN = ("KẾ HOẠCH\nCải cách hành chính năm {year} của {unit}\nI. NHIỆM VỤ\n"
        "1. {unit} chủ trì tổ chức {n} lớp bồi dưỡng về cải cách hành chính trong quý {q}/{year}.\n"
        "2. Văn phòng rà soát {m} thủ tục hành chính nội bộ và báo cáo kết quả.\n")


def _docx(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    document.save(path)
    return path


def _txt(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _plan(i: int, unit: str = "Sở Nội vụ") -> str:
    return PLAN.format(year=2020 + i % 6, unit=unit, n=i + 3, q="IV" if i % 2 else "II", m=i * 7 + 1)


def _folder(root: Path, count: int) -> list[Path]:
    """``count`` different plans in nested subfolders, as .txt, .md and .docx."""
    files = []
    for i in range(count):
        sub = root / f"nam-{2020 + i % 3}" / ("phong-a" if i % 2 else "phong-b")
        name = f"van-ban-{i:03d}"
        if i % 3 == 0:
            files.append(_docx(sub / f"{name}.docx", _plan(i)))
        else:
            files.append(_txt(sub / f"{name}.{'md' if i % 3 == 1 else 'txt'}", _plan(i)))
    return files


def test_same_name_in_two_subfolders_gives_two_documents_and_copies_are_duplicates(settings: Settings,
                                                                                    tmp_path: Path) -> None:
    root = tmp_path / "cchc"
    first = _docx(root / "2022" / "ke-hoach.docx", _plan(1, "Sở Nội vụ"))
    second = _docx(root / "2023" / "Phòng Tư pháp" / "ke-hoach.docx", _plan(2, "Sở Tư pháp"))
    copy = _txt(root / "2023" / "ban-sao.txt", _plan(3))
    original = _txt(root / "goc.txt", _plan(3))
    _folder(root / "khac", 8)  # enough files for the worker processes
    store = Store(settings.db_path)
    report = Ingester(store, settings).ingest_paths([root], jobs=2)
    by_path = {Path(r.path): r for r in report.results}
    assert len(report.results) == 12 and not report.failed
    assert (by_path[first].doc_id, by_path[second].doc_id) == ("2022-ke-hoach", "2023-phong-tu-phap-ke-hoach")
    assert any("Sở Nội vụ chủ trì" in u.text for u in store.units("2022-ke-hoach"))
    assert any("Sở Tư pháp chủ trì" in u.text for u in store.units("2023-phong-tu-phap-ke-hoach"))
    # identical content under two names: stored once, the other reported as its duplicate
    statuses = sorted((by_path[p].status, by_path[p].doc_id) for p in (copy, original))
    assert statuses in ([("added", "ban-sao"), ("duplicate", "ban-sao")], [("added", "goc"), ("duplicate", "goc")])
    duplicate = next(by_path[p] for p in (copy, original) if by_path[p].status == "duplicate")
    assert duplicate.doc_id in duplicate.reason and "giống hệt" in duplicate.reason
    assert len(store.list_documents()) == 11
    # nothing lost, nothing merged: every file is a document, or a duplicate naming the stored one
    assert sum(r.status == "added" for r in report.results) == 11
    # the next run parses nothing: every file unchanged, the duplicate still a duplicate
    again = Ingester(store, settings).ingest_paths([root], jobs=2)
    assert sorted(r.status for r in again.results) == ["duplicate"] + ["unchanged"] * 11


def _killed_ingest(data_dir: str, folder: str) -> None:
    """Runs in a child process: ingests a folder with two workers and dies (SIGKILL) after six files."""
    settings = Settings(data_dir=Path(data_dir))
    seen = []

    def progress(result) -> None:
        seen.append(result)
        if len(seen) == 6:
            os.kill(os.getpid(), signal.SIGKILL)

    Ingester(Store(settings.db_path), settings).ingest_paths([Path(folder)], progress, jobs=2)


def test_a_killed_folder_ingest_continues_where_it_stopped(settings: Settings, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture) -> None:
    root = tmp_path / "lon"
    files = _folder(root, 40)
    child = multiprocessing.get_context("spawn").Process(target=_killed_ingest, args=(str(settings.data_dir), str(root)))
    child.start()
    child.join(120)
    assert child.exitcode == -signal.SIGKILL
    stored = {d["id"] for d in Store(settings.db_path).list_documents()}
    assert 6 <= len(stored) < len(files), "killed midway"

    report_file = tmp_path / "bao-cao" / "ingest.json"
    assert main(["ingest", "-q", "--jobs", "2", "--report", str(report_file), str(root)]) == 0
    err = capsys.readouterr().err
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["files"] == len(files) and report["files_per_minute"] > 0
    assert report["summary"] == {"added": len(files) - len(stored), "replaced": 0, "unchanged": len(stored),
                                 "duplicate": 0, "failed": 0}
    assert {r["doc_id"] for r in report["results"] if r["status"] == "unchanged"} == stored
    assert f"{len(stored)} không đổi" in err and "tệp/s" in err
    assert len(Store(settings.db_path).list_documents()) == len(files)


def test_report_names_duplicates_and_failures(settings: Settings, tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "hon-hop"
    _txt(root / "a" / "goc.txt", _plan(1))
    _txt(root / "b" / "ban-sao.txt", _plan(1))
    _txt(root / "b" / "rong.txt", "")
    (root / "b" / "bang.xyz").write_bytes(b"??")
    _txt(root / "goc.txt", _plan(1).replace("Văn phòng", "Văn phòng UBND"))
    report_file = tmp_path / "r.json"
    assert main(["ingest", "-q", "--report", str(report_file), str(root)]) == 1
    results = {Path(r["path"]).relative_to(root).as_posix(): r for r in json.loads(report_file.read_text())["results"]}
    assert results["a/goc.txt"]["status"] == "added" and results["goc.txt"]["status"] == "added"
    assert results["a/goc.txt"]["doc_id"] != results["goc.txt"]["doc_id"]
    assert results["b/ban-sao.txt"]["duplicate_of"]["doc_id"] == results["a/goc.txt"]["doc_id"]
    assert results["b/ban-sao.txt"]["duplicate_of"]["path"].endswith("a/goc.txt")
    assert results["b/rong.txt"]["code"] == "empty_document" and "rong.txt" in results["b/rong.txt"]["reason"]
    assert results["b/bang.xyz"]["code"] == "unsupported_format" and ".txt" in results["b/bang.xyz"]["reason"]


def test_the_data_directory_is_never_ingested(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    _txt(tmp_path / "kh.txt", _plan(1))
    Store(settings.db_path)  # the SQLite file now lives under the folder ingested
    report = Ingester(Store(settings.db_path), settings).ingest_paths([tmp_path])
    assert [(Path(r.path).name, r.status) for r in report.results] == [("kh.txt", "added")]

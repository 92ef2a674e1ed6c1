"""The ALQAC harness: one document per law however laws are numbered, one data directory per folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.store import Store
from eval.alqac import data_dir_for, ingest_alqac, law_doc_ids

LAWS_A = {
    "45/2019/QH14": ["Điều 1. Bộ luật này quy định tiêu chuẩn lao động.", "Điều 2. Người lao động có quyền làm việc."],
    "24/2018/QH14": ["Điều 1. Luật này quy định về an ninh mạng.", "Điều 2. Không gian mạng là mạng lưới kết nối."],
}
LAWS_B = {
    "59/2020/QH14": ["Điều 1. Luật này quy định về doanh nghiệp.", "Điều 2. Doanh nghiệp tư nhân do một cá nhân làm chủ."],
}


def _write_folder(folder: Path, laws: dict[str, list[str]]) -> Path:
    """An ALQAC-shaped folder: corpus.jsonl (one article a line) and queries.jsonl."""
    folder.mkdir(parents=True)
    corpus, queries = [], []
    for law_id, articles in laws.items():
        for number, text in enumerate(articles, 1):
            corpus.append({"doc_id": f"{law_id}|{number}", "law_id": law_id, "article_id": str(number), "text": text})
            queries.append({"qid": f"{law_id}-{number}", "question_type": "Tự luận", "text": text.split(". ", 1)[1],
                            "gold": [f"{law_id}|{number}"], "answer": "", "sources": [], "gold_unresolvable": []})
    for name, rows in (("corpus.jsonl", corpus), ("queries.jsonl", queries)):
        (folder / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return folder


def test_laws_numbered_alike_get_distinct_ids() -> None:
    ids = law_doc_ids(["45/2019/QH14", "24/2018/QH14"])
    assert ids == {"45/2019/QH14": "45-2019-qh14", "24/2018/QH14": "24-2018-qh14"}


def test_ids_that_slugify_alike_stay_distinct_whatever_the_order() -> None:
    forward = law_doc_ids(["Luật A/B", "Luật A-B", "Luật Đất đai"])
    backward = law_doc_ids(["Luật Đất đai", "Luật A-B", "Luật A/B"])
    assert forward == backward
    assert len(set(forward.values())) == 3
    assert forward["Luật Đất đai"] == "luat-dat-dai"


def test_every_article_of_two_laws_numbered_alike_is_a_unit(tmp_path: Path) -> None:
    folder = _write_folder(tmp_path / "alqac", LAWS_A)
    store = Store(tmp_path / "db.sqlite3")
    mapping = ingest_alqac(folder, store)
    assert sorted(d["id"] for d in store.list_documents()) == ["24-2018-qh14", "45-2019-qh14"]
    assert len(store.units()) == 4
    assert len(set(mapping.values())) == 4
    assert mapping["45/2019/QH14|2"] == "45-2019-qh14.d2"


def test_each_folder_has_its_own_data_dir(tmp_path: Path) -> None:
    first = _write_folder(tmp_path / "a" / "alqac", LAWS_A)
    second = _write_folder(tmp_path / "b" / "alqac", LAWS_B)
    base = tmp_path / "data"
    assert data_dir_for(first, base) != data_dir_for(second, base)
    assert data_dir_for(first, base) == data_dir_for(tmp_path / "a" / ".." / "a" / "alqac", base)
    assert data_dir_for(first, base).parent == base / "alqac"
    before = data_dir_for(second, base)
    with (second / "corpus.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps({"doc_id": "59/2020/QH14|3", "law_id": "59/2020/QH14", "article_id": "3",
                              "text": "Điều 3. Áp dụng luật."}, ensure_ascii=False) + "\n")
    assert data_dir_for(second, base) != before


def test_data_dir_of_a_folder_without_alqac_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="corpus.jsonl"):
        data_dir_for(tmp_path / "empty", tmp_path / "data")


def test_a_shared_data_dir_keeps_only_the_folder_being_evaluated(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    ingest_alqac(_write_folder(tmp_path / "a", LAWS_A), store)
    ingest_alqac(_write_folder(tmp_path / "b", LAWS_B), store)
    assert [d["id"] for d in store.list_documents()] == ["59-2020-qh14"]


@pytest.mark.slow
def test_cli_evaluates_two_folders_apart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from core.settings import Settings
    from cli.main import main

    first = _write_folder(tmp_path / "a" / "alqac", LAWS_A)
    second = _write_folder(tmp_path / "b" / "alqac", LAWS_B)
    for folder in (first, second):
        assert main(["eval", "--alqac", str(folder), "--modes", "bm25", "--json", "-q"]) == 0
    reports = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert len(reports) == 2
    # every query finds its own article first: the second folder's index holds no law of the first
    assert all(report["bm25"]["recall@1"] == 1.0 for report in reports)
    data_dir = Settings().data_dir  # the temp dir the autouse fixture set
    laws = {}
    for folder in (first, second):
        store = Store(Settings(data_dir=data_dir_for(folder, data_dir)).db_path)
        laws[folder] = sorted(d["id"] for d in store.list_documents())
    assert laws == {first: ["24-2018-qh14", "45-2019-qh14"], second: ["59-2020-qh14"]}

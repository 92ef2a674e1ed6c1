"""hoidap eval --realdocs on a small folder of its shape: its own data directory, built once and
reused, re-read when the ingest code changes; figures per split with the misses named."""

from __future__ import annotations

import json
from pathlib import Path

from core.settings import Settings
from corpus.store import Store
from eval import realdocs
from eval.realdocs import PIPELINE_MARK, corpora, evaluate_realdocs, table

PLAN = """ỦY BAN NHÂN DÂN TỈNH PHÚ YÊN
Số: 125/KH-UBND
Phú Yên, ngày 15 tháng 01 năm 2025
KẾ HOẠCH
Cải cách hành chính năm 2025 của tỉnh Phú Yên
I. MỤC TIÊU
1. Phấn đấu 85% hồ sơ thủ tục hành chính được giải quyết trực tuyến toàn trình trên địa bàn tỉnh.
II. TỔ CHỨC THỰC HIỆN
1. Sở Nội vụ chủ trì theo dõi, đôn đốc việc thực hiện kế hoạch của các sở, ngành."""


def _folder(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "real"
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "phuyen-cchc.md").write_text(PLAN, encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    rows = [
        {"id": "r1", "question": "Phú Yên phấn đấu bao nhiêu phần trăm hồ sơ giải quyết trực tuyến toàn trình",
         "doc_id": "phuyen-cchc", "evidence": ["Phấn đấu 85% hồ sơ thủ tục hành chính được giải quyết trực tuyến"],
         "fact": "85%", "tags": [], "out_of_scope": False, "split": "tune"},
        {"id": "r2", "question": "giá vàng hôm nay bao nhiêu", "doc_id": None, "evidence": [], "fact": None,
         "tags": ["general"], "out_of_scope": True, "split": "heldout"},
    ]
    gold.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return folder, gold


def test_the_enlarged_corpus_is_built_once_and_reused(tmp_path: Path, monkeypatch) -> None:
    folder, gold = _folder(tmp_path)
    settings = Settings(data_dir=tmp_path / "data", model="hashing")
    report = evaluate_realdocs(settings, folder, gold=gold, dev=False)
    shipped, enlarged = corpora(settings, folder)
    assert report["_data_dirs"]["enlarged"] == str(enlarged.data_dir)
    assert enlarged.data_dir.parent == settings.data_dir / "realdocs"
    stored = {d["id"] for d in Store(enlarged.data_dir / "hoidap.sqlite3").list_documents()}
    assert "phuyen-cchc" in stored and len(stored) > 1  # the shipped documents beside it
    tune, held = report["realdocs tune"], report["realdocs heldout"]
    assert (tune["answerable"], tune["oos"], held["answerable"], held["oos"]) == (1, 0, 0, 1)
    assert report["_outcomes"]["r1"]["evidence"]  # the plan's target is among the first five results
    for split, figures in (("tune", tune), ("heldout", held)):
        assert all(0.0 <= figures[k] <= 1.0 for k in ("right_outcome", "oos_refused", "answerable_refused"))
        misses = report[f"_misses {split}"]
        assert len(misses) == (1 - figures["right_outcome"] if split == "tune" else 1 - figures["oos_refused"])
    assert "| right_outcome |" in table(report) and "≥ 0.85" in table(report)

    again = evaluate_realdocs(settings, folder, gold=gold, dev=False)
    assert again["_build"]["version"] == report["_build"]["version"] and again["_build"]["embedded"] == 0

    # new ingest code: the documents are read again, the index updated (unchanged passages reused)
    (enlarged.data_dir / PIPELINE_MARK).write_text("older-code\n", encoding="utf-8")
    monkeypatch.setattr(realdocs, "pipeline_digest", lambda: "newer-code")
    third = evaluate_realdocs(settings, folder, gold=gold, dev=False, splits=("tune",))
    assert (enlarged.data_dir / PIPELINE_MARK).read_text(encoding="utf-8").strip() == "newer-code"
    assert third["_build"]["units"] == report["_build"]["units"] and "realdocs heldout" not in third


def test_a_folder_without_documents_is_refused_clearly(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", model="hashing")
    try:
        evaluate_realdocs(settings, tmp_path / "missing", dev=False)
    except ValueError as exc:
        assert "missing" in str(exc)
    else:
        raise AssertionError("no error for a folder that does not exist")


def test_training_also_on_the_grown_corpus_adds_its_tune_questions(tmp_path: Path) -> None:
    from eval.gold import load_gold
    from eval.train_answerability import train
    from index.answerability.model import AnswerabilityModel

    folder, gold = _folder(tmp_path)
    settings = Settings(data_dir=tmp_path / "data", model="hashing")
    shipped, enlarged = corpora(settings, folder)
    small, _ = realdocs.prepare(shipped, settings)
    big, _ = realdocs.prepare(enlarged, settings)
    out = tmp_path / "model.json"
    summary = train(small, None, out=out, grown=(big, load_gold(gold)))
    assert summary["corpora"] == 2 and summary["sources"]["realdocs"] == 1  # the tune question only
    assert summary["rows"] == 2 * summary["train_examples"] + 1
    assert AnswerabilityModel.load(out) is not None

"""The answerability sets: deterministic, disjoint splits, swaps that really change the question."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from corpus.text import fold
from eval.abstain_data import (
    CORPUS_PROVINCES,
    OTHER_PROVINCES,
    UNCOVERED_YEARS,
    build,
    known_doc_numbers,
    main,
    split_of,
    swap_doc_number,
    swap_province,
    swap_year,
)
from eval.gold import DEFAULT_GOLD, load_gold

GOLD = DEFAULT_GOLD.parent
ALQAC_QUESTIONS = ["Người lao động có quyền đơn phương chấm dứt hợp đồng không?",
                   "Tội trộm cắp tài sản bị phạt tù bao nhiêu năm?",
                   "Người lao động có quyền đơn phương chấm dứt hợp đồng không?",  # asked twice
                   "Doanh nghiệp tư nhân do ai làm chủ?"]


@pytest.fixture
def alqac(tmp_path: Path) -> Path:
    folder = tmp_path / "alqac"
    folder.mkdir()
    rows = [{"qid": f"t{n}", "question_type": "Tự luận", "text": text, "gold": []} for n, text in enumerate(ALQAC_QUESTIONS)]
    (folder / "queries.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return folder


@pytest.fixture
def examples(alqac: Path):
    return build(GOLD, alqac)


def _form(text: str) -> str:
    return " ".join(text.lower().split())


def test_build_is_deterministic(alqac: Path, examples) -> None:
    assert build(GOLD, alqac) == examples


def test_splits_are_disjoint_by_id_and_by_text(examples) -> None:
    ids = [e.id for e in examples]
    assert len(ids) == len(set(ids))
    texts = {split: {_form(e.question) for e in examples if e.split == split} for split in ("train", "heldout", "oos_dev")}
    assert not texts["train"] & texts["heldout"]
    assert not texts["train"] & texts["oos_dev"]


def test_no_heldout_positive_is_trained_on(examples) -> None:
    dev = [q for q in load_gold(GOLD / "dev.jsonl") if not q.out_of_scope]
    heldout = {q.id for q in dev if split_of(q.id) == "heldout"}
    train_positives = {e.id for e in examples if e.split == "train" and e.answerable}
    assert heldout and not heldout & train_positives
    assert {e.id for e in examples if e.answerable} == {q.id for q in dev}
    assert 0.2 <= len(heldout) / len(dev) <= 0.4


def test_sources_land_in_their_splits(examples) -> None:
    by_source: dict[str, set[str]] = {}
    for e in examples:
        by_source.setdefault(e.source, set()).add(e.split)
    assert by_source["oos_dev"] == {"oos_dev"}
    assert by_source["oos_train"] == {"train"}
    assert by_source["dev_oos"] == {"heldout"}
    assert "oos_dev" not in set().union(*(v for k, v in by_source.items() if k != "oos_dev"))
    assert len([e for e in examples if e.source == "oos_dev"]) >= 160
    assert len([e for e in examples if e.source == "oos_train"]) >= 160


def test_swapped_copies_follow_their_question_and_change_its_entity(examples) -> None:
    dev = {q.id: q for q in load_gold(GOLD / "dev.jsonl")}
    split = {e.id: e.split for e in examples}
    known = known_doc_numbers()
    swaps = [e for e in examples if e.source.startswith("swap_")]
    assert {e.source for e in swaps} == {"swap_province", "swap_year", "swap_docnumber"}
    for e in swaps:
        source = dev[e.id.split("-swap-")[0]]
        assert not e.answerable and e.split == split[source.id]
        assert e.question != source.question
        before, after = fold(source.question).lower(), fold(e.question).lower()
        if e.source == "swap_province":
            assert any(fold(p).lower() in before for p in CORPUS_PROVINCES)
            assert not any(fold(p).lower() in after for p in CORPUS_PROVINCES), e.question
            assert any(fold(p).lower() in after for p in OTHER_PROVINCES)
        elif e.source == "swap_year":
            assert any(y in e.question for y in UNCOVERED_YEARS)
        else:
            old = set(re.findall(r"\d{3,5}", source.question)) & known
            new = set(re.findall(r"\d{3,5}", e.question)) - set(re.findall(r"\d{3,5}", source.question))
            assert old and new and not new & known, e.question


def test_alqac_questions_are_negatives_split_by_text_once_each(examples) -> None:
    rows = [e for e in examples if e.source == "alqac"]
    assert len(rows) == 3  # the repeated question is kept once
    assert all(not e.answerable and e.split in ("train", "heldout") for e in rows)


def test_without_alqac_folder_the_sets_still_build(caplog: pytest.LogCaptureFixture) -> None:
    examples = build(GOLD, None)
    assert not any(e.source == "alqac" for e in examples)
    assert "no ALQAC folder" in caplog.text


def test_folder_without_queries_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="queries.jsonl"):
        build(GOLD, tmp_path)


def test_swaps_keep_the_way_the_question_was_typed() -> None:
    swapped = swap_province("ke hoach cchc quang nam 2022", "k")
    assert swapped is not None and "quang nam" not in swapped and fold(swapped) == swapped and swapped.islower()
    assert swap_province("Quảng Nam và Bình Định", "k") is None  # two provinces: no single entity to swap
    assert swap_year("Tờ trình ngày 10/5/2022", "k") is None  # a date inside a citation stays
    assert swap_year("KH CCHC năm 2022", "k") in {f"KH CCHC năm {y}" for y in UNCOVERED_YEARS}
    assert swap_doc_number("QĐ 1601 ban hành ngày nào", "k", {"1601"}).startswith("QĐ ")
    assert swap_doc_number("QĐ 1601 ban hành ngày nào", "k", {"1601"}) != "QĐ 1601 ban hành ngày nào"
    assert swap_doc_number("tỷ lệ 2022 đạt 80%", "k", {"1601"}) is None


def test_cli_writes_one_file_per_split(alqac: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--alqac", str(alqac), "--out", str(tmp_path / "out")]) == 0
    counts = json.loads(capsys.readouterr().out)
    for split in ("train", "heldout", "oos_dev"):
        lines = (tmp_path / "out" / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) == sum(
            v for k, v in counts[split].items() if k in ("answerable", "unanswerable"))
        assert all(set(json.loads(line)) == {"id", "question", "answerable", "source", "split"} for line in lines)

"""Answerability data: questions the shipped documents answer or not, split so that a classifier
is trained on one part and judged on parts it never saw.

Every example is ``{id, question, answerable, source, split}``. Splits:

- ``train``: dev answerable questions whose id hashes into the train share, ``oos_train.jsonl``,
  ALQAC questions hashing into train, entity-swapped copies of train questions;
- ``heldout``: the other dev answerable questions (numbers are reported on these), the dev set's
  own out-of-scope questions, ALQAC and swapped copies hashing into held-out;
- ``oos_dev``: ``oos_dev.jsonl``, never trained on.

A swapped copy names a province the corpus does not hold, a year no document covers or a document
number that does not exist, so the same wording asks what the documents cannot answer. It follows
the split of the question it was made from. ALQAC is read from a folder given at run time and never
copied into the repository.

Example:
    $ python -m eval.abstain_data --alqac ../shared/bench/alqac --out /tmp/abstain
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from corpus.text import fold
from eval.gold import DEFAULT_GOLD, GoldQuestion, load_gold

log = logging.getLogger(__name__)

GOLD_DIR = DEFAULT_GOLD.parent
CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus" / "documents"
SPLITS = ("train", "heldout", "oos_dev")
HELDOUT_SHARE = 0.3

CORPUS_PROVINCES = ("Quảng Nam", "Bình Định", "Đồng Tháp")
OTHER_PROVINCES = ("Lâm Đồng", "Nghệ An", "Thanh Hóa", "Gia Lai", "Khánh Hòa", "Hà Tĩnh", "Phú Yên", "Quảng Ngãi",
                   "Đắk Lắk", "Long An", "Tây Ninh", "Sơn La", "Thái Bình", "Bắc Giang", "Kiên Giang", "Bến Tre",
                   "Vĩnh Long", "Ninh Bình", "Cần Thơ", "Hải Dương")
# the documents cover 2021-2030; a year swapped in comes from before any of them
COVERED_YEAR = re.compile(r"(?<![\d/.])(202[1-9]|2030)(?![\d/])")
UNCOVERED_YEARS = ("2016", "2017", "2018", "2019")
_DOC_NUMBER_IN_TEXT = re.compile(r"\b(\d{3,5})\s*/\s*(?:QĐ|TTr|KH|NQ|NĐ|TT|KL|QH|CTr)\b")
_NUMBER_IN_QUESTION = re.compile(r"(?<![\d/.,])(\d{3,5})(?![\d%.,])")


@dataclass(frozen=True)
class Example:
    """One question and whether the shipped documents answer it."""

    id: str
    question: str
    answerable: bool
    source: str  # dev, dev_oos, oos_train, oos_dev, alqac, swap_province, swap_year, swap_docnumber
    split: str  # train, heldout, oos_dev


def split_of(key: str, heldout_share: float = HELDOUT_SHARE) -> str:
    """"train" or "heldout" from a fixed hash of ``key``: the same on every machine and run.

    >>> split_of("q001") in ("train", "heldout")
    True
    """
    if not 0 < heldout_share < 1:
        raise ValueError(f"heldout_share={heldout_share}: must be between 0 and 1 (exclusive)")
    fraction = int(hashlib.sha256(f"abstain:{key}".encode()).hexdigest()[:8], 16) / 0x1_0000_0000
    return "heldout" if fraction < heldout_share else "train"


def _pick(options: tuple[str, ...], key: str) -> str:
    return options[int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % len(options)]


def _styled(replacement: str, matched: str) -> str:
    """The replacement written the way the question wrote the original (no diacritics, case)."""
    if fold(matched) == matched:
        replacement = fold(replacement)
    if matched.islower():
        return replacement.lower()
    return replacement.upper() if matched.isupper() else replacement


def swap_province(question: str, key: str) -> str | None:
    """The question with its one corpus province replaced by another province, or None."""
    found = []
    for province in CORPUS_PROVINCES:
        forms = {province, fold(province)}
        pattern = re.compile(r"\b(?:" + "|".join(r"\s+".join(map(re.escape, f.split())) for f in forms) + r")\b",
                             re.IGNORECASE)
        if pattern.search(question):
            found.append(pattern)
    if len(found) != 1:  # none, or two provinces: which one the answer hinges on is unclear
        return None
    other = _pick(OTHER_PROVINCES, f"province:{key}")
    return found[0].sub(lambda m: _styled(other, m.group(0)), question)


def swap_year(question: str, key: str) -> str | None:
    """The question with its first covered year (not inside a date) replaced by an uncovered one."""
    match = COVERED_YEAR.search(question)
    if not match:
        return None
    year = match.group(1)
    return re.sub(rf"(?<![\d/.]){year}(?![\d/])", _pick(UNCOVERED_YEARS, f"year:{key}"), question)


def known_doc_numbers(corpus_dir: Path = CORPUS_DIR) -> set[str]:
    """Numbers of the documents the corpus issues or cites: "1601", "905", "8079"..."""
    numbers: set[str] = set()
    for path in sorted(corpus_dir.iterdir()):
        if path.suffix in (".txt", ".md"):
            numbers.update(_DOC_NUMBER_IN_TEXT.findall(path.read_text(encoding="utf-8")))
    return {n for n in numbers if not _is_year(n)}  # "107/2020/NĐ-CP": 2020 is the year, not the number


def _is_year(number: str) -> bool:
    return 1990 <= int(number) <= 2035


def swap_doc_number(question: str, key: str, known: set[str]) -> str | None:
    """The question with its first known document number replaced by one no document has."""
    match = next((m for m in _NUMBER_IN_QUESTION.finditer(question) if m.group(1) in known), None)
    if not match:
        return None
    number = match.group(1)
    low, high = 10 ** (len(number) - 1), 10 ** len(number)
    candidate = low + int(hashlib.sha256(f"number:{key}".encode()).hexdigest()[:8], 16) % (high - low)
    while str(candidate) in known or _is_year(str(candidate)) or str(candidate) == number:
        candidate = low + (candidate + 1 - low) % (high - low)
    return question[: match.start()] + str(candidate) + question[match.end():]


def _swaps(question: GoldQuestion, split: str, known: set[str]) -> list[Example]:
    out = []
    for kind, swapped in (("province", swap_province(question.question, question.id)),
                          ("year", swap_year(question.question, question.id)),
                          ("docnumber", swap_doc_number(question.question, question.id, known))):
        if swapped and swapped != question.question:
            out.append(Example(f"{question.id}-swap-{kind}", swapped, False, f"swap_{kind}", split))
    return out


def load_alqac_questions(folder: Path) -> list[tuple[str, str]]:
    """(qid, text) of an ALQAC-shaped folder's queries.jsonl."""
    path = folder / "queries.jsonl"
    if not path.exists():
        raise ValueError(f"{folder}: không có queries.jsonl; cần thư mục dạng ALQAC (corpus.jsonl + queries.jsonl)")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(str(row["qid"]), row["text"]) for row in rows]


def build(gold_dir: Path = GOLD_DIR, alqac: Path | None = None, corpus_dir: Path = CORPUS_DIR,
          heldout_share: float = HELDOUT_SHARE) -> list[Example]:
    """Every example, sorted by split then id; deterministic for the same files."""
    dev = load_gold(gold_dir / "dev.jsonl")
    known = known_doc_numbers(corpus_dir)
    examples: list[Example] = []
    for q in dev:
        if q.out_of_scope:
            examples.append(Example(q.id, q.question, False, "dev_oos", "heldout"))
            continue
        split = split_of(q.id, heldout_share)
        examples.append(Example(q.id, q.question, True, "dev", split))
        examples.extend(_swaps(q, split, known))
    for name, split in (("oos_train", "train"), ("oos_dev", "oos_dev")):
        examples += [Example(q.id, q.question, False, name, split) for q in load_gold(gold_dir / f"{name}.jsonl")]
    if alqac is None:
        log.warning("no ALQAC folder given: the sets hold no ALQAC questions")
    else:
        seen: set[str] = set()
        for qid, text in load_alqac_questions(alqac):
            form = " ".join(text.lower().split())
            if form in seen:
                log.info("ALQAC %s repeats an earlier question; skipped", qid)
                continue
            seen.add(form)
            # split by the text, so that a question asked twice cannot sit on both sides
            examples.append(Example(f"alqac-{qid}", text, False, "alqac", split_of(form, heldout_share)))
    ids = [e.id for e in examples]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate example ids: " + ", ".join(sorted({i for i in ids if ids.count(i) > 1})))
    return sorted(examples, key=lambda e: (SPLITS.index(e.split), e.id))


def write(examples: list[Example], out_dir: Path) -> dict[str, Path]:
    """One JSONL file per split (``train.jsonl``, ``heldout.jsonl``, ``oos_dev.jsonl``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for split in SPLITS:
        path = out_dir / f"{split}.jsonl"
        rows = [json.dumps(asdict(e), ensure_ascii=False) for e in examples if e.split == split]
        path.write_text("".join(row + "\n" for row in rows), encoding="utf-8")
        paths[split] = path
    return paths


def summary(examples: list[Example]) -> dict[str, dict[str, int]]:
    """{split: {source (+ "answerable"/"unanswerable"): count}}."""
    out: dict[str, dict[str, int]] = {}
    for e in examples:
        counts = out.setdefault(e.split, {})
        for name in (e.source, "answerable" if e.answerable else "unanswerable"):
            counts[name] = counts.get(name, 0) + 1
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the answerability train / held-out / oos_dev sets.")
    parser.add_argument("--alqac", type=Path, help="ALQAC-shaped folder whose questions are negatives (read, never copied)")
    parser.add_argument("--out", type=Path, required=True, help="folder for train.jsonl, heldout.jsonl, oos_dev.jsonl")
    parser.add_argument("--gold-dir", type=Path, default=GOLD_DIR)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        examples = build(args.gold_dir, args.alqac)
    except ValueError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2
    write(examples, args.out)
    print(json.dumps(summary(examples), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

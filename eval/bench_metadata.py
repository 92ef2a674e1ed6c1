"""Metadata read from real documents' headers against eval/gold/realdocs_meta.jsonl, per field.

The gold annotates 65 documents of ``../shared/realdocs`` (kind, number, date, issuer, province,
title, signer), written by reading each header. It is split by a fixed hash of the document id:
``tune`` (looked at while building the header reader) and ``heldout`` (not looked at); both are
printed. A field whose gold is empty (the header states no number, no date, a national body has no
province) counts as right only when the reader leaves it empty too; a missing gold signer is not
scored. Titles and issuers compare in the matching form without diacritics and punctuation.

Usage:
    python -m eval.bench_metadata [--docs ../shared/realdocs/docs] [--gold eval/gold/realdocs_meta.jsonl]
        [--misses] [--json]

Targets (issue 18): kind, title, number, date, province ≥ 0.95 each; issuer ≥ 0.90.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

from corpus.clean import clean_text
from corpus.load import load_file
from corpus.metadata import extract_metadata
from corpus.vocab import folded

FIELDS = ("doc_type", "title", "number", "date", "issuer", "province", "signer")
TARGETS = {"doc_type": 0.95, "title": 0.95, "number": 0.95, "date": 0.95, "province": 0.95, "issuer": 0.90}
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DOCS = ROOT.parent / "shared" / "realdocs" / "docs"
DEFAULT_GOLD = ROOT / "eval" / "gold" / "realdocs_meta.jsonl"


def split_of(doc_id: str) -> str:
    """'tune' or 'heldout', by a fixed hash of the id (half each, on average)."""
    return "tune" if int(hashlib.sha1(doc_id.encode()).hexdigest(), 16) % 2 == 0 else "heldout"


def _norm(value: str | None) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", folded(value or "")).split())


def same(field: str, gold: str | None, found: str | None) -> bool:
    if field in ("title", "issuer", "signer", "province", "doc_type"):
        return _norm(gold) == _norm(found)
    return (gold or None) == (found or None)


def run(docs: Path, gold_path: Path) -> dict:
    rows = [json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    results: dict[str, dict] = {"tune": {}, "heldout": {}}
    misses: list[dict] = []
    for row in rows:
        path = docs / f"{row['doc']}.md"
        loaded = load_file(path, max_bytes=50_000_000)
        cleaned = clean_text(loaded.text, fmt=loaded.fmt)
        meta = extract_metadata(cleaned.text, appendix_start=cleaned.appendix_start)
        split = split_of(row["doc"])
        for field in FIELDS:
            if field == "signer" and not row.get("signer"):
                continue
            ok = same(field, row.get(field), getattr(meta, field))
            counts = results[split].setdefault(field, [0, 0])
            counts[0] += ok
            counts[1] += 1
            if not ok:
                misses.append({"doc": row["doc"], "split": split, "field": field, "gold": row.get(field),
                               "found": getattr(meta, field)})
    table = {split: {field: round(right / total, 3) for field, (right, total) in fields.items()}
             for split, fields in results.items()}
    sizes = {split: sum(1 for r in rows if split_of(r["doc"]) == split) for split in results}
    return {"accuracy": table, "documents": sizes, "misses": misses}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS)
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--misses", action="store_true", help="list every wrong field")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not args.docs.is_dir():
        print(f"no folder {args.docs}: point --docs at ../shared/realdocs/docs", file=sys.stderr)
        return 2
    report = run(args.docs, args.gold)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(f"{'field':10} {'target':>7} " + " ".join(f"{s + ' (' + str(n) + ')':>13}" for s, n in report["documents"].items()))
    for field in FIELDS:
        target = TARGETS.get(field)
        cells = " ".join(f"{report['accuracy'][s].get(field, float('nan')):>13.3f}" for s in report["documents"])
        print(f"{field:10} {target if target else '-':>7} {cells}")
    if args.misses:
        for miss in report["misses"]:
            print(f"  [{miss['split']}] {miss['doc']} {miss['field']}: gold {miss['gold']!r} / read {miss['found']!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

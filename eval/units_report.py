"""Units of a folder of real documents as a folder ingest makes them: how many, how many are only
punctuation, how many are boilerplate (a line repeated across the folder's documents outside any
document proper), how many hold a line of a footer (:func:`corpus.boilerplate.footer_keys`, wherever the unit
stands), how many are shorter than 20 characters (whole list items and table rows apart).

Usage:
    python -m eval.units_report [--docs ../shared/realdocs/docs] [--examples 10]

Targets (issue 18): no unit of punctuation or boilerplate only; units under 20 characters ≤ 1%
(whole list items and rows aside).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

from corpus.boilerplate import blank_lines, boilerplate_lines, document_span, footer_keys, line_key, repeated_keys
from corpus.clean import clean_text
from corpus.load import load_file
from corpus.segment import Segmenter

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DOCS = ROOT.parent / "shared" / "realdocs" / "docs"
WHOLE_KINDS = ("bullet", "subbullet", "table_row", "target", "point", "clause")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS)
    parser.add_argument("--examples", type=int, default=10)
    args = parser.parse_args(argv)
    paths = sorted(p for p in args.docs.iterdir() if p.suffix in (".md", ".txt")) if args.docs.is_dir() else []
    if not paths:
        print(f"no documents under {args.docs}", file=sys.stderr)
        return 2
    cleaned = {p.stem: clean_text(load_file(p, max_bytes=50_000_000).text, fmt=p.suffix.lstrip(".")) for p in paths}
    repeated = repeated_keys([c.text for c in cleaned.values()])
    footer = footer_keys([c.text for c in cleaned.values()], repeated)
    # a portal footer's lines of four words or more, looked for inside units too (an appendix runs to the end of
    # its text, so a footer after it is inside the "document proper" span)
    footer_lines = [key for key in footer if len(key.split()) >= 4]
    segmenter = Segmenter()
    counts: Counter[str] = Counter()
    examples: dict[str, list[str]] = {"punctuation": [], "boilerplate": [], "footer": [], "short": []}
    dropped_lines = 0
    for doc_id, result in cleaned.items():
        drop = boilerplate_lines(result.text, repeated, footer)
        dropped_lines += len(drop)
        lines = result.text.split("\n")
        first, after = document_span(lines)
        begin = sum(len(ln) + 1 for ln in lines[:first])
        stop = sum(len(ln) + 1 for ln in lines[:after])
        for unit in segmenter.segment(doc_id, blank_lines(result.text, drop), result.appendix_start):
            counts["units"] += 1
            text = unit.text.strip()
            if not re.search(r"[^\W_]", text):
                counts["punctuation"] += 1
                examples["punctuation"].append(f"{doc_id} {unit.label}: {text!r}")
            elif not begin <= unit.start < stop:  # outside the document proper (before its header, after its signature)
                counts["outside"] += 1
                if any(line_key(part) in repeated for part in text.split("\n")):
                    counts["boilerplate"] += 1
                    examples["boilerplate"].append(f"{doc_id} {unit.label}: {text[:80]!r}")
            if any(key in line_key(text) for key in footer_lines):
                counts["footer"] += 1
                examples["footer"].append(f"{doc_id} {unit.label}: {text[:80]!r}")
            if len(text) < 20:
                counts["short"] += 1
                if unit.kind not in WHOLE_KINDS:
                    counts["short_not_whole"] += 1
                    examples["short"].append(f"{doc_id} {unit.label} [{unit.kind}]: {text!r}")
    total = counts["units"] or 1
    print(f"documents {len(paths)}; units {counts['units']}; boilerplate lines dropped {dropped_lines}")
    print(f"units of punctuation only: {counts['punctuation']} (target 0)")
    print(f"units outside the document proper: {counts['outside']}; holding a line repeated across documents "
          f"(boilerplate): {counts['boilerplate']} (target 0)")
    print(f"units holding a line of the portal's footer (learnt: footer_keys): {counts['footer']} (target 0)")
    print(f"units under 20 characters: {counts['short']} ({counts['short'] / total:.2%}); "
          f"not a whole list item or row: {counts['short_not_whole']} ({counts['short_not_whole'] / total:.2%}, target ≤ 1%)")
    for name, rows in examples.items():
        for row in rows[:args.examples]:
            print(f"  {name}: {row}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""OCR benchmark: the shipped documents typeset on page images and read back by our OCR path.

Each document's cleaned text (what the store keeps, page furniture such as underscore rules
already dropped) is typeset on A4 pages at 300 dpi in DejaVu Serif 12 pt (``eval/render.py``), then
recognised by ``corpus.ocr.recognise`` (light evened out, deskew, Tesseract ``vie``) twice: from the
clean render, and from a scan-like copy turned by 2°, blurred and grained (``eval.render.degrade``).

Printed per condition: character error rate (edit distance / reference characters, whitespace
collapsed), the diacritics-only error rate (characters whose base letter is right but whose marks are
wrong, per reference character and per reference letter carrying a mark), and pages per minute
(recognition only, on this machine's shared cores).

    python eval/bench_ocr.py [--pages-per-doc 2] [--json]
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus.clean import clean_text  # noqa: E402
from corpus.load import load_file  # noqa: E402
from corpus.ocr import recognise  # noqa: E402
from corpus.text import fold  # noqa: E402
from core.settings import PROJECT_ROOT  # noqa: E402
from eval.render import degrade, render_pages  # noqa: E402

DOCUMENTS = PROJECT_ROOT / "corpus" / "documents"


def flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def errors(hypothesis: str, reference: str) -> dict[str, int]:
    """Edit operations between two flattened texts, and the diacritic-only substitutions among the
    characters whose base letters align."""
    matcher = difflib.SequenceMatcher(None, hypothesis, reference, autojunk=False)
    edits = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")
    # diacritics: align the folded texts (fold keeps one character per Vietnamese letter), then compare marks
    folded = difflib.SequenceMatcher(None, fold(hypothesis), fold(reference), autojunk=False)
    marks_wrong = 0
    for tag, i1, i2, j1, j2 in folded.get_opcodes():
        if tag == "equal":
            marks_wrong += sum(1 for a, b in zip(hypothesis[i1:i2], reference[j1:j2]) if a != b)
    marked = sum(1 for ch in reference if fold(ch) != ch)
    return {"edits": edits, "chars": len(reference), "diacritic_errors": marks_wrong, "marked_letters": marked}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages-per-doc", type=int, default=2, help="pages of each document (0: all)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()

    conditions = {"clean": lambda page: page,
                  "noise + 2° rotation": lambda page: degrade(page, angle=2.0, noise=12.0, blur=0.8, light=0.15)}
    totals = {name: {"edits": 0, "chars": 0, "diacritic_errors": 0, "marked_letters": 0, "pages": 0, "seconds": 0.0}
              for name in conditions}
    rows = []
    for path in sorted(p for p in DOCUMENTS.iterdir() if p.suffix in (".txt", ".md")):
        loaded = load_file(path, max_bytes=10**8)
        text = clean_text(loaded.text, fmt=loaded.fmt).text.replace("\t", "  ")
        pages = render_pages(text, dpi=300, max_pages=args.pages_per_doc or None)
        for number, (page, shown) in enumerate(pages, 1):
            row = {"document": path.stem, "page": number}
            for name, make in conditions.items():
                image = make(page)
                started = time.perf_counter()
                result = recognise(image, number=number)
                seconds = time.perf_counter() - started
                counts = errors(flat(result.text), flat(shown))
                for key, value in counts.items():
                    totals[name][key] += value
                totals[name]["pages"] += 1
                totals[name]["seconds"] += seconds
                row[name] = {"cer": counts["edits"] / counts["chars"], "skew": result.skew, "seconds": round(seconds, 2)}
            rows.append(row)
            if not args.json:
                print(f"{row['document'][:38]:38} p{number}  " + "  ".join(
                    f"{name}: CER {row[name]['cer']:.2%} (skew {row[name]['skew']:+.1f}°, {row[name]['seconds']:.1f} s)"
                    for name in conditions), flush=True)
    summary = {}
    for name, t in totals.items():
        summary[name] = {
            "pages": t["pages"],
            "cer": t["edits"] / t["chars"],
            "diacritic_error_rate_per_char": t["diacritic_errors"] / t["chars"],
            "diacritic_error_rate_per_marked_letter": t["diacritic_errors"] / max(1, t["marked_letters"]),
            "pages_per_minute": 60 * t["pages"] / t["seconds"],
        }
    if args.json:
        print(json.dumps({"pages": rows, "summary": summary}, ensure_ascii=False, indent=2))
        return
    print()
    print("| condition | pages | CER | diacritics-only errors / char | / letter with marks | pages per minute |")
    print("|---|---|---|---|---|---|")
    for name, s in summary.items():
        print(f"| {name} | {s['pages']} | {s['cer']:.2%} | {s['diacritic_error_rate_per_char']:.2%} | "
              f"{s['diacritic_error_rate_per_marked_letter']:.2%} | {s['pages_per_minute']:.1f} |")


if __name__ == "__main__":
    main()

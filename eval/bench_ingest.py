"""Folder ingest throughput: a generated folder of ≥ 300 files of mixed formats, nested subfolders,
same names in different folders, identical copies under other names and a few broken files.

Every format the loaders accept (``corpus.load.SUPPORTED``) that this script can write joins the mix,
so formats added to the loaders join once a writer is added below. Prints, per format, files per
minute of its own run (fresh data directory, the same worker count), then the mixed run, and checks
that no file was lost or silently merged: every file is a document, a duplicate naming a stored
document whose source has exactly its bytes, or a failure with a reason (only the broken ones).

    python eval/bench_ingest.py --files 300 --jobs 2
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus.ingest import Ingester  # noqa: E402
from corpus.load import SUPPORTED  # noqa: E402
from corpus.store import Store  # noqa: E402
from core.settings import PROJECT_ROOT, Settings  # noqa: E402

TEXT_FORMATS = {".txt", ".md", ".html", ".htm"}
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PROVINCES = ["Gia Lai", "Kon Tum", "Lào Cai", "Bình Phước", "Hà Giang", "Sơn La", "Quảng Trị", "Phú Yên"]


def _sources() -> list[list[str]]:
    """The shipped documents' lines, to cut windows from."""
    docs = []
    for path in sorted((PROJECT_ROOT / "corpus" / "documents").glob("*")):
        if path.suffix in (".txt", ".md") and not path.name.endswith(".meta.json"):
            lines = [re.sub(r"[*_#`]+", "", ln).strip() for ln in path.read_text(encoding="utf-8").splitlines()]
            docs.append([ln for ln in lines if ln])
    return docs


def _text(i: int, rng: random.Random, sources: list[list[str]]) -> str:
    """A distinct plan: a header with its own number, year and province, then a window of shipped lines."""
    lines = sources[i % len(sources)]
    size = rng.randint(80, 300)  # a plan of a few pages, like the shipped ones' sections
    start = rng.randrange(0, max(1, len(lines) - size))
    year, province = 2019 + i % 7, PROVINCES[i % len(PROVINCES)]
    head = [f"Số: {100 + i}/KH-UBND", f"{province}, ngày {1 + i % 28} tháng {1 + i % 12} năm {year}", "KẾ HOẠCH",
            f"Cải cách hành chính năm {year} của tỉnh {province} (bản {i})", "I. MỤC TIÊU"]
    return "\n".join(head + lines[start:start + size]) + "\n"


def _write_txt(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _write_html(path: Path, text: str) -> None:
    from html import escape

    body = "\n".join(f"<p>{escape(line)}</p>" for line in text.splitlines())
    path.write_text(f"<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>Kế hoạch</title></head>"
                    f"<body><nav>Trang chủ</nav><article>{body}</article><footer>Cổng thông tin</footer></body></html>",
                    encoding="utf-8")


def _write_docx(path: Path, text: str) -> None:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    document.save(path)


def _write_pdf(path: Path, text: str) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    for line in text.splitlines():
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def _write_xlsx(path: Path, text: str) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian thực hiện"])
    for n, line in enumerate(text.splitlines()[5:], 1):
        sheet.append([n, line, "Sở Nội vụ", f"Quý {1 + n % 4}"])
    book.save(path)


WRITERS = {".txt": _write_txt, ".md": _write_txt, ".html": _write_html, ".htm": _write_html, ".docx": _write_docx,
           ".pdf": _write_pdf, ".xlsx": _write_xlsx}


def generate(root: Path, files: int, seed: int = 7) -> tuple[dict[str, list[Path]], list[Path]]:
    """The folder: files by format, and the deliberately broken files."""
    rng = random.Random(seed)
    sources = _sources()
    formats = [s for s in SUPPORTED if s in WRITERS and (s != ".pdf" or FONT.exists())]
    skipped = [s for s in SUPPORTED if s not in formats]
    if skipped:
        print(f"no writer here for {', '.join(skipped)}: left out of the mix", file=sys.stderr)
    by_format: dict[str, list[Path]] = {f: [] for f in formats}
    for i in range(files):
        fmt = formats[i % len(formats)]
        folder = root / f"{2019 + i % 7}" / ("so-noi-vu" if i % 3 else "phong-cchc") / ("dot-1" if i % 5 else "dot-2")
        folder.mkdir(parents=True, exist_ok=True)
        # every 25th file reuses a name already used in another folder
        name = f"ke-hoach-{i % 25 if i % 25 == 0 else i}{fmt}" if i >= 25 else f"ke-hoach-{i}{fmt}"
        path = folder / name
        while path.exists():
            path = path.with_name("x-" + path.name)
        WRITERS[fmt](path, _text(i, rng, sources))
        by_format[fmt].append(path)
    # identical copies under other names, in other folders
    copies = root / "ban-sao"
    copies.mkdir()
    for n, original in enumerate(by_format[formats[0]][:3]):
        target = copies / f"sao-{n}{original.suffix}"
        shutil.copyfile(original, target)
        by_format[original.suffix].append(target)
    broken_dir = root / "hong"
    broken_dir.mkdir()
    broken = [broken_dir / "rong.txt", broken_dir / "hong.docx", broken_dir / "hong.pdf"]
    broken[0].write_bytes(b"")
    broken[1].write_bytes(b"not a zip")
    broken[2].write_bytes(b"%PDF-1.7 garbage")
    return by_format, broken


def run(paths: list[Path], data_dir: Path, jobs: int) -> tuple[float, list, Store]:
    settings = Settings(data_dir=data_dir)
    store = Store(settings.db_path)
    started = time.perf_counter()
    report = Ingester(store, settings).ingest_paths(paths, jobs=jobs)
    return time.perf_counter() - started, report.results, store


def check(results: list, store: Store, broken: list[Path]) -> dict:
    """No file lost or silently merged."""
    digest = {}
    problems = []
    for r in results:
        digest[r.path] = hashlib.sha256(Path(r.path).read_bytes()).hexdigest()
    stored = {d["id"]: d for d in store.list_documents()}
    added = [r for r in results if r.status == "added"]
    if len(stored) != len(added) or len({r.doc_id for r in added}) != len(added):
        problems.append(f"{len(added)} files added but {len(stored)} documents stored")
    for r in results:
        if r.status == "added" and store.content_hash(r.doc_id) != digest[r.path]:
            problems.append(f"{r.path}: stored content differs")
        if r.status == "duplicate":
            source = store.source_path(r.doc_id)
            if source is None or store.content_hash(r.doc_id) != digest[r.path]:
                problems.append(f"{r.path}: reported duplicate of {r.doc_id} but the content differs")
        if r.status == "failed" and Path(r.path) not in broken:
            problems.append(f"{r.path}: failed: {r.reason}")
        if r.status == "failed" and not r.reason:
            problems.append(f"{r.path}: failed without a reason")
    failed = {Path(r.path) for r in results if r.status == "failed"}
    if failed != set(broken):
        problems.append(f"broken files not all reported: {sorted(map(str, set(broken) - failed))}")
    counts = {s: sum(r.status == s for r in results) for s in ("added", "updated", "unchanged", "duplicate", "failed")}
    return {"counts": counts, "problems": problems}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (0: one per core)")
    parser.add_argument("--keep", help="generate the folder here and keep it")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    root = work / "folder"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    started = time.perf_counter()
    by_format, broken = generate(root, args.files)
    total = sum(len(v) for v in by_format.values()) + len(broken)
    print(f"generated {total} files in {time.perf_counter() - started:.1f} s under {root}", file=sys.stderr)

    out: dict = {"files": total, "jobs": args.jobs, "formats": {}}
    for fmt, paths in by_format.items():
        seconds, results, _ = run(paths, work / f"data-{fmt.strip('.')}", args.jobs)
        out["formats"][fmt] = {"files": len(paths), "seconds": round(seconds, 2),
                               "files_per_minute": round(60 * len(paths) / seconds, 1),
                               "units": sum(r.units for r in results)}
    seconds, results, store = run([root], work / "data-mixed", args.jobs)
    verdict = check(results, store, broken)
    out["mixed"] = {"files": len(results), "seconds": round(seconds, 2),
                    "files_per_minute": round(60 * len(results) / seconds, 1), **verdict}
    one, _, _ = run([root], work / "data-one-worker", 1)
    out["mixed_one_worker"] = {"seconds": round(one, 2), "files_per_minute": round(60 * len(results) / one, 1)}
    seconds_again, again, _ = run([root], work / "data-mixed", args.jobs)
    out["rerun"] = {"seconds": round(seconds_again, 2), "unchanged": sum(r.status == "unchanged" for r in again),
                    "files_per_minute": round(60 * len(again) / seconds_again, 1)}
    text_rates = [v["files_per_minute"] for f, v in out["formats"].items() if f in TEXT_FORMATS]
    out["target"] = {"no_file_lost_or_merged": not verdict["problems"],
                     "text_formats_at_least_100_per_minute": bool(text_rates) and min(text_rates) >= 100}
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print("| format | files | seconds | files/min | units |\n|---|---|---|---|---|")
        for fmt, v in out["formats"].items():
            print(f"| {fmt} | {v['files']} | {v['seconds']} | {v['files_per_minute']} | {v['units']} |")
        m = out["mixed"]
        print(f"| mixed folder | {m['files']} | {m['seconds']} | {m['files_per_minute']} | |")
        o = out["mixed_one_worker"]
        print(f"| mixed folder, one process | {m['files']} | {o['seconds']} | {o['files_per_minute']} | |")
        print(f"statuses: {m['counts']}; re-run: {out['rerun']['unchanged']} unchanged in {out['rerun']['seconds']} s")
        print("no file lost or silently merged:", "MET" if not m["problems"] else "MISSED " + "; ".join(m["problems"][:5]))
        print("text formats ≥ 100 files/min:", "MET" if out["target"]["text_formats_at_least_100_per_minute"] else "MISSED")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(out["target"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())

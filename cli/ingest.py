"""CLI: hoidap ingest — files and folders of hundreds, with progress, a summary and a JSON report."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from core.settings import Settings

EXIT_OK, EXIT_FAILED = 0, 1
# the report says "replaced" for a file whose new content replaced its stored version ("updated")
STATUS = {"added": "added", "updated": "replaced", "unchanged": "unchanged", "duplicate": "duplicate", "failed": "failed"}
WORDS = {"added": "mới", "replaced": "thay thế bản cũ", "unchanged": "không đổi (bỏ qua)",
         "duplicate": "trùng nội dung (không lưu lại)", "failed": "lỗi"}


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from corpus.ingest import Ingester, expand_paths
    from corpus.store import Store

    paths = [Path(p) for p in args.paths] or [settings.corpus_dir]
    total = len(expand_paths(paths))
    store = Store(settings.db_path)
    bar = tqdm(total=total, unit="tệp", desc="Nạp văn bản", file=sys.stderr, disable=args.quiet, smoothing=0.1)

    def progress(result) -> None:
        bar.update(1)
        if result.status == "failed":
            bar.write(f"LỖI {result.path}: {result.reason}", file=sys.stderr)
        elif result.note:  # stored under another id than its name gives, or skipped as a duplicate
            bar.write(f"CHÚ Ý {result.path}: {result.note}", file=sys.stderr)

    started = time.time()
    report = Ingester(store, settings).ingest_paths(paths, progress, jobs=args.jobs)
    bar.close()
    counts = {status: 0 for status in WORDS}
    for r in report.results:
        counts[STATUS[r.status]] += 1
    units = sum(r.units for r in report.results if r.status in ("added", "updated"))
    rate = len(report.results) / max(report.seconds, 1e-6)
    print(f"Đã nạp {len(report.results)} tệp trong {report.seconds:.1f} s ({rate:.1f} tệp/s): "
          + ", ".join(f"{counts[s]} {WORDS[s]}" for s in WORDS) + f"; {units} đoạn mới", file=sys.stderr)
    if report.boilerplate:
        print(f"Bỏ {sum(report.boilerplate.values())} dòng lặp lại giữa các văn bản (thông báo, trình đơn, chân trang "
              f"của trang nguồn) khỏi các đoạn của {len(report.boilerplate)} văn bản", file=sys.stderr)
    # each duplicate ("CHÚ Ý … giống hệt văn bản X") and failure ("LỖI … reason") had its own line above
    if args.report:
        _write_report(Path(args.report), paths, report, counts, started, store)
        print(f"Báo cáo: {args.report}", file=sys.stderr)
    return EXIT_FAILED if report.failed else EXIT_OK


def _write_report(target: Path, paths: list[Path], report, counts: dict, started: float, store) -> None:
    """The run as JSON, written whole or not at all (a temporary file renamed into place)."""
    files = []
    for r in report.results:
        entry = {"path": r.path, "status": STATUS[r.status], "doc_id": r.doc_id, "units": r.units}
        if r.status == "duplicate":
            entry["duplicate_of"] = {"doc_id": r.doc_id, "path": store.source_path(r.doc_id)}
        if r.status == "failed":
            entry.update(reason=r.reason, code=r.code)
        elif r.note:
            entry["note"] = r.note
        if r.trash_id is not None:
            entry["replaced_trash_id"] = r.trash_id
        files.append(entry)
    body = {"paths": [str(p) for p in paths], "started_at": started, "seconds": round(report.seconds, 3),
            "files": len(report.results),
            "files_per_minute": round(60 * len(report.results) / max(report.seconds, 1e-6), 1),
            "summary": counts, "results": files,
            # documents whose units now leave out lines repeated across the store's documents: lines left out
            "boilerplate": report.boilerplate}
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, target)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="nạp văn bản: tệp hoặc thư mục, kể cả thư mục con (mặc định corpus/documents/)")
    p.add_argument("paths", nargs="*", help="tệp hoặc thư mục (.txt .md .pdf .docx .html)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("-j", "--jobs", type=int, default=None,
                   help="số tiến trình đọc tệp song song (mặc định HOIDAP_INGEST_JOBS; 0 = mỗi lõi một tiến trình)")
    p.add_argument("--report", metavar="FILE.json", help="ghi báo cáo từng tệp ra tệp JSON")
    p.set_defaults(func=cmd_ingest)

"""CLI commands of the document library's trash: list it, restore from it."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from core.settings import Settings

EXIT_OK = 0


def _library(settings: Settings):
    from corpus.store import Store
    from hoidap.library import Library

    return Library(settings, Store(settings.db_path))


def cmd_trash(args: argparse.Namespace, settings: Settings) -> int:
    library = _library(settings)
    library.purge()
    entries = library.trash()
    if args.json:
        print(json.dumps([{"trash_id": e.trash_id, "doc_id": e.doc_id, "title": e.title, "reason": e.reason,
                           "units": e.units, "trashed_at": e.trashed_at, "restorable_until": library.expires_at(e)}
                          for e in entries], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not entries:
        print("Thùng rác trống.")
        return EXIT_OK
    reasons = {"deleted": "đã xóa", "replaced": "bị thay thế"}
    for e in entries:
        until = datetime.fromtimestamp(library.expires_at(e)).strftime("%d/%m/%Y")
        print(f"[{e.trash_id}] {e.doc_id}  {reasons.get(e.reason, e.reason)} "
              f"{datetime.fromtimestamp(e.trashed_at):%d/%m/%Y %H:%M}, {e.units} đoạn, khôi phục được đến {until}: "
              f"{e.title[:60]}")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    restored = _library(settings).restore(args.doc_id, args.trash_id, index=not args.no_index)
    displaced = (f"; bản đang có được chuyển vào thùng rác (mục {restored.displaced})"
                 if restored.displaced is not None else "")
    print(f"Đã khôi phục {args.doc_id} từ mục {restored.entry.trash_id} ({restored.entry.units} đoạn){displaced}.",
          file=sys.stderr)
    if restored.report is None:
        print("Chưa cập nhật chỉ mục: chạy `hoidap index`.", file=sys.stderr)
    else:
        print(f"Chỉ mục {restored.report.version}: {restored.report.units} đoạn.", file=sys.stderr)
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("trash", help="thùng rác: văn bản đã xóa hoặc bị thay thế, còn khôi phục được")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_trash)

    p = sub.add_parser("restore", help="khôi phục một văn bản từ thùng rác và cập nhật chỉ mục")
    p.add_argument("doc_id")
    p.add_argument("--trash-id", type=int, help="mục cụ thể trong thùng rác (mặc định: bản mới nhất của văn bản)")
    p.add_argument("--no-index", action="store_true", help="chỉ khôi phục vào kho, không cập nhật chỉ mục")
    p.set_defaults(func=cmd_restore)

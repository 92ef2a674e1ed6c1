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


def cmd_metadata(args: argparse.Namespace, settings: Settings) -> int:
    library = _library(settings)
    changes: dict = {field: None for field in args.clear or []}
    if args.number is not None:
        changes["number"] = args.number
    if args.date is not None:
        changes["date"] = args.date
    if args.title is not None:
        changes["title"] = args.title
    if args.doc_type is not None:
        changes["doc_type"] = args.doc_type
    if args.in_force is not None:
        changes["in_force"] = args.in_force == "yes"
    if args.replaced_by is not None:
        changes["replaced_by"] = [] if args.replaced_by == ["none"] else args.replaced_by
    report = None
    if changes:
        _, report = library.set_metadata(args.doc_id, changes, index=not args.no_index)
    shown = library.metadata(args.doc_id)
    if args.json:
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        print(f"{args.doc_id}: {shown['citation']}")
        print(f"  {shown['doc_type']}: {shown['title']}")
        print(f"  số hiệu: {shown['number'] or 'chưa rõ'}; ngày: {shown['date_text'] or 'chưa rõ'}")
        print(f"  điều chỉnh của quản trị viên: {json.dumps(shown['overrides'], ensure_ascii=False) if shown['overrides'] else 'không có'}")
    if changes and report is None:
        print("Chưa cập nhật chỉ mục: chạy `hoidap index`.", file=sys.stderr)
    elif report is not None:
        print(f"Chỉ mục {report.version}: {report.units} đoạn.", file=sys.stderr)
    return EXIT_OK


_FIELDS = ("number", "date", "title", "doc_type", "in_force", "replaced_by")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("metadata", help="xem hoặc điều chỉnh số hiệu, ngày, trích yếu, loại, hiệu lực, văn bản thay thế "
                                        "của một văn bản")
    p.add_argument("doc_id")
    p.add_argument("--number", help="số hiệu, ví dụ 12/QĐ-UBND")
    p.add_argument("--date", help="ngày ban hành: 21/10/2021, 10/2021 hoặc 2021")
    p.add_argument("--title", help="trích yếu của văn bản")
    p.add_argument("--doc-type", help="loại văn bản: Quyết định, Kế hoạch, Công văn…")
    p.add_argument("--in-force", choices=("yes", "no"), help="còn hiệu lực (yes) hay không (no)")
    p.add_argument("--replaced-by", nargs="+", metavar="DOC_ID", help="mã các văn bản thay thế nó; 'none': không có")
    p.add_argument("--clear", nargs="+", choices=_FIELDS, help="bỏ điều chỉnh của các trường này")
    p.add_argument("--no-index", action="store_true", help="chỉ ghi vào kho, không cập nhật chỉ mục")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_metadata)

    p = sub.add_parser("trash", help="thùng rác: văn bản đã xóa hoặc bị thay thế, còn khôi phục được")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_trash)

    p = sub.add_parser("restore", help="khôi phục một văn bản từ thùng rác và cập nhật chỉ mục")
    p.add_argument("doc_id")
    p.add_argument("--trash-id", type=int, help="mục cụ thể trong thùng rác (mặc định: bản mới nhất của văn bản)")
    p.add_argument("--no-index", action="store_true", help="chỉ khôi phục vào kho, không cập nhật chỉ mục")
    p.set_defaults(func=cmd_restore)

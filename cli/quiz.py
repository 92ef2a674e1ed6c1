"""``hoidap quiz``: generate knowledge-check items from the stored documents, review and publish them, see results."""

from __future__ import annotations

import argparse
import json
import sys

from core.settings import Settings

EXIT_OK, EXIT_FAILED = 0, 1


def _service(settings: Settings):
    from hoidap.quiz.service import QuizService

    return QuizService.from_settings(settings)


def cmd_generate(args: argparse.Namespace, settings: Settings) -> int:
    from corpus.store import Store
    from hoidap.quiz.source import from_store

    docs = from_store(Store(settings.db_path))
    if not docs:
        print("Chưa có văn bản nào để tạo câu hỏi. Chạy: hoidap ingest", file=sys.stderr)
        return EXIT_FAILED
    service = _service(settings)
    items, added = service.generate(docs, args.count)
    if args.publish:
        service.set_status([item.id for item in added], "published")
    if args.json:
        print(json.dumps([item.contract() for item in items], ensure_ascii=False, indent=2))
    else:
        for item in items:
            _print_item(item)
    print(f"Đã tạo {len(items)} câu hỏi, {len(added)} câu mới vào ngân hàng "
          f"({'đã xuất bản' if args.publish else 'ở dạng nháp, chờ duyệt'}).", file=sys.stderr)
    return EXIT_OK


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    items = _service(settings).items(args.status)
    if args.json:
        print(json.dumps([item.admin() for item in items], ensure_ascii=False, indent=2))
        return EXIT_OK
    for item in items:
        _print_item(item, status=True)
    print(f"{len(items)} câu hỏi.", file=sys.stderr)
    return EXIT_OK


def _status(status: str):
    def run(args: argparse.Namespace, settings: Settings) -> int:
        service = _service(settings)
        ids = [item.id for item in service.items("draft" if status == "published" else None)] if args.all else args.ids
        if not ids:
            print("Không có câu hỏi nào được chọn: ghi mã câu hỏi, hoặc --all", file=sys.stderr)
            return EXIT_FAILED
        changed = service.set_status(ids, status)
        print(f"Đã chuyển {len(changed)} câu hỏi sang trạng thái '{status}'.", file=sys.stderr)
        return EXIT_OK
    return run


def cmd_results(args: argparse.Namespace, settings: Settings) -> int:
    service = _service(settings)
    if args.csv:
        sys.stdout.write(service.results_csv(args.by))
    else:
        print(json.dumps(service.results(args.by), ensure_ascii=False, indent=2))
    return EXIT_OK


def _print_item(item, status: bool = False) -> None:
    head = f"[{item.id}] {item.kind}" + (f" ({item.status})" if status else "")
    print(head)
    print("  " + item.question)
    for i, option in enumerate(item.options):
        print(f"  {'*' if i == item.answer_index else ' '} {'ABCD'[i]}. {option}")
    print(f"  nguồn: {item.citation} [{item.unit_id}]")
    print()


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("quiz", help="câu hỏi kiểm tra kiến thức: tạo, duyệt, xuất bản, kết quả")
    actions = p.add_subparsers(dest="action", required=True)
    g = actions.add_parser("generate", help="tạo câu hỏi từ các văn bản đã nạp (lưu ở dạng nháp)")
    g.add_argument("--count", type=int, default=None, help="số câu (mặc định: tất cả)")
    g.add_argument("--json", action="store_true")
    g.add_argument("--publish", action="store_true", help="xuất bản ngay các câu mới (bỏ qua bước duyệt)")
    g.set_defaults(func=cmd_generate)
    lst = actions.add_parser("list", help="các câu hỏi trong ngân hàng")
    lst.add_argument("--status", choices=["draft", "published", "retired"])
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_list)
    for name, status, text in (("publish", "published", "xuất bản"), ("retire", "retired", "ngừng dùng"),
                               ("draft", "draft", "đưa về nháp")):
        a = actions.add_parser(name, help=f"{text} các câu hỏi")
        a.add_argument("ids", nargs="*", help="mã câu hỏi")
        a.add_argument("--all", action="store_true", help="publish: mọi câu nháp; retire/draft: mọi câu")
        a.set_defaults(func=_status(status))
    r = actions.add_parser("results", help="kết quả theo cơ quan hoặc theo câu hỏi")
    r.add_argument("--by", choices=["agency", "item"], default="agency")
    r.add_argument("--csv", action="store_true")
    r.set_defaults(func=cmd_results)

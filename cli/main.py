"""The ``hoidap`` command line: the edge that builds settings, runs a stage and sets exit codes.

Run as ``hoidap …`` (the installed script) or ``python -m cli …`` from the source tree."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from core.errors import HoidapError
from core.settings import Settings

log = logging.getLogger("hoidap")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _store(settings: Settings):
    from corpus.store import Store

    return Store(settings.db_path)


# --- corpus ----------------------------------------------------------------------------------


def cmd_documents(args: argparse.Namespace, settings: Settings) -> int:
    docs = _store(settings).list_documents()
    if args.json:
        keys = ["id", "type", "number", "number_display", "date", "date_text", "province", "issuer", "title",
                "signer", "attachments", "units", "references"]
        print(json.dumps([{k: d[k] for k in keys} for d in docs], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not docs:
        print("Chưa có văn bản nào. Chạy: hoidap ingest")
        return EXIT_OK
    rows = [("Mã", "Loại", "Số hiệu", "Ngày", "Tỉnh", "Đoạn", "Trích yếu")]
    for d in docs:
        rows.append((d["id"], d["type"], d["number_display"], d["date_text"] or "chưa rõ", d["province"] or "",
                     str(d["units"]), d["title"][:70] + ("…" if len(d["title"]) > 70 else "")))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])) + "  " + row[-1])
    return EXIT_OK


def cmd_segments(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    meta = store.metadata(args.doc_id)
    print(f"{meta.citation_name()}: {meta.title}")
    previous: list[str] = []
    for unit in store.units(args.doc_id):
        common = 0
        while common < min(len(previous), len(unit.breadcrumb)) and previous[common] == unit.breadcrumb[common]:
            common += 1
        for depth in range(common, len(unit.breadcrumb)):
            print("  " * depth + "▸ " + unit.breadcrumb[depth])
        previous = unit.breadcrumb
        snippet = unit.text.replace("\n", " ")
        print("  " * len(unit.breadcrumb) + f"[{unit.id}] {unit.label}: {snippet[:100]}{'…' if len(snippet) > 100 else ''}")
    return EXIT_OK


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    unit = store.get_unit(args.unit_id)
    meta = store.metadata(unit.doc_id)
    if args.json:
        print(json.dumps({**unit.to_dict(), "doc_title": meta.title, "doc_number": meta.number,
                          "citation": meta.citation_name()}, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{meta.citation_name()}, {unit.label}")
    if unit.breadcrumb:
        print(" > ".join(unit.breadcrumb))
    print()
    print(unit.text)
    return EXIT_OK


def store_versions(settings: Settings) -> list[dict]:
    """Each SQLite store of ``settings.data_dir``: its file, the schema version it is at (None when the
    file does not exist yet) and the version this code brings it to when it opens it."""
    import sqlite3

    from api.sessions import STEPS as SESSIONS
    from corpus.store import STEPS as CORPUS
    from hoidap.experts import STEPS as EXPERTS
    from hoidap.querylog import STEPS as QUERYLOG
    from hoidap.quiz.bank import STEPS as QUIZ

    out = []
    for name, path, steps in (("corpus", settings.db_path, CORPUS), ("querylog", settings.querylog_path, QUERYLOG),
                              ("quiz", settings.quiz_path, QUIZ), ("experts", settings.experts_path, EXPERTS),
                              ("sessions", settings.sessions_path, SESSIONS)):
        version = None
        if path.exists():
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)  # read only: nothing is migrated here
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
            finally:
                conn.close()
        out.append({"store": name, "path": str(path), "version": version, "latest": len(steps)})
    return out


def cmd_stores(args: argparse.Namespace, settings: Settings) -> int:
    rows = store_versions(settings)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    for row in rows:
        state = "chưa có tệp" if row["version"] is None else \
            "mới nhất" if row["version"] == row["latest"] else f"sẽ nâng lên {row['latest']} khi mở"
        print(f"{row['store']:<9} phiên bản {row['version'] if row['version'] is not None else '-'}  ({state})  {row['path']}")
    return EXIT_OK


# --- wiring ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hoidap", description="Hỏi đáp CCHC: tra cứu, hỏi đáp văn bản cải cách hành chính")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("documents", help="danh sách văn bản đã nạp")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_documents)

    p = sub.add_parser("segments", help="cây đoạn của một văn bản")
    p.add_argument("doc_id")
    p.set_defaults(func=cmd_segments)

    p = sub.add_parser("show", help="nội dung một đoạn")
    p.add_argument("unit_id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("stores", help="phiên bản lược đồ của từng kho dữ liệu SQLite")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stores)

    for register in _extensions():
        register(sub)
    return parser


def _extensions() -> list:
    from cli import bot, index, ingest, library, querylog, quiz, serve
    from cli import eval as evaluation

    return [ingest.register, index.register, library.register, serve.register, evaluation.register, bot.register,
            querylog.register, quiz.register]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        settings = Settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        print(f"Cấu hình không hợp lệ: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args, settings)
    except HoidapError as exc:
        print(f"Lỗi ({exc.code}): {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into head and closed early
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

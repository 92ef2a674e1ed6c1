"""CLI commands on the query log: purge what is older than the retention."""

from __future__ import annotations

import argparse

from core.settings import Settings
from hoidap.querylog import QueryLog


def cmd_querylog_purge(args: argparse.Namespace, settings: Settings) -> int:
    querylog = QueryLog.from_settings(settings)  # opening the log purges it
    deleted = querylog.purged_on_open + querylog.purge()
    print(f"Nhật ký câu hỏi: đã xóa {deleted} câu trả lời cũ hơn {settings.log_retention_days} ngày")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("querylog", help="nhật ký câu hỏi")
    actions = p.add_subparsers(dest="action", required=True)
    purge = actions.add_parser("purge", help="xóa câu hỏi cũ hơn HOIDAP_LOG_RETENTION_DAYS")
    purge.set_defaults(func=cmd_querylog_purge)

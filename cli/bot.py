"""CLI commands that run the chat bots: ``hoidap bot telegram`` (long polling, or setting the webhook).

Zalo has no command of its own: its webhook is served by ``hoidap serve`` (``POST /bot/zalo/webhook``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from core.redact import Redactor
from core.settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def cmd_telegram(args: argparse.Namespace, settings: Settings) -> int:
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value().strip():
        print("Chưa cấu hình token: đặt HOIDAP_TELEGRAM_TOKEN bằng token @BotFather cấp", file=sys.stderr)
        return EXIT_USAGE
    redact = Redactor(settings.telegram_token.get_secret_value().strip())
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))

    from telegram.error import TelegramError

    from bot import telegram

    try:
        if args.set_webhook:
            asyncio.run(telegram.set_webhook(settings, args.set_webhook))
            print(f"Đã đặt webhook Telegram: {args.set_webhook}", file=sys.stderr)
            return EXIT_OK
        if args.delete_webhook:
            asyncio.run(telegram.delete_webhook(settings))
            print("Đã xoá webhook Telegram", file=sys.stderr)
            return EXIT_OK
        from hoidap.assistant import Assistant

        assistant = Assistant(settings)
        assistant.warm()  # fail now if there is no index; and the first question loads nothing
        application = telegram.build_application(settings, assistant)
        print("Bot Telegram đang chạy (long polling); Ctrl+C để dừng.", file=sys.stderr, flush=True)
        telegram.run_polling(application)
        return EXIT_OK
    except ValueError as exc:
        print(f"Cấu hình không hợp lệ: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except TelegramError as exc:  # its text may hold the token (InvalidToken does)
        print(f"Telegram từ chối: {redact(str(exc))}", file=sys.stderr)
        return EXIT_FAILED


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bot", help="chạy bot chat (Telegram)")
    channels = p.add_subparsers(dest="channel", required=True)
    t = channels.add_parser("telegram", help="bot Telegram: long polling (mặc định), hoặc đặt/xoá webhook")
    mode = t.add_mutually_exclusive_group()
    mode.add_argument("--set-webhook", metavar="URL",
                      help="đặt webhook tới URL công khai của API, ví dụ https://ten-mien/bot/telegram, rồi thoát")
    mode.add_argument("--delete-webhook", action="store_true", help="xoá webhook (để chạy long polling) rồi thoát")
    t.set_defaults(func=cmd_telegram)

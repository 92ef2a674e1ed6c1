"""CLI commands that run services: serve (API + widget)."""

from __future__ import annotations

import argparse
import sys

from core.settings import Settings


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from api.main import create_app

    host = args.host or settings.host
    port = args.port or settings.port
    app = create_app(settings.model_copy(update={"host": host, "port": port}))
    print(f"Hỏi đáp CCHC đang chạy tại http://{host}:{port}  (API: /docs, widget: /widget.js)", file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="chạy API và widget")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.set_defaults(func=cmd_serve)

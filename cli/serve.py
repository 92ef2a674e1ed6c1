"""CLI commands that run services: serve (API + widget), in one process or several workers."""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys

from core.private import private_dir
from core.settings import Settings


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from api.serving import WeakAdminKey, check_admin_keys, uvicorn_options

    try:
        check_admin_keys(settings)
    except WeakAdminKey as exc:
        print(f"Không khởi động: khóa quản trị quá ngắn. {exc}", file=sys.stderr)
        return 2
    proxy = uvicorn_options(settings)  # X-Forwarded-For believed from HOIDAP_TRUSTED_PROXIES only, workers included
    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers if args.workers is not None else settings.workers
    if workers < 1:
        print(f"--workers {workers} không hợp lệ: cần một số nguyên từ 1 trở lên", file=sys.stderr)
        return 2
    print(f"Hỏi đáp CCHC đang chạy tại http://{host}:{port}  (API: /docs, widget: /widget.js"
          f"{f'; {workers} tiến trình' if workers > 1 else ''})", file=sys.stderr, flush=True)
    if workers == 1:
        from api.main import create_app

        app = create_app(settings.model_copy(update={"host": host, "port": port, "workers": 1}))
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, **proxy)
        return 0
    # each worker builds its own app from the environment: hand it what this command decided
    cores = os.cpu_count() or 1
    share = str(max(1, cores // workers))  # the cores split between workers, not each taking all of them
    os.environ.update({"HOIDAP_HOST": host, "HOIDAP_PORT": str(port), "HOIDAP_WORKERS": str(workers),
                       "HOIDAP_DATA_DIR": str(settings.data_dir)})
    if "torch_threads" not in settings.model_fields_set:
        # threads that sleep between questions cost nothing idle: each worker's question encoder may
        # use every core (one client: as fast as one process); spinning ones get their share only
        os.environ["HOIDAP_TORCH_THREADS"] = str(cores) if not settings.query_spin else share
    if "answer_concurrency" not in settings.model_fields_set:
        os.environ["HOIDAP_ANSWER_CONCURRENCY"] = share
    # prometheus_client's multiprocess mode: counters of the previous run must not be added in
    shutil.rmtree(settings.metrics_dir, ignore_errors=True)
    private_dir(settings.data_dir)  # private from its first creation, even when serve is what makes it
    settings.metrics_dir.mkdir()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(settings.metrics_dir)
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config("api.main:create_app", factory=True, host=host, port=port, workers=workers,
                            log_level="warning", access_log=False, **proxy)
    # uvicorn binds the shared listener with proto 0, so asyncio never sets TCP_NODELAY on its connections
    # and every keep-alive request waits ~40 ms for a delayed ACK (uvicorn issue #3149; measured here:
    # 48 ms for /api/health against 1.3 ms with one process). Re-wrapped, the protocol is read from the
    # socket itself: TCP.
    sock = socket.socket(fileno=config.bind_socket().detach())
    sock.set_inheritable(True)
    try:
        Multiprocess(config, sockets=[sock]).run()
    except KeyboardInterrupt:
        pass
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="chạy API và widget")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--workers", type=int, help="số tiến trình phục vụ (mặc định HOIDAP_WORKERS, 1)")
    p.set_defaults(func=cmd_serve)

"""A real app on a free loopback port in a background thread, for tests that need HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from api.main import create_app
from api.serving import uvicorn_options
from core.settings import Settings


@contextmanager
def serve(settings: Settings) -> Iterator[tuple[str, object]]:
    """The real app on a free 127.0.0.1 port, in a background thread, until the block ends."""
    app = create_app(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # the port is held from here on, so no other process can take it
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", **uvicorn_options(settings)))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the app did not start on port {port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def private_copy(indexed: Settings, folder, **update) -> Settings:
    """A copy of the indexed corpus's data directory in ``folder``, for tests that write beside it (the expert
    queue, FAQ entries, uploads) and must leave the shared session index as it was."""
    import shutil
    from pathlib import Path

    data = Path(folder) / "data"
    shutil.copytree(indexed.data_dir, data)
    return indexed.model_copy(update={"data_dir": data, **update})

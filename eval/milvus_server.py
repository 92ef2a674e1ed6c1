"""Milvus Lite's own gRPC server (``milvus-lite server``) in a subprocess on a free loopback port: the
local Milvus of the tests and benchmarks, reached through the network client like a cluster."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from eval.server import free_port


class MilvusLiteServer:
    """``milvus-lite server --data-dir DIR --host 127.0.0.1 --port PORT``, ready once its port accepts.

    Example:
        >>> with MilvusLiteServer(Path("/tmp/milvus")) as server:     # doctest: +SKIP
        ...     Settings(backend="milvus", milvus_uri=server.uri)
    """

    def __init__(self, data_dir: Path, timeout: float = 60) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.timeout = timeout

    def start(self) -> "MilvusLiteServer":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._log = (self.data_dir / "milvus-lite.log").open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(self.data_dir),
                                         "--host", "127.0.0.1", "--port", str(self.port)],
                                        stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"milvus-lite server did not start: {self.log_tail()}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def log_tail(self, chars: int = 2000) -> str:
        path = self.data_dir / "milvus-lite.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def __enter__(self) -> "MilvusLiteServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

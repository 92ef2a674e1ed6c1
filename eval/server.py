"""`hoidap serve` in a subprocess on a free loopback port, for the benchmarks that drive the real API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """The API over ``data_dir`` with extra ``HOIDAP_*`` variables, ready once /api/health answers.

    Its output goes to ``data_dir/server.log``: a file, not a pipe, since a pipe nobody reads fills up
    under load and stalls the server.
    """

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None, timeout: float = 180,
                 args: list[str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / "server.log"
        self.env = {**os.environ, "HOIDAP_DATA_DIR": str(data_dir), **(env or {})}
        self.timeout = timeout
        self.args = list(args or [])  # more `hoidap serve` options, e.g. ["--workers", "2"]

    def __enter__(self) -> "Server":
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(self.port), *self.args],
                                        env=self.env, cwd=PROJECT_ROOT, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                if httpx.get(f"{self.url}/api/health", timeout=5).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise SystemExit(f"the server did not start:\n{self.log_tail()}")
            time.sleep(0.3)

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()

    def log_tail(self, chars: int = 2000) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]

"""Fuzz the HTTP API from its own OpenAPI document with schemathesis, with and without the admin key.

    pip install '.[fuzz]'
    python eval/fuzz_api.py --data-dir data --examples 300

Serves a private copy of ``--data-dir`` (the fuzzer uploads and deletes documents) with ``hoidap
serve`` on a free loopback port, runs ``schemathesis run`` twice (no key, then ``X-API-Key``), checking
that no response is a server error and that every response matches the OpenAPI document (whose error
responses are ``{"error": {"code", "message"}}``), and prints each run's summary.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

KEY = "fuzz-admin-key"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="a data directory with a built index")
    parser.add_argument("--examples", type=int, default=300, help="examples per operation and run")
    args = parser.parse_args(argv)
    schemathesis = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))
    with tempfile.TemporaryDirectory(prefix="hoidap-fuzz-") as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(args.data_dir, data)
        port = _free_port()
        env = {**os.environ, "HOIDAP_DATA_DIR": str(data), "HOIDAP_ADMIN_KEYS": KEY,
               "HOIDAP_RATE_LIMIT_PER_MINUTE": "1000000", "HOIDAP_ADMIN_WAIT_SECONDS": "30"}
        log = (Path(tmp) / "server.log").open("w")
        server = subprocess.Popen([sys.executable, "-m", "hoidap.cli", "serve", "--port", str(port)], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            for label, headers in (("without the key", []), ("with the key", ["-H", f"X-API-Key: {KEY}"])):
                print(f"## schemathesis {label}", flush=True)
                run = subprocess.run([schemathesis, "run", f"{base}/openapi.json", "-n", str(args.examples),
                                      "-c", "not_a_server_error,response_schema_conformance",
                                      "--request-timeout", "30", *headers], capture_output=True, text=True)
                print("\n".join(run.stdout.splitlines()[-40:]), flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
            errors = [line for line in (Path(tmp) / "server.log").read_text().splitlines() if "Traceback" in line]
            print(f"server tracebacks: {len(errors)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

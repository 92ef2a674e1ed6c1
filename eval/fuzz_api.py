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
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.server import Server  # noqa: E402

KEY = "fuzz-admin-key-0123456789abcdef"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="a data directory with a built index")
    parser.add_argument("--examples", type=int, default=300, help="examples per operation and run")
    args = parser.parse_args(argv)
    schemathesis = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))
    with tempfile.TemporaryDirectory(prefix="hoidap-fuzz-") as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(args.data_dir, data)
        env = {"HOIDAP_ADMIN_KEYS": KEY, "HOIDAP_RATE_LIMIT_PER_MINUTE": "1000000", "HOIDAP_ADMIN_WAIT_SECONDS": "30"}
        with Server(data, env) as server:
            for label, headers in (("without the key", []), ("with the key", ["-H", f"X-API-Key: {KEY}"])):
                print(f"## schemathesis {label}", flush=True)
                run = subprocess.run([schemathesis, "run", f"{server.url}/openapi.json", "-n", str(args.examples),
                                      "-c", "not_a_server_error,response_schema_conformance",
                                      "--request-timeout", "30", *headers], capture_output=True, text=True)
                print("\n".join(run.stdout.splitlines()[-40:]), flush=True)
        errors = [line for line in server.log_path.read_text().splitlines() if "Traceback" in line]
        print(f"server tracebacks: {len(errors)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Load benchmark of the HTTP API against `hoidap serve` on loopback.

Measures the in-process `answer()` loop first (one thread for latency, one thread per core for
throughput, each answer logged as the API logs it), then starts the server on an indexed data
directory and drives `POST /api/ask` with 1, 8 and 32 concurrent clients for a bounded time each;
with ``--workers 1,2`` once per worker count (`hoidap serve --workers N`), one server after the other.
The clients run in a separate process (`eval/loadgen.py`: raw asyncio streams, requests built
beforehand), which reports its own CPU time, so the figures are the server's, not the client's.
With ``--runs 3`` the whole sequence runs three times and the medians are printed, each run's
figure beside them; the targets (one client's p50 ≤ 1.2 × in-process p50; 32 clients ≥ 0.9 × the
in-process throughput, 0 errors) are judged on the medians of each run's ratios.

An indexed data directory: ``HOIDAP_DATA_DIR=DIR hoidap ingest && HOIDAP_DATA_DIR=DIR hoidap index``
(``make index`` does it for ``data``).

    python eval/bench_api.py --data-dir data --seconds 15 --seconds-32 30 --levels 1,32 --workers 1,2 --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.gold import load_gold  # noqa: E402
from eval.metrics import percentile  # noqa: E402
from hoidap.assistant import Assistant  # noqa: E402
from core.settings import Settings  # noqa: E402
from eval.server import PROJECT_ROOT, Server  # noqa: E402

ONE_CLIENT_P50 = 1.2  # one client's p50 at most this × the in-process p50
THROUGHPUT_32 = 0.9  # 32 clients' throughput at least this × the in-process throughput


def in_process(settings: Settings, questions: list[str], seconds: float) -> dict:
    service = Assistant(settings)
    for q in questions[:3]:
        service.ask(q, channel="bench")  # warm up
    latencies = []
    for q in questions[:60]:
        t = time.perf_counter()
        service.ask(q, channel="bench")  # logged, as the API does
        latencies.append((time.perf_counter() - t) * 1000)
    done = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def loop() -> None:
        nonlocal done
        rng = random.Random(threading.get_ident())
        while time.monotonic() < stop:
            service.ask(rng.choice(questions), channel="bench")
            with lock:
                done += 1

    threads = [threading.Thread(target=loop) for _ in range(os.cpu_count() or 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95), "throughput": done / seconds,
            "encoder": service.searcher.embedder.query_encoder}


def drive(url: str, questions: list[str], clients: int, seconds: float) -> dict:
    """One load run by `eval/loadgen.py` in its own process (so it competes with the server only for cores)."""
    job = {"url": url, "clients": clients, "seconds": seconds,
           "bodies": [json.dumps({"question": q}, ensure_ascii=False) for q in questions]}
    done = subprocess.run([sys.executable, "-m", "eval.loadgen"], input=json.dumps(job), capture_output=True,
                          text=True, cwd=PROJECT_ROOT, check=False)
    if done.returncode:
        raise SystemExit(f"the load generator failed:\n{done.stderr[-2000:]}")
    out = json.loads(done.stdout)
    latencies, requests = out["latencies_ms"], len(out["latencies_ms"])
    return {"clients": clients, "requests": requests, "errors": out["errors"], "statuses": out["statuses"],
            "throughput": requests / out["seconds"], "p50_ms": percentile(latencies, 50),
            "p95_ms": percentile(latencies, 95), "p99_ms": percentile(latencies, 99),
            "client_cpu_ms": 1000 * out["client_cpu_s"] / max(requests, 1),
            "client_core_share": out["client_cpu_s"] / out["seconds"]}


def one_run(settings: Settings, questions: list[str], args: argparse.Namespace) -> dict:
    """In-process, then every worker count at every level; each level printed as it ends."""
    base = in_process(settings, questions, args.seconds)
    print(f"in-process answer() ({base['encoder']}): p50 {base['p50_ms']:.1f} ms, p95 {base['p95_ms']:.1f} ms; "
          f"{base['throughput']:.1f} answers/s with {os.cpu_count()} threads", flush=True)
    run = {"base": base, "servers": {}}
    for workers in args.worker_counts:
        print(f"hoidap serve --workers {workers}", flush=True)
        with Server(settings.data_dir, {"HOIDAP_RATE_LIMIT_PER_MINUTE": "100000000"},
                    args=["--workers", str(workers)]) as server:
            drive(server.url, questions, 2 * workers, 5)  # warm up every worker
            rows = {}
            for level in args.level_counts:
                seconds = args.seconds_32 if level >= 32 else args.seconds
                row = rows[level] = drive(server.url, questions, level, seconds)
                row["ratio"] = row["throughput"] / base["throughput"]
                row["p50_ratio"] = row["p50_ms"] / base["p50_ms"]
                statuses = f" {row['statuses']}" if row["statuses"] else ""
                print(f"{level:>3} clients, {seconds:.0f} s: {row['requests']} requests, {row['errors']} errors"
                      f"{statuses}, {row['throughput']:.1f} req/s "
                      f"({row['ratio']:.2f}x in-process), p50 {row['p50_ms']:.1f} ms ({row['p50_ratio']:.2f}x), "
                      f"p95 {row['p95_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms; client {row['client_cpu_ms']:.2f} ms "
                      f"CPU a request ({100 * row['client_core_share']:.0f}% of a core)", flush=True)
        run["servers"][workers] = rows
    return run


def summary(runs: list[dict], args: argparse.Namespace) -> None:
    """Medians over the runs, each run's figure in brackets, and the targets judged on the medians."""
    def figures(values: list[float], fmt: str) -> str:
        each = " / ".join(format(v, fmt) for v in values)
        return format(statistics.median(values), fmt) + (f" [{each}]" if len(values) > 1 else "")

    print(f"\nmedians of {len(runs)} run(s), each run in brackets")
    print(f"in-process: {figures([r['base']['throughput'] for r in runs], '.1f')} answers/s, "
          f"p50 {figures([r['base']['p50_ms'] for r in runs], '.1f')} ms")
    for workers in args.worker_counts:
        for level in args.level_counts:
            rows = [r["servers"][workers][level] for r in runs]
            print(f"--workers {workers}, {level:>2} clients: {figures([x['throughput'] for x in rows], '.1f')} req/s, "
                  f"{figures([x['ratio'] for x in rows], '.2f')}x in-process; p50 "
                  f"{figures([x['p50_ms'] for x in rows], '.1f')} ms, {figures([x['p50_ratio'] for x in rows], '.2f')}x; "
                  f"{sum(x['errors'] for x in rows)} errors; client {figures([x['client_cpu_ms'] for x in rows], '.2f')} "
                  f"ms CPU a request")
        rows = {level: [r["servers"][workers][level] for r in runs] for level in args.level_counts}
        if 1 in rows:
            ratio = statistics.median(x["p50_ratio"] for x in rows[1])
            print(f"target --workers {workers}: 1-client p50 ≤ {ONE_CLIENT_P50} × in-process p50: {ratio:.2f}x → "
                  f"{'met' if ratio <= ONE_CLIENT_P50 else 'missed'}")
        top = max(rows)
        ratio = statistics.median(x["ratio"] for x in rows[top])
        errors = sum(x["errors"] for x in rows[top])
        print(f"target --workers {workers}: {top} clients ≥ {THROUGHPUT_32} × in-process throughput, 0 errors: "
              f"{ratio:.2f}x, {errors} errors → {'met' if ratio >= THROUGHPUT_32 and not errors else 'missed'}",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--seconds-32", type=float, default=60)
    parser.add_argument("--levels", default="1,8,32")
    parser.add_argument("--workers", default="1", help="worker counts to serve with, one after the other: 1,2")
    parser.add_argument("--runs", type=int, default=1, help="repeat everything this many times; medians printed")
    args = parser.parse_args()
    # a question asked again must be timed as asked the first time: no cache of recent question vectors
    os.environ.setdefault("HOIDAP_QUERY_CACHE", "0")
    args.worker_counts = [int(x) for x in args.workers.split(",")]
    args.level_counts = [int(x) for x in args.levels.split(",")]
    settings = Settings(data_dir=Path(args.data_dir))
    questions = [q.question for q in load_gold()]
    runs = []
    for number in range(1, args.runs + 1):
        if args.runs > 1:
            print(f"run {number} of {args.runs}", flush=True)
        runs.append(one_run(settings, questions, args))
    summary(runs, args)


if __name__ == "__main__":
    main()

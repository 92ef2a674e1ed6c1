"""Load benchmark of the HTTP API against `hoidap serve` on loopback.

Starts the server on an indexed data directory, measures the in-process `answer()` loop first
(one thread for latency, one thread per core for throughput), then drives `POST /api/ask` with
1, 8 and 32 concurrent clients for a bounded time each, and prints throughput and p50/p95/p99; with
``--workers 1,2`` once per worker count (`hoidap serve --workers N`), one server after the other.

    python eval/bench_api.py --data-dir data --seconds 20 --seconds-32 60 [--workers 1,2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.gold import load_gold  # noqa: E402
from eval.metrics import percentile  # noqa: E402
from hoidap.assistant import Assistant  # noqa: E402
from core.settings import Settings  # noqa: E402
from eval.server import Server  # noqa: E402


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
    return {"p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95), "throughput": done / seconds}


async def drive(url: str, questions: list[str], clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds

    async def client(number: int) -> None:
        nonlocal errors
        rng = random.Random(number)
        async with httpx.AsyncClient(base_url=url, timeout=120, headers={"X-Client-Id": f"bench-{number}"}) as http:
            while time.monotonic() < stop:
                t = time.perf_counter()
                try:
                    response = await http.post("/api/ask", json={"question": rng.choice(questions)})
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append((time.perf_counter() - t) * 1000)
                errors += not ok

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    return {"clients": clients, "requests": len(latencies), "errors": errors, "throughput": len(latencies) / elapsed,
            "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95), "p99_ms": percentile(latencies, 99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--seconds-32", type=float, default=60)
    parser.add_argument("--levels", default="1,8,32")
    parser.add_argument("--workers", default="1", help="worker counts to serve with, one after the other: 1,2")
    args = parser.parse_args()
    settings = Settings(data_dir=Path(args.data_dir))
    questions = [q.question for q in load_gold()]

    base = in_process(settings, questions, args.seconds)
    print(f"in-process answer(): p50 {base['p50_ms']:.1f} ms, p95 {base['p95_ms']:.1f} ms; "
          f"{base['throughput']:.1f} answers/s with {os.cpu_count()} threads", flush=True)

    for workers in (int(x) for x in args.workers.split(",")):
        print(f"hoidap serve --workers {workers}", flush=True)
        with Server(settings.data_dir, {"HOIDAP_RATE_LIMIT_PER_MINUTE": "100000000"},
                    args=["--workers", str(workers)]) as server:
            url = server.url
            asyncio.run(drive(url, questions, 2, 5))  # warm up
            rows = []
            for level in (int(x) for x in args.levels.split(",")):
                seconds = args.seconds_32 if level >= 32 else args.seconds
                row = asyncio.run(drive(url, questions, level, seconds))
                rows.append(row)
                print(f"{level:>3} clients, {seconds:.0f} s: {row['requests']} requests, {row['errors']} errors, "
                      f"{row['throughput']:.1f} req/s ({row['throughput'] / base['throughput']:.2f}x in-process), "
                      f"p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms", flush=True)
        one = next((r for r in rows if r["clients"] == 1), None)
        top = max(rows, key=lambda r: r["clients"])
        if one:
            print(f"target: 1-client p50 ≤ 1.2 × in-process p50: {one['p50_ms']:.1f} vs {1.2 * base['p50_ms']:.1f} ms "
                  f"→ {'met' if one['p50_ms'] <= 1.2 * base['p50_ms'] else 'missed'}")
        print(f"target: {top['clients']} clients without errors and ≥ 0.9 × in-process throughput: {top['errors']} "
              f"errors, {top['throughput']:.1f} vs {0.9 * base['throughput']:.1f} req/s → "
              f"{'met' if not top['errors'] and top['throughput'] >= 0.9 * base['throughput'] else 'missed'}", flush=True)


if __name__ == "__main__":
    main()

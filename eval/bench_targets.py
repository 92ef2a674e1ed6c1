"""The speed and memory targets of issue 22, each printed beside the anchor it is judged against, measured in
the same run on the shipped corpus (an indexed data directory).

1. Search and answer (``shipped``): in a fresh process built as an API worker (no torch, the question cache
   off), after its warm-up: the first answer, then every dev question's hybrid search, answer and bare
   question-encoder call (``OnnxQueryEncoder.encode`` of the same text), then the first question again;
   against them, the torch fp32 question embedding timed in its own fresh process. Targets: search p50 ≤
   0.5× torch fp32, answer p50 ≤ 1.2× the bare encoder call, first answer after ready ≤ 2× a warm answer
   (the same question asked again, all warm; its ratio to the p50 of all answers is printed too). The worker is run with the
   encoder's threads sleeping and spinning (``HOIDAP_QUERY_SPIN``), so the thread policy is chosen on figures.
2. Memory (``memory``): ``hoidap serve --workers N`` for N = 1 and 2, 500 questions over HTTP, then each
   worker's resident (RSS) and proportional (PSS: shared pages divided among the processes that map them)
   memory; with the lean encoder files (``HOIDAP_QUERY_LEAN``, the default) and without, the before figure.
   Targets: one worker ≤ 450 MB RSS, two ≤ 800 MB together.

    python eval/bench_targets.py --data-dir DIR [--parts shipped,memory] [--questions 150] [--asked 500]

The index of DIR must be built (``hoidap ingest && hoidap index``) with the model the settings name.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.settings import PROJECT_ROOT, Settings  # noqa: E402
from eval.gold import load_gold  # noqa: E402

WORKER = r"""
import json, sys, time
from pathlib import Path
from core.settings import Settings
from eval.metrics import percentile
from hoidap.assistant import Assistant
from index.query import analyse

job = json.load(sys.stdin)
settings = Settings(data_dir=Path(job["data_dir"]))
assistant = Assistant(settings)
warm_s = assistant.warm()
questions = job["questions"]
started = time.perf_counter()
assistant.ask(questions[0], channel="cli", record=False)
first = (time.perf_counter() - started) * 1000
searcher, embedder = assistant.searcher, assistant.searcher.embedder
texts = [embedder.query_prompt + analyse(q, syllables=searcher.current().syllables).expanded for q in questions[1:]]
timed = {"answer": [], "search": [], "encoder": []}
for name, call, items in (("answer", lambda q: assistant.ask(q, channel="cli", record=False), questions[1:]),
                          ("search", searcher.search, questions[1:]),
                          ("encoder", lambda t: embedder._query_model.encode([t]), texts)):
    for item in items:
        started = time.perf_counter()
        call(item)
        timed[name].append((time.perf_counter() - started) * 1000)
started = time.perf_counter()
assistant.ask(questions[0], channel="cli", record=False)  # the first question again, everything warm
again = (time.perf_counter() - started) * 1000
print(json.dumps({"first_ms": first, "again_ms": again, "warm_s": warm_s, "encoder": embedder.query_encoder,
                  **{f"{k}_p50_ms": percentile(v, 50) for k, v in timed.items()},
                  **{f"{k}_p95_ms": percentile(v, 95) for k, v in timed.items()}}))
"""


def worker_figures(data_dir: Path, questions: list[str], **env: str) -> dict:
    """The figures of :data:`WORKER`, run in a fresh process with ``HOIDAP_*`` ``env``."""
    done = subprocess.run([sys.executable, "-c", WORKER], input=json.dumps({"data_dir": str(data_dir),
                                                                            "questions": questions}),
                          capture_output=True, text=True, cwd=PROJECT_ROOT, env={**os.environ, **env})
    if done.returncode != 0:
        raise SystemExit(f"the worker process failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def shipped(settings: Settings, questions: list[str]) -> None:
    from index.model.timing import time_in_fresh_processes

    torch = time_in_fresh_processes(Path(settings.model), ["torch"], questions, settings.query_prompt,
                                    threads=settings.torch_threads, rounds=1)["torch"]
    runs = {spin: worker_figures(settings.data_dir, questions, HOIDAP_QUERY_SPIN=spin) for spin in ("false", "true")}
    print(f"shipped corpus, {len(questions)} dev questions, one at a time; torch fp32 question embedding "
          f"(own process): p50 {torch.p50:.1f} ms, p95 {torch.p95:.1f} ms")
    print("| encoder threads | hybrid search p50 (÷ torch fp32, target ≤ 0.5) | answer p50 (÷ bare encoder call, "
          "target ≤ 1.2) | bare encoder call p50 | first answer after ready (÷ the same question asked again, "
          "target ≤ 2; ÷ warm answer p50) | warm-up |")
    print("|---|---|---|---|---|---|")
    for spin, f in runs.items():
        print(f"| {'spinning' if spin == 'true' else 'sleeping'} ({f['encoder']}) | {f['search_p50_ms']:.1f} ms "
              f"(**{f['search_p50_ms'] / torch.p50:.2f}×**) | {f['answer_p50_ms']:.1f} ms "
              f"(**{f['answer_p50_ms'] / f['encoder_p50_ms']:.2f}×**) | {f['encoder_p50_ms']:.1f} ms | "
              f"{f['first_ms']:.1f} ms (**{f['first_ms'] / f['again_ms']:.2f}×** of {f['again_ms']:.1f} ms; "
              f"{f['first_ms'] / f['answer_p50_ms']:.2f}× p50) | {f['warm_s']:.1f} s |",
              flush=True)


def _memory(pid: int) -> tuple[float, float]:
    """Resident and proportional MB of process ``pid``."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    pss = next(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
    return rss / 1024, pss / 1024


def served_memory(data_dir: Path, workers: int, lean: bool, questions: list[str], asked: int) -> dict:
    """Each worker's RSS and PSS after ``asked`` questions to ``hoidap serve --workers N``."""
    import httpx

    from eval.server import Server

    env = {"HOIDAP_QUERY_LEAN": "true" if lean else "false", "HOIDAP_RATE_LIMIT_PER_MINUTE": "100000000"}
    with Server(data_dir, env, args=["--workers", str(workers)]) as server:
        pids: set[int] = set()
        for _ in range(200):  # fresh connections: the kernel hands them to either worker
            pids.add(httpx.get(f"{server.url}/api/health", timeout=60).json()["worker"])
            if len(pids) == workers:
                break
        idle = {pid: _memory(pid) for pid in pids}

        def ask(n: int) -> int:
            return httpx.post(f"{server.url}/api/ask", json={"question": questions[n % len(questions)]},
                              timeout=120).status_code

        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(ask, range(asked)))
        after = {pid: _memory(pid) for pid in pids}
        supervisor = _memory(server.process.pid) if workers > 1 else (0.0, 0.0)
    return {"workers": workers, "lean": lean, "errors": sum(s != 200 for s in statuses),
            "idle_rss": sorted(v[0] for v in idle.values()), "rss": sorted(v[0] for v in after.values()),
            "pss": sorted(v[1] for v in after.values()), "supervisor_rss": supervisor[0]}


def memory(settings: Settings, questions: list[str], asked: int) -> None:
    print(f"memory after {asked} questions over HTTP (4 clients, fresh connections); MB")
    print("| workers | encoder files | RSS per worker idle → after | RSS together (target) | PSS together | "
          "supervisor RSS | errors |")
    print("|---|---|---|---|---|---|---|")
    for workers, target in ((1, 450), (2, 800)):
        for lean in (False, True):
            m = served_memory(settings.data_dir, workers, lean, questions, asked)
            total = sum(m["rss"])
            print(f"| {workers} | {'lean' if lean else 'full (before)'} | "
                  f"{' / '.join(f'{a:.0f} → {b:.0f}' for a, b in zip(m['idle_rss'], m['rss']))} | "
                  f"**{total:.0f}** (≤ {target}: {'✅' if total <= target else '❌'}) | {sum(m['pss']):.0f} | "
                  f"{m['supervisor_rss']:.0f} | {m['errors']} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="an indexed data directory (the shipped corpus)")
    parser.add_argument("--parts", default="shipped,memory", help="which figures: shipped, memory (comma-separated)")
    parser.add_argument("--questions", type=int, default=150, help="dev questions timed (default 150)")
    parser.add_argument("--asked", type=int, default=500, help="questions asked each server before its memory is read")
    args = parser.parse_args()
    # a question asked again must be timed as asked the first time: no cache of recent question vectors
    os.environ.setdefault("HOIDAP_QUERY_CACHE", "0")
    os.environ["HOIDAP_DATA_DIR"] = str(args.data_dir)
    settings = Settings(data_dir=args.data_dir)
    questions = [q.question for q in load_gold()][: args.questions]
    started = time.perf_counter()
    parts = [p for p in args.parts.split(",") if p]
    unknown = set(parts) - {"shipped", "memory"}
    if unknown:
        parser.error(f"--parts {','.join(sorted(unknown))}: accepted shipped, memory")
    if "shipped" in parts:
        shipped(settings, questions)
    if "memory" in parts:
        memory(settings, questions, args.asked)
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()

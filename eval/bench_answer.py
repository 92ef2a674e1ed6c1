"""Answer latency on the shipped corpus: every dev question answered through the one answer service.

Prints the p50 / p95 / mean time of ``AnswerService.answer`` in milliseconds over ``--rounds`` passes
of the dev set (answerable and out of scope, as asked), after one warm-up pass, in this process (no
HTTP). Run it on two checkouts to compare a change against the code before it ("answer p50 ≤ 2×
today's"); the index must be built first (``hoidap ingest && hoidap index``).

Example:
    $ python -m eval.bench_answer --rounds 3
    {"questions": 150, "rounds": 3, "answer_p50_ms": 21.4, "answer_p95_ms": 48.0, ...}
"""

from __future__ import annotations

import argparse
import os
import json
import logging
import statistics
import sys
import time
from pathlib import Path

from core.settings import Settings
from eval.gold import DEFAULT_GOLD, load_gold
from eval.metrics import percentile


def bench(settings: Settings, questions: list[str], rounds: int = 3) -> dict[str, float]:
    """The timings of answering every question ``rounds`` times after one untimed pass."""
    from hoidap.answer import AnswerService

    if rounds < 1:
        raise ValueError(f"rounds={rounds}: must be 1 or more")
    service = AnswerService(settings)
    for question in questions:  # warm-up: the model, the index and the caches loaded
        service.answer(question, record=False)
    times = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            service.answer(question, record=False)
            times.append((time.perf_counter() - started) * 1000)
    return {"questions": float(len(questions)), "rounds": float(rounds),
            "answer_p50_ms": round(percentile(times, 50), 2), "answer_p95_ms": round(percentile(times, 95), 2),
            "answer_mean_ms": round(statistics.fmean(times), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Answer latency (p50/p95) on the shipped corpus's dev questions.")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the questions (default 3)")
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help="the questions (default eval/gold/dev.jsonl)")
    parser.add_argument("--data-dir", type=Path, help="the data folder holding the built index (default DATA_DIR)")
    args = parser.parse_args(argv)
    # a question asked again must be timed as asked the first time: no cache of recent question vectors
    os.environ.setdefault("HOIDAP_QUERY_CACHE", "0")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    settings = Settings() if args.data_dir is None else Settings(data_dir=args.data_dir)
    try:
        figures = bench(settings, [q.question for q in load_gold(args.gold)], args.rounds)
    except ValueError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

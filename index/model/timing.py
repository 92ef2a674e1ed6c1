"""Question-encoder timing, each variant in a fresh Python process (ONNX ones never import torch).

An API process that only answers loads ONNX Runtime alone. Timing the ONNX variants in a process
where torch has run (the export, a benchmark that also times torch) is not that: torch's idle thread
pool keeps competing for the cores between calls, which inflated both ONNX variants to ~13.8 ms here
and hid int8's lead (alone: fp32 6.4 ms, int8 4.6 ms). So each (variant, round) is timed in its own
``python -m index.model.timing`` child, the variants taking turns round by round, and the child
reports whether torch was imported.

    python -m index.model.timing --model DIR --variant onnx-int8 --questions q.json [--onnx-dir D] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WARM_UP = 3  # questions encoded before timing (session start, first-call allocations)


@dataclass
class Timing:
    """Milliseconds per question of one variant, over every round, and whether torch was loaded."""

    variant: str
    ms: list[float] = field(default_factory=list)
    rounds_p50: list[float] = field(default_factory=list)
    torch_imported: bool = False

    @property
    def p50(self) -> float:
        return float(np.percentile(self.ms, 50))

    @property
    def p95(self) -> float:
        return float(np.percentile(self.ms, 95))


def time_here(model_dir: Path, variant: str, questions: list[str], prompt: str, threads: int,
              onnx_dir: Path | None = None, repeats: int = 1) -> list[float]:
    """ms per question in this process, one question at a time as served (``prompt`` prepended)."""
    if variant == "torch":
        from index.model.embedder import Embedder

        embedder = Embedder(str(model_dir), query_prompt=prompt, query_encoder="torch", query_threads=threads)

        def encode(text: str) -> None:
            embedder.embed_queries([text])
    else:
        from index.model.encoder import OnnxQueryEncoder

        encoder = OnnxQueryEncoder(Path(model_dir), variant, threads=threads, onnx_dir=onnx_dir)
        if encoder.variant != variant:
            raise ValueError(f"{variant} is not available in {onnx_dir or model_dir} (it resolves to {encoder.variant})")

        def encode(text: str) -> None:
            encoder.encode([prompt + text])
    for text in questions[:WARM_UP]:
        encode(text)
    times = []
    for _ in range(repeats):
        for text in questions:
            started = time.perf_counter()
            encode(text)
            times.append((time.perf_counter() - started) * 1000)
    return times


def time_in_fresh_processes(model_dir: Path, variants: list[str], questions: list[str], prompt: str, *,
                            threads: int = 2, rounds: int = 2, repeats: int = 1,
                            onnx_dirs: dict[str, Path] | None = None, labels: dict[str, str] | None = None,
                            ) -> dict[str, Timing]:
    """Time each variant in its own child process, ``rounds`` times, the variants taking turns.

    Args:
        model_dir: the converted model folder (``onnx/`` inside unless ``onnx_dirs`` says otherwise).
        variants: keys to time; each is a query encoder name or a label mapped to one by ``labels``.
        questions: timed one at a time, ``repeats`` passes per round.
        onnx_dirs: per key, the folder holding that key's ONNX files (the export's temp folder, a plan).
        labels: per key, the query encoder it runs (default: the key itself).

    Returns:
        per key, its :class:`Timing` (every round's times pooled).

    Raises:
        RuntimeError: a child failed (its stderr's last lines are in the message).
    """
    onnx_dirs, labels = onnx_dirs or {}, labels or {}
    timings = {key: Timing(key) for key in variants}
    with tempfile.TemporaryDirectory(prefix="hoidap-timing-") as tmp:
        questions_file = Path(tmp) / "questions.json"
        questions_file.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
        for _ in range(rounds):
            for key in variants:
                command = [sys.executable, "-m", "index.model.timing", "--model", str(model_dir),
                           "--variant", labels.get(key, key), "--questions", str(questions_file),
                           "--prompt", prompt, "--threads", str(threads), "--repeats", str(repeats)]
                if key in onnx_dirs:
                    command += ["--onnx-dir", str(onnx_dirs[key])]
                done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
                if done.returncode != 0:
                    tail = "\n".join(done.stderr.strip().splitlines()[-5:])
                    raise RuntimeError(f"timing {key} in a child process failed ({done.returncode}): {tail}")
                result = json.loads(done.stdout.strip().splitlines()[-1])
                timing = timings[key]
                timing.ms += result["ms"]
                timing.rounds_p50.append(round(float(np.percentile(result["ms"], 50)), 2))
                timing.torch_imported |= result["torch_imported"]
                log.info("timed %s in a child process: p50 %.2f ms", key, timing.rounds_p50[-1])
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description="Time one question encoder in this (fresh) process.")
    parser.add_argument("--model", required=True)
    parser.add_argument("--variant", required=True)
    parser.add_argument("--questions", required=True, help="a JSON list of questions")
    parser.add_argument("--prompt", default="query: ")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--onnx-dir")
    args = parser.parse_args()
    questions = json.loads(Path(args.questions).read_text(encoding="utf-8"))
    ms = time_here(Path(args.model), args.variant, questions, args.prompt, args.threads,
                   Path(args.onnx_dir) if args.onnx_dir else None, args.repeats)
    print(json.dumps({"variant": args.variant, "ms": [round(t, 4) for t in ms], "torch_imported": "torch" in sys.modules}))


if __name__ == "__main__":
    main()

"""The Milvus backend at scale against Milvus Lite's server: what the version check costs now and before, and
whether the three searches of a question overlap.

Units are recombined from an indexed version (``--data-dir``: two units' tokens joined and their vectors mixed,
with noise; no model is run), written as a version, published to a Milvus Lite server on a free loopback port
and searched through it. For each question, after ``Searcher.invalidate()`` (so every search asks which
version is served, as every search did once a search took longer than the 0.5 s between checks):

- the hybrid search as it is now (its version check: one ``describe_collection`` on the alias, the version row
  read only when it changed), and that check alone;
- the version check as it was (``list_aliases``, ``describe_alias``, a filtered ``query`` of the version row)
  timed beside it: the search as it was is taken as now − the new check + the old check;
- each of the three requests' own time against the wall time of the three (their sum ÷ the wall: 1 when
  they run one after another, up to 3 when fully at once).

Target (issue 22): p95 ≤ 0.5× the p95 before, the top 5 the same as the embedded backend's.

    python eval/bench_milvus.py --data-dir DIR [--units 20000] [--queries 30]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.settings import Settings  # noqa: E402
from eval.gold import load_gold  # noqa: E402
from eval.metrics import percentile  # noqa: E402


def synthetic(source: Settings, target: Settings, units: int, seed: int = 7) -> Path:
    """A version of ``units`` units recombined from the current version of ``source``, committed in ``target``."""
    from eval.bench_retrieval import write_synthetic
    from index.tokenize import Tokens
    from index.versions import VersionStore, read_tokens, read_units, read_vectors

    folder, manifest = VersionStore(source.index_dir).current()
    records, tokens_of = read_units(folder), read_tokens(folder)
    base = [tokens_of[u.lexical_key] for u in records]
    vectors = np.asarray(read_vectors(folder))
    rng = np.random.default_rng(seed)
    pairs = rng.integers(0, len(records), size=(units, 2))
    numbers = rng.integers(1, 5000, size=units)
    tokens = [Tokens(base[a].words + base[b].words + [str(n), f"{n}/kh-ubnd"],
                     base[a].folded + base[b].folded + [str(n), f"{n}/kh-ubnd"])
              for (a, b), n in zip(pairs.tolist(), numbers.tolist())]
    mixed = vectors[pairs[:, 0]] + 0.5 * vectors[pairs[:, 1]] + rng.normal(0, 0.01, (units, vectors.shape[1]))
    mixed = (mixed / np.linalg.norm(mixed, axis=1, keepdims=True)).astype(np.float32)
    docs = [f"synthetic-{i // 1000:04d}" for i in range(units)]
    texts = [records[a].text for a in pairs[:, 0].tolist()]
    write_synthetic(target, tokens, mixed, docs, texts, manifest.query_encoder)
    return VersionStore(target.index_dir).current()[0]


def old_check(milvus) -> float:
    """The version check as ``MilvusIndex.serving()`` made it before: ms."""
    from index.milvus_backend import ALIAS, META_ID

    started = time.perf_counter()
    client = milvus.client()
    client.list_aliases()
    client.describe_alias(ALIAS)
    client.query(ALIAS, filter=f'id == "{META_ID}"', output_fields=["text"])
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="an indexed data directory to recombine units from")
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--milvus-uri", help="a running Milvus (default: start Milvus Lite's server)")
    args = parser.parse_args()
    # a question asked again must be timed as asked the first time: no cache of recent question vectors
    os.environ.setdefault("HOIDAP_QUERY_CACHE", "0")
    from eval.milvus_server import MilvusLiteServer
    from index.milvus_backend import MilvusIndex
    from index.search import Searcher

    source = Settings(data_dir=args.data_dir)
    questions = [q.question for q in load_gold()][: args.queries]
    root = Path(tempfile.mkdtemp(prefix="hoidap-bench-milvus-"))
    try:
        bench = source.model_copy(update={"data_dir": root / "data"})
        started = time.perf_counter()
        folder = synthetic(source, bench, args.units)
        print(f"{args.units} units recombined from {source.data_dir} in {time.perf_counter() - started:.0f} s", flush=True)
        with MilvusLiteServer(root / "milvus", timeout=120) as server:
            settings = bench.model_copy(update={"backend": "milvus", "milvus_uri": args.milvus_uri or server.uri,
                                                "milvus_db": "bench"})
            started = time.perf_counter()
            MilvusIndex(settings).publish(folder, None, full=True)
            print(f"published in {time.perf_counter() - started:.0f} s", flush=True)
            embedded, searcher = Searcher(bench), Searcher(settings)
            searcher.search(questions[0])  # the version loaded, the connection made
            now, check_new, check_old, before, overlap, same = [], [], [], [], [], []
            for question in questions:
                searcher.invalidate()
                started = time.perf_counter()
                result = searcher.search(question, k=5)
                now.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                searcher.milvus.serving()
                check_new.append((time.perf_counter() - started) * 1000)
                check_old.append(old_check(searcher.milvus))
                before.append(now[-1] - check_new[-1] + check_old[-1])
                t = result.timings
                parts = [t[k] for k in ("milvus_bm25_ms", "milvus_bm25_folded_ms", "milvus_dense_ms") if k in t]
                overlap.append(sum(parts) / max(t["milvus_ms"], 1e-9))
                same.append(len(set(result.unit_ids) & set(embedded.search(question, k=5).unit_ids)) / 5)
            reads = searcher.milvus.version_reads
    finally:
        shutil.rmtree(root, ignore_errors=True)
    p95_now, p95_before = percentile(now, 95), percentile(before, 95)
    print(json.dumps({"units": args.units, "queries": len(questions), "now_p50_ms": percentile(now, 50),
                      "now_p95_ms": p95_now, "before_p50_ms": percentile(before, 50), "before_p95_ms": p95_before,
                      "check_now_p50_ms": percentile(check_new, 50), "check_before_p50_ms": percentile(check_old, 50),
                      "version_row_reads": reads, "requests_sum_over_wall_p50": percentile(overlap, 50),
                      "top5_overlap_with_embedded": sum(same) / len(same)}))
    print(f"hybrid search through Milvus Lite at {args.units} units: p95 {p95_now:.0f} ms now against {p95_before:.0f} "
          f"ms with the old version check (**{p95_now / p95_before:.2f}×**, target ≤ 0.5); version check p50 "
          f"{percentile(check_new, 50):.1f} ms now, {percentile(check_old, 50):.1f} ms before; the version row read "
          f"{reads} time(s) in {len(questions) + 1} searches; the three requests' own times add up to "
          f"{percentile(overlap, 50):.2f}× their wall time (1 = one after another); top-5 overlap with the "
          f"embedded backend {sum(same) / len(same):.3f}")


if __name__ == "__main__":
    main()

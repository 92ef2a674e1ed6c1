"""Question encoder benchmark: torch fp32 against the ONNX exports (fp32, int8), same passage vectors.

The shipped corpus is indexed once (torch fp32 passages, the normal builder) into a temp data dir;
each variant then embeds the dev questions against that index. Printed per variant: single-question
p50/p95 ms (2 threads, the variants timed in turn on each question), mean/min cosine to torch fp32 over the dev questions, and dense-only and
hybrid Recall@5 / MRR@10 on the dev set, and with ``--alqac FOLDER`` the same on the ALQAC questions
(its own data dir, indexed once with torch fp32 passages). Needs ``hoidap model export-onnx`` first.

    python eval/bench_encoder.py [--data-dir /tmp/hoidap-bench-encoder] [--repeats 2] [--alqac ../shared/bench/alqac]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus.ingest import Ingester  # noqa: E402
from corpus.store import Store  # noqa: E402
from core.settings import Settings  # noqa: E402
from eval.gold import load_gold, normalize, relevant_units  # noqa: E402
from eval.harness import retrieval_metrics, run_mode  # noqa: E402
from eval.metrics import percentile  # noqa: E402
from index.build import IndexBuilder  # noqa: E402
from index.dense import Embedder  # noqa: E402
from index.onnx_encoder import QUERY_ENCODERS, read_report  # noqa: E402
from index.search import Searcher  # noqa: E402

THREADS = 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="/tmp/hoidap-bench-encoder")
    parser.add_argument("--repeats", type=int, default=2, help="timed passes over the dev questions")
    parser.add_argument("--alqac", help="an ALQAC-shaped folder: also its dense and hybrid R@5 / MRR@10 per variant")
    parser.add_argument("--alqac-data-dir", help="where the ALQAC index is kept (default: below --data-dir); "
                                                 "reused between runs, so its passages are embedded once")
    args = parser.parse_args()
    import torch

    settings = Settings(data_dir=Path(args.data_dir), torch_threads=THREADS, query_encoder="torch")
    shutil.rmtree(settings.data_dir, ignore_errors=True)
    store = Store(settings.db_path)
    Ingester(store, settings).ingest_paths([settings.corpus_dir])
    torch_embedder = Embedder.from_settings(settings)
    torch.set_num_threads(THREADS)
    IndexBuilder(settings, store, torch_embedder).build()

    questions = load_gold()
    units = {u.id: (u.doc_id, normalize(u.text)) for u in store.units()}
    relevant = {q.id: relevant_units(q, units) for q in questions if not q.out_of_scope}
    texts = [q.question for q in questions]
    reference = torch_embedder.embed_queries(texts)
    report = read_report(Path(settings.model)) or {}
    print(f"{len(texts)} dev questions, {len(units)} units, {THREADS} threads; "
          f"int8 at export: {report.get('onnx-int8', {}).get('plan', 'refused')}")

    embedders = {v: Embedder.from_settings(settings.model_copy(update={"query_encoder": v})) for v in QUERY_ENCODERS}
    torch.set_num_threads(THREADS)
    latencies: dict[str, list[float]] = {v: [] for v in embedders}
    for embedder in embedders.values():
        embedder.embed_queries(texts[:5])  # warm-up
    # round-robin, question by question: a neighbour's load on the shared cores hits every variant alike
    for _ in range(args.repeats):
        for text in texts:
            for variant, embedder in embedders.items():
                started = time.perf_counter()
                embedder.embed_queries([text])
                latencies[variant].append((time.perf_counter() - started) * 1000)
    rows = []
    for variant, embedder in embedders.items():
        vectors = np.vstack([embedder.embed_queries([t]) for t in texts])
        cos = (vectors * reference).sum(axis=1)
        searcher = Searcher(settings, embedder)
        row = {"variant": embedder.query_encoder, "p50_ms": percentile(latencies[variant], 50),
               "p95_ms": percentile(latencies[variant], 95), "cos_mean": float(cos.mean()), "cos_min": float(cos.min())}
        for mode in ("dense", "hybrid"):
            metrics = retrieval_metrics(run_mode(searcher, questions, mode), relevant)
            row[f"{mode}_R@5"], row[f"{mode}_MRR@10"] = metrics["recall@5"], metrics["mrr@10"]
        rows.append(row)
    if args.alqac:
        alqac_rows = _alqac_rows(Path(args.alqac), settings, Path(args.alqac_data_dir or settings.data_dir / "alqac"),
                                 embedders)
        for row, extra in zip(rows, alqac_rows):
            row.update(extra)

    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(f"{row[k]:.1f}" if k.endswith("_ms") else f"{row[k]:.4f}" if isinstance(row[k], float)
                                else str(row[k]) for k in keys) + " |")
    base = rows[0]
    for row in rows[1:]:
        print(f"{row['variant']}: {base['p50_ms'] / row['p50_ms']:.2f}x torch p50; "
              f"dense R@5 {row['dense_R@5'] - base['dense_R@5']:+.4f}, hybrid R@5 {row['hybrid_R@5'] - base['hybrid_R@5']:+.4f}"
              + "".join(f", {k} {row[k] - base[k]:+.4f}" for k in row if k.startswith("alqac_") and "R@5" in k))


def _alqac_rows(folder: Path, settings: Settings, data_dir: Path, embedders: dict[str, Embedder]) -> list[dict]:
    """ALQAC dense and hybrid R@5 / MRR@10 for each question encoder, against one torch fp32 index."""
    from eval.alqac import ingest_alqac
    from eval.metrics import mrr_at, recall_at

    alqac_settings = settings.model_copy(update={"data_dir": data_dir})
    store = Store(alqac_settings.db_path)
    mapping = ingest_alqac(folder, store)
    IndexBuilder(alqac_settings, store, embedders["torch"]).build()
    queries = [json.loads(line) for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines()
               if line.strip()]
    judged = [(q["text"], {mapping[g] for g in q["gold"] if g in mapping}) for q in queries]
    judged = [(text, gold) for text, gold in judged if gold]
    print(f"ALQAC: {len(judged)} questions, {len(mapping)} articles")
    rows = []
    for embedder in embedders.values():
        searcher = Searcher(alqac_settings, embedder)
        row = {}
        for mode in ("dense", "hybrid"):
            ranked = [searcher.search(text, mode=mode, k=10).unit_ids for text, _ in judged]
            row[f"alqac_{mode}_R@5"] = sum(recall_at(r, g, 5) for r, (_, g) in zip(ranked, judged)) / len(judged)
            row[f"alqac_{mode}_MRR@10"] = sum(mrr_at(r, g) for r, (_, g) in zip(ranked, judged)) / len(judged)
        rows.append(row)
    return rows


if __name__ == "__main__":
    main()

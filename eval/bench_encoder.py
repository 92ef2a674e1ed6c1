"""Question encoder benchmark: torch fp32 against the ONNX exports (fp32, int8), same passage vectors.

The shipped corpus is indexed once (torch fp32 passages, the normal builder) into a temp data dir;
each variant then embeds the dev questions against that index. Printed per variant: single-question
p50/p95 ms, mean/min cosine to torch fp32 over the dev questions, and dense-only and hybrid Recall@5 /
MRR@10 on the dev set, and with ``--alqac FOLDER`` the same on the ALQAC questions (its own data dir,
indexed once with torch fp32 passages). Needs ``hoidap model export-onnx`` first.

Timing: each variant in its own fresh process, 2 threads, the variants taking turns ``--rounds``
times (fp32, int8, fp32, int8, ...); the ONNX children never import torch, as in an API process
(:mod:`index.model.timing` says why this matters). ``--int8-plan PLAN`` (repeatable) also quantizes
the installed fp32 export with another plan (:func:`index.model.export.parse_plan`) and measures it.

    python eval/bench_encoder.py [--data-dir /tmp/hoidap-bench-encoder] [--rounds 2] [--alqac ../shared/bench/alqac]
                                 [--int8-plan ffn-output+last-layer-fp32 ...]
"""

from __future__ import annotations

import argparse
import os
import json
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus.ingest import Ingester  # noqa: E402
from corpus.store import Store  # noqa: E402
from core.settings import Settings  # noqa: E402
from eval.gold import load_gold, normalize, relevant_units  # noqa: E402
from eval.harness import retrieval_metrics, run_mode  # noqa: E402
from index.build import IndexBuilder  # noqa: E402
from index.model.embedder import Embedder  # noqa: E402
from index.model.encoder import FILES, ONNX_DIR, QUERY_ENCODERS, REPORT_NAME, read_report  # noqa: E402
from index.model.export import quantize  # noqa: E402
from index.model.timing import time_in_fresh_processes  # noqa: E402
from index.search import Searcher  # noqa: E402

THREADS = 2


def plan_model(model: Path, plan: str, folder: Path) -> Path:
    """A model folder beside ``model`` whose ``onnx/`` holds the installed fp32 export and ``plan``'s int8."""
    folder.mkdir(parents=True)
    for entry in model.iterdir():
        if entry.name != ONNX_DIR:
            (folder / entry.name).symlink_to(entry.resolve())
    (folder / ONNX_DIR).mkdir()
    (folder / ONNX_DIR / FILES["onnx-fp32"]).symlink_to((model / ONNX_DIR / FILES["onnx-fp32"]).resolve())
    kept = quantize(model / ONNX_DIR / FILES["onnx-fp32"], folder / ONNX_DIR / FILES["onnx-int8"], plan)
    report = {**(read_report(model) or {}), "int8_accepted": True, "onnx-int8": {"plan": plan, "fp32_nodes": len(kept)}}
    (folder / ONNX_DIR / REPORT_NAME).write_text(json.dumps(report), encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="/tmp/hoidap-bench-encoder")
    parser.add_argument("--rounds", type=int, default=2, help="fresh timing processes per variant, taking turns")
    parser.add_argument("--repeats", type=int, default=1, help="timed passes over the dev questions per process")
    parser.add_argument("--int8-plan", action="append", default=[], help="also measure this int8 plan (repeatable)")
    parser.add_argument("--alqac", help="an ALQAC-shaped folder: also its dense and hybrid R@5 / MRR@10 per variant")
    parser.add_argument("--alqac-data-dir", help="where the ALQAC index is kept (default: beside --data-dir); "
                                                 "reused between runs, so its passages are embedded once")
    args = parser.parse_args()
    # a question asked again must be timed as asked the first time: no cache of recent question vectors
    os.environ.setdefault("HOIDAP_QUERY_CACHE", "0")

    settings = Settings(data_dir=Path(args.data_dir), torch_threads=THREADS, query_encoder="torch")
    shutil.rmtree(settings.data_dir, ignore_errors=True)
    store = Store(settings.db_path)
    Ingester(store, settings).ingest_paths([settings.corpus_dir])
    model = Path(settings.model)
    models = {v: model for v in QUERY_ENCODERS}
    encoders = {v: v for v in QUERY_ENCODERS}
    for plan in args.int8_plan:
        key = f"onnx-int8 [{plan}]"
        models[key] = plan_model(model, plan, settings.data_dir / "plans" / plan.replace(",", "_"))
        encoders[key] = "onnx-int8"

    questions = load_gold()
    texts = [q.question for q in questions]
    timings = time_in_fresh_processes(model, list(models), texts, settings.query_prompt, threads=THREADS,
                                      rounds=args.rounds, repeats=args.repeats, labels=encoders,
                                      onnx_dirs={k: m / ONNX_DIR for k, m in models.items() if m != model})

    embedders = {k: Embedder.from_settings(settings.model_copy(update={"model": str(m), "query_encoder": encoders[k]}))
                 for k, m in models.items()}
    IndexBuilder(settings, store, embedders["torch"]).build()
    units = {u.id: (u.doc_id, normalize(u.text)) for u in store.units()}
    relevant = {q.id: relevant_units(q, units) for q in questions if not q.out_of_scope}
    reference = embedders["torch"].embed_queries(texts)
    report = read_report(model) or {}
    print(f"{len(texts)} dev questions, {len(units)} units, {THREADS} threads; "
          f"int8 at export: {report.get('onnx-int8', {}).get('plan', 'refused')}")

    rows = []
    for key, embedder in embedders.items():
        vectors = np.vstack([embedder.embed_queries([t]) for t in texts])  # one at a time, as served
        cos = (vectors * reference).sum(axis=1)
        timing = timings[key]
        row = {"variant": key if key != "onnx-int8" else f"onnx-int8 [{report.get('onnx-int8', {}).get('plan')}]",
               "p50_ms": timing.p50, "p95_ms": timing.p95, "cos_mean": float(cos.mean()), "cos_min": float(cos.min())}
        searcher = Searcher(settings, embedder)
        for mode in ("dense", "hybrid"):
            metrics = retrieval_metrics(run_mode(searcher, questions, mode), relevant)
            row[f"{mode}_R@5"], row[f"{mode}_MRR@10"] = metrics["recall@5"], metrics["mrr@10"]
        rows.append(row)
        print(f"{row['variant']}: p50 per round {timing.rounds_p50} ms (torch imported while timing: "
              f"{timing.torch_imported}); cosine min {row['cos_min']:.4f}, dev dense R@5 {row['dense_R@5']:.4f} "
              f"MRR@10 {row['dense_MRR@10']:.4f}, hybrid R@5 {row['hybrid_R@5']:.4f}", flush=True)
    if args.alqac:
        alqac_dir = Path(args.alqac_data_dir or f"{settings.data_dir}-alqac")
        for row, extra in zip(rows, _alqac_rows(Path(args.alqac), settings, alqac_dir, embedders)):
            row.update(extra)

    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(f"{row[k]:.1f}" if k.endswith("_ms") else f"{row[k]:.4f}" if isinstance(row[k], float)
                                else str(row[k]) for k in keys) + " |")
    base, fp32 = rows[0], rows[1]
    for row in rows[1:]:
        print(f"{row['variant']}: {base['p50_ms'] / row['p50_ms']:.2f}x torch p50, {fp32['p50_ms'] / row['p50_ms']:.2f}x "
              f"onnx-fp32; dense R@5 {row['dense_R@5'] - base['dense_R@5']:+.4f}, "
              f"hybrid R@5 {row['hybrid_R@5'] - base['hybrid_R@5']:+.4f}"
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

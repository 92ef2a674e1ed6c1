"""The same questions through the embedded backend and the Milvus backend, side by side.

Both serve the same index version (the Milvus collection is published from it); printed per backend:
Recall@5, MRR@10, search latency p50/p95 (hybrid mode, the question embedding included), and the
mean share of the top 5 units both return (top-5 overlap). Dev set: the shipped corpus; ``--alqac``:
an ALQAC-shaped folder (its laws as the corpus, its judged queries as questions).

    python -m eval.compare_backends [--alqac FOLDER] [--milvus-uri URI] [--data-dir DIR] [--json]

Without ``--milvus-uri`` a Milvus Lite server is started on a free loopback port for the run.
"""

from __future__ import annotations

import argparse
import os
import json
import sys
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.settings import Settings  # noqa: E402
from corpus.ingest import Ingester  # noqa: E402
from corpus.store import Store  # noqa: E402
from eval.gold import load_gold, normalize, relevant_units  # noqa: E402
from eval.metrics import mrr_at, percentile, recall_at  # noqa: E402
from eval.milvus_server import MilvusLiteServer  # noqa: E402
from index.build import IndexBuilder  # noqa: E402
from index.model.embedder import Embedder  # noqa: E402
from index.search import Searcher  # noqa: E402


def dev_questions(settings: Settings) -> list[tuple[str, set[str] | None]]:
    """The dev set over the shipped corpus: (question, relevant units; None when out of scope)."""
    store = Store(settings.db_path)
    Ingester(store, settings).ingest_paths([settings.corpus_dir])
    units = {u.id: (u.doc_id, normalize(u.text)) for u in store.units()}
    return [(q.question, None if q.out_of_scope else relevant_units(q, units)) for q in load_gold()]


def alqac_questions(folder: Path, settings: Settings) -> list[tuple[str, set[str] | None]]:
    from eval.alqac import ingest_alqac

    mapping = ingest_alqac(folder, Store(settings.db_path))
    queries = [json.loads(line) for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines()
               if line.strip()]
    judged = [(q["text"], {mapping[g] for g in q["gold"] if g in mapping}) for q in queries]
    return [(text, gold) for text, gold in judged if gold]


def compare(settings: Settings, milvus_uri: str, questions: list[tuple[str, set[str] | None]]) -> dict:
    embedder = Embedder.from_settings(settings)
    store = Store(settings.db_path)
    IndexBuilder(settings, store, embedder).build()
    milvus_settings = settings.model_copy(update={"backend": "milvus", "milvus_uri": milvus_uri})
    started = time.perf_counter()
    published = IndexBuilder(milvus_settings, store, embedder).build()
    publish_s = time.perf_counter() - started
    searchers = {"embedded": Searcher(settings, embedder), "milvus": Searcher(milvus_settings, embedder)}
    ranked: dict[str, list[list[str]]] = {name: [] for name in searchers}
    latency: dict[str, list[float]] = {name: [] for name in searchers}
    for name, searcher in searchers.items():
        searcher.search(questions[0][0])  # warm: the version loaded, the connection made
        for question, _ in questions:
            t = time.perf_counter()
            ranked[name].append(searcher.search(question, k=10).unit_ids)
            latency[name].append((time.perf_counter() - t) * 1000)
    judged = [i for i, (_, gold) in enumerate(questions) if gold]
    out: dict = {"questions": len(questions), "answerable": len(judged), "milvus_publish": published.milvus,
                 "milvus_publish_s": publish_s}
    for name in searchers:
        runs = ranked[name]
        out[name] = {"recall@5": sum(recall_at(runs[i], questions[i][1], 5) for i in judged) / max(len(judged), 1),
                     "mrr@10": sum(mrr_at(runs[i], questions[i][1]) for i in judged) / max(len(judged), 1),
                     "p50_ms": percentile(latency[name], 50), "p95_ms": percentile(latency[name], 95)}
    pairs = list(zip(ranked["embedded"], ranked["milvus"]))
    out["top5_overlap"] = sum(len(set(a[:5]) & set(b[:5])) / max(min(5, len(a)), 1) for a, b in pairs) / len(pairs)
    out["same_top1"] = sum(a[:1] == b[:1] for a, b in pairs) / len(pairs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alqac", metavar="FOLDER", help="an ALQAC-shaped folder instead of the dev set")
    parser.add_argument("--milvus-uri", help="a running Milvus (default: start Milvus Lite for the run)")
    parser.add_argument("--data-dir", default="/tmp/hoidap-compare", help="where the corpus and index are built")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    # a question asked again must be timed as asked the first time: no cache of recent question vectors
    os.environ.setdefault("HOIDAP_QUERY_CACHE", "0")
    root = Path(args.data_dir) / ("alqac" if args.alqac else "dev")
    settings = Settings(data_dir=root)
    questions = alqac_questions(Path(args.alqac), settings) if args.alqac else dev_questions(settings)
    with ExitStack() as stack:
        uri = args.milvus_uri or stack.enter_context(MilvusLiteServer(root / "milvus")).uri
        report = compare(settings, uri, questions)
    if args.json:
        print(json.dumps(report))
        return
    print(f"{'ALQAC' if args.alqac else 'dev set'}: {report['questions']} questions ({report['answerable']} judged); "
          f"Milvus collection published ({report['milvus_publish']}) in {report['milvus_publish_s']:.1f} s")
    print("| backend | Recall@5 | MRR@10 | search p50 / p95 (ms) |")
    print("|---|---|---|---|")
    for name in ("embedded", "milvus"):
        r = report[name]
        print(f"| {name} | {r['recall@5']:.3f} | {r['mrr@10']:.3f} | {r['p50_ms']:.1f} / {r['p95_ms']:.1f} |")
    print(f"top-5 overlap {report['top5_overlap']:.3f}, same first unit {report['same_top1']:.3f}")


if __name__ == "__main__":
    main()

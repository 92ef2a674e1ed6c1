"""The ALQAC benchmark (or any folder of its shape): one unit per article, its own data
directory, the same retrieval metrics plus Macro-F2 of the returned set."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable

from corpus.ingest import doc_id_for
from corpus.model import Document, Metadata, Segment
from corpus.store import Store
from eval.metrics import f2, mrr_at, ndcg_at, percentile, recall_at
from core.settings import Settings
from index.build import IndexBuilder
from index.search import MODES, Searcher

log = logging.getLogger(__name__)


def _unit_id(doc_id: str, article: str) -> str:
    return f"{doc_id}.d{article}"


def ingest_alqac(folder: Path, store: Store) -> dict[str, str]:
    """Store each law as a document and each article as a unit; returns gold id → unit id."""
    corpus = folder / "corpus.jsonl"
    if not corpus.exists() or not (folder / "queries.jsonl").exists():
        raise ValueError(f"{folder}: cần corpus.jsonl và queries.jsonl (dạng ALQAC)")
    laws: dict[str, list[dict]] = defaultdict(list)
    for line in corpus.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            laws[row["law_id"]].append(row)
    mapping: dict[str, str] = {}
    for law_id, rows in laws.items():
        doc_id = doc_id_for(law_id)
        digest = hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()
        units = []
        for ordinal, row in enumerate(rows):
            uid = _unit_id(doc_id, row["article_id"])
            mapping[row["doc_id"]] = uid
            units.append(Segment(id=uid, doc_id=doc_id, ordinal=ordinal, kind="article", label=f"Điều {row['article_id']}",
                                 breadcrumb=[law_id], text=row["text"], start=0, end=len(row["text"]), context=law_id))
        if store.content_hash(doc_id) == digest:
            continue
        meta = Metadata(doc_type="Luật", number=None, issuer="Quốc hội", province=None, date=None, date_text=None,
                        title=law_id, signer=None)
        store.put_document(Document(doc_id, str(corpus), digest, "", "", meta, units), "jsonl")
    return mapping


def evaluate_alqac(folder: Path, settings: Settings, modes: tuple[str, ...] = MODES,
                   progress: Callable[[str, int, int], None] | None = None,
                   build_progress: Callable | None = None) -> dict:
    """``{mode: {metric: value}}`` on the folder's queries (those with a gold article in the corpus)."""
    store = Store(settings.db_path)
    mapping = ingest_alqac(folder, store)
    IndexBuilder(settings, store).build(progress=build_progress)
    queries = [json.loads(line) for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    judged = [(q, {mapping[g] for g in q["gold"] if g in mapping}) for q in queries]
    judged = [(q, gold) for q, gold in judged if gold]
    searcher = Searcher(settings)
    report: dict = {"_questions": len(judged), "_skipped": len(queries) - len(judged)}
    for mode in modes:
        sums: dict[str, float] = defaultdict(float)
        latencies = []
        for done, (q, gold) in enumerate(judged, 1):
            started = time.perf_counter()
            result = searcher.search(q["text"], mode=mode, k=10)
            latencies.append((time.perf_counter() - started) * 1000)
            ranked = result.unit_ids
            for k in (1, 3, 5, 10):
                sums[f"recall@{k}"] += recall_at(ranked, gold, k)
            sums["mrr@10"] += mrr_at(ranked, gold)
            sums["ndcg@10"] += ndcg_at(ranked, gold)
            sums["macro_f2"] += f2(set(ranked[:1]), gold)
            if progress:
                progress(f"alqac-{mode}", done, len(judged))
        metrics = {name: value / len(judged) for name, value in sums.items()}
        metrics["latency_p50_ms"] = percentile(latencies, 50)
        metrics["latency_p95_ms"] = percentile(latencies, 95)
        metrics["questions"] = float(len(judged))
        report[mode] = metrics
    return report

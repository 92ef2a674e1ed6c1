"""The ALQAC benchmark (or any folder of its shape): one unit per article, its own data
directory, the same retrieval metrics plus Macro-F2 of the returned set."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable

from core.settings import Settings
from corpus.model import Document, Metadata, Segment
from corpus.store import Store
from corpus.text import fold
from eval.metrics import f2, mrr_at, ndcg_at, percentile, recall_at
from index.build import IndexBuilder
from index.search import MODES, Searcher

log = logging.getLogger(__name__)


_SLUG_CHARS = 72
FILES = ("corpus.jsonl", "queries.jsonl")


def _unit_id(doc_id: str, article: str) -> str:
    return f"{doc_id}.d{article}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text).lower()).strip("-")


def law_doc_ids(law_ids: list[str]) -> dict[str, str]:
    """One document id per law, unique: the whole id slugified ("45/2019/QH14" → "45-2019-qh14").

    Ids that slugify alike ("Luật A/B", "Luật A-B"), or are too long, get a hash of the id appended,
    so the result does not depend on the order the laws come in.

    >>> law_doc_ids(["45/2019/QH14", "24/2018/QH14"])
    {'45/2019/QH14': '45-2019-qh14', '24/2018/QH14': '24-2018-qh14'}
    """
    slugs = {law_id: _slug(law_id) for law_id in law_ids}
    count: dict[str, int] = defaultdict(int)
    for slug in set(slugs.values()):
        count[slug] = sum(1 for other in slugs.values() if other == slug)
    out = {}
    for law_id, slug in slugs.items():
        if not slug or count[slug] > 1 or len(slug) > _SLUG_CHARS:
            digest = hashlib.sha256(law_id.encode()).hexdigest()[:8]
            slug = f"{slug[:_SLUG_CHARS - 9].strip('-')}-{digest}".strip("-")
        out[law_id] = slug
    return out


def data_dir_for(folder: Path, base: Path) -> Path:
    """The data directory of one ALQAC-shaped folder below ``base``: its name, then a hash of its
    resolved path and of its files' bytes, so two folders (or a folder whose files changed) never
    share an index."""
    resolved = folder.resolve()
    digest = hashlib.sha256(str(resolved).encode())
    for name in FILES:
        path = resolved / name
        if not path.exists():
            raise ValueError(f"{folder}: cần corpus.jsonl và queries.jsonl (dạng ALQAC); thiếu {name}")
        digest.update(path.read_bytes())
    return base / "alqac" / f"{_slug(resolved.name) or 'folder'}-{digest.hexdigest()[:12]}"


def ingest_alqac(folder: Path, store: Store) -> dict[str, str]:
    """Store each law as a document and each article as a unit; returns gold id → unit id."""
    corpus = folder / "corpus.jsonl"
    if not all((folder / name).exists() for name in FILES):
        raise ValueError(f"{folder}: cần corpus.jsonl và queries.jsonl (dạng ALQAC)")
    laws: dict[str, list[dict]] = defaultdict(list)
    for line in corpus.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            laws[row["law_id"]].append(row)
    mapping: dict[str, str] = {}
    doc_ids = law_doc_ids(list(laws))
    for law_id, rows in laws.items():
        doc_id = doc_ids[law_id]
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
    stale = [doc["id"] for doc in store.list_documents() if doc["id"] not in set(doc_ids.values())]
    for doc_id in stale:
        # a data directory given by hand may hold another folder's laws: searching them would mix corpora
        log.warning("ALQAC: %s is not a law of %s; removed from this data directory", doc_id, folder)
        store.delete_document(doc_id)
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

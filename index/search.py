"""Searching the current index version: lexical and dense lists, fusion, filters, abstention.

The searcher notices a new version named in ``CURRENT`` and switches to it without restart.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from corpus.text import fold, match_form
from core.errors import InvalidQuery
from core.settings import Settings
from index.build import load_dense
from index.dense import DenseIndex, Embedder
from index.abstain import Signals, signals
from index.fuse import Hit, rrf, top_positions
from index.lexical import LexicalIndex
from index.tokenize import expand_text, tokenize
from index.versions import Manifest, VersionStore

log = logging.getLogger(__name__)

MODES = ("bm25", "dense", "hybrid")
FILTER_KEYS = ("province", "doc_type", "year", "doc_id")
CANDIDATES = 100


@dataclass
class SearchResult:
    """Fused hits with their unit ids, the abstention decision and its signals."""

    query: str
    mode: str
    hits: list[Hit]
    unit_ids: list[str]
    doc_ids: list[str]
    abstained: bool
    confidence: float
    version: str
    timings: dict[str, float] = field(default_factory=dict)
    matched_docs: list[str] = field(default_factory=list)
    signals: Signals | None = None


class _Loaded:
    """One version in memory."""

    def __init__(self, folder: Path, manifest: Manifest, settings: Settings) -> None:
        self.folder, self.manifest = folder, manifest
        self.rows = json.loads((folder / "units.json").read_text())
        self.docs: dict[str, dict] = json.loads((folder / "docs.json").read_text())
        self.lexical = LexicalIndex.load(folder)
        self.dense: DenseIndex = load_dense(folder, settings)
        self.unit_ids = [r["id"] for r in self.rows]
        self.quantity = [r.get("q", True) for r in self.rows]  # versions written before the flag: never abstain on it
        self.doc_of = np.array([r["doc_id"] for r in self.rows], dtype=object)
        doc_index = {d: i for i, d in enumerate(self.docs)}
        self.doc_pos = np.array([doc_index[d] for d in self.doc_of], dtype=np.int32) if self.rows else np.zeros(0, np.int32)
        self.doc_list = list(self.docs)
        self._titles = {d: fold(match_form(info["title"])) for d, info in self.docs.items()}
        self.provinces = {info["province"] for info in self.docs.values() if info["province"]}

    def positions_of_docs(self, doc_ids: set[str]) -> np.ndarray:
        wanted = np.array([d in doc_ids for d in self.doc_list], dtype=bool)
        return wanted[self.doc_pos] if self.rows else np.zeros(0, bool)


class Searcher:
    """Hybrid search over the current index version.

    Args:
        settings: model, fusion weights, abstention threshold, index folder.
        embedder: shared with the builder in one process; loaded on first dense search otherwise.

    Example:
        >>> searcher = Searcher(Settings())                       # doctest: +SKIP
        >>> searcher.search("kinh phi de an lay tu dau").unit_ids[:1]  # doctest: +SKIP
    """

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self.versions = VersionStore(settings.index_dir)
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()
        self._checked = 0.0

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = Embedder.from_settings(self.settings)
        return self._embedder

    def invalidate(self) -> None:
        """Look at CURRENT on the next search (this process just built a new version)."""
        self._checked = 0.0

    def current(self) -> _Loaded:
        """The version named in CURRENT, reloaded when it changes (checked at most every 0.5 s)."""
        now = time.monotonic()
        loaded = self._loaded
        if loaded is not None and now - self._checked < 0.5:
            return loaded
        name = self.versions.current_name()
        if loaded is not None and name == loaded.manifest.version:
            self._checked = now
            return loaded
        with self._lock:
            if self._loaded is None or self._loaded.manifest.version != name:
                folder, manifest = self.versions.current()
                manifest.check(self.settings.model)
                self._loaded = _Loaded(folder, manifest, self.settings)
                log.info("serving index version %s (%d units)", manifest.version, manifest.units)
            self._checked = now
            return self._loaded

    # --- filters and document references ---------------------------------------------------

    def _allowed(self, idx: _Loaded, filters: dict | None) -> np.ndarray | None:
        if not filters:
            return None
        unknown = set(filters) - set(FILTER_KEYS)
        if unknown:
            raise InvalidQuery(f"bộ lọc không hợp lệ: {', '.join(sorted(unknown))}; chấp nhận: {', '.join(FILTER_KEYS)}",
                               code="invalid_filter")
        keep = set(idx.docs)
        if filters.get("province"):
            wanted = match_form(str(filters["province"]))
            options = sorted({d["province"] for d in idx.docs.values() if d["province"]})
            if wanted not in {match_form(o) for o in options} and fold(wanted) not in {fold(match_form(o)) for o in options}:
                raise InvalidQuery(f"tỉnh '{filters['province']}' không có trong kho văn bản; chấp nhận: {', '.join(options)}",
                                   code="invalid_filter")
            keep &= {k for k, d in idx.docs.items() if d["province"] and fold(match_form(d["province"])) == fold(wanted)}
        if filters.get("doc_type"):
            wanted = match_form(str(filters["doc_type"]))
            options = sorted({t for d in idx.docs.values() for t in d["types"]})
            if wanted not in {match_form(o) for o in options}:
                raise InvalidQuery(f"loại văn bản '{filters['doc_type']}' không có; chấp nhận: {', '.join(options)}",
                                   code="invalid_filter")
            keep &= {k for k, d in idx.docs.items() if wanted in {match_form(t) for t in d["types"]}}
        if filters.get("year") not in (None, ""):
            try:
                year = int(filters["year"])
            except (TypeError, ValueError):
                raise InvalidQuery(f"năm '{filters['year']}' không hợp lệ; cần một số như 2022", code="invalid_filter") from None
            keep &= {k for k, d in idx.docs.items() if d["year"] == year or str(year) in d["title"]}
        if filters.get("doc_id"):
            if filters["doc_id"] not in idx.docs:
                raise InvalidQuery(f"không có văn bản mã '{filters['doc_id']}'", code="invalid_filter")
            keep &= {filters["doc_id"]}
        return idx.positions_of_docs(keep)

    def matched_documents(self, idx: _Loaded, question: str) -> dict[str, int]:
        """Documents the question names: by number, province, year, or (part of) their title."""
        folded = fold(match_form(question))
        numbers = set(re.findall(r"\b\d{2,5}\b", folded))
        years = set(re.findall(r"\b(?:19|20)\d{2}\b", folded))
        found: dict[str, int] = {}
        for doc_id, info in idx.docs.items():
            score = 0
            if info["number"] and info["number"].split("/")[0] in numbers:
                score += 2
            if info["province"] and fold(match_form(info["province"])) in folded:
                score += 1
            if years and (str(info["year"]) in years or any(y in info["title"] for y in years)):
                score += 1
            title = idx._titles[doc_id]
            name = re.sub(r"^(?:luat|bo luat|nghi dinh|thong tu)\s+", "", title)
            if len(name) >= 8 and name in folded:
                score += 2
            if score:
                found[doc_id] = score
        return found

    # --- search --------------------------------------------------------------------------------

    def candidate_lists(self, idx: _Loaded, query: str, mode: str, allowed: np.ndarray | None,
                        timings: dict[str, float]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The ranked lists to fuse: BM25 on each field and the dense list, top 100 each."""
        lists: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        t0 = time.perf_counter()
        if mode in ("bm25", "hybrid"):
            tokens = tokenize(query)
            for field_name, list_name in (("words", "bm25"), ("folded", "bm25_folded")):
                scores = idx.lexical.scores(tokens, field_name)
                top = top_positions(scores, CANDIDATES, allowed)
                lists[list_name] = (top, scores[top])
        timings["lexical_ms"] = (time.perf_counter() - t0) * 1000
        if mode in ("dense", "hybrid") and idx.manifest.units:
            t1 = time.perf_counter()
            vector = self.embedder.embed_queries([expand_text(query)])[0]
            timings["embed_ms"] = (time.perf_counter() - t1) * 1000
            positions, sims = idx.dense.search(vector, CANDIDATES, allowed)
            lists["dense"] = (positions, sims)
            timings["dense_ms"] = (time.perf_counter() - t1) * 1000
        return lists

    def fuse(self, idx: _Loaded, lists: dict[str, tuple[np.ndarray, np.ndarray]], matched: dict[str, int],
             k: int, settings: Settings | None = None) -> list[Hit]:
        """Weighted RRF of the lists, plus a boost for units of the documents the question names."""
        s = settings or self.settings
        weights = {"bm25": s.weight_bm25, "bm25_folded": s.weight_bm25_folded, "dense": s.weight_dense}
        boost: dict[int, float] = {}
        if matched:
            for positions, _ in lists.values():
                for position in positions.tolist():
                    extra = matched.get(idx.doc_of[position], 0)
                    if extra:
                        boost[position] = s.weight_doc_match * extra / s.rrf_k
        return rrf(lists, weights, s.rrf_k, boost)[:k]

    def search(self, query: str, *, mode: str = "hybrid", k: int = 10, filters: dict | None = None,
               prefer: dict[str, int] | None = None) -> SearchResult:
        """Ranked units for ``query``; ``prefer`` boosts documents (e.g. the previous turn's)."""
        if mode not in MODES:
            raise InvalidQuery(f"mode={mode!r} không hợp lệ; chấp nhận: {', '.join(MODES)}", code="invalid_mode")
        query = query.strip()
        if not query:
            raise InvalidQuery("câu hỏi trống; hãy nhập nội dung cần tra cứu", code="empty_question")
        started = time.perf_counter()
        idx = self.current()
        timings: dict[str, float] = {}
        allowed = self._allowed(idx, filters)
        lists = self.candidate_lists(idx, query, mode, allowed, timings)
        matched = self.matched_documents(idx, query)
        for doc_id, extra in (prefer or {}).items():
            matched[doc_id] = matched.get(doc_id, 0) + extra
        hits = self.fuse(idx, lists, matched, k)
        confidence = self.confidence(hits, lists)
        why = signals(query, [h.position for h in hits], confidence, idx.lexical, idx.provinces,
                      [idx.quantity[h.position] for h in hits])
        min_dense = self.settings.abstain_threshold if "dense" in lists else -1.0
        abstained = why.abstain(min_dense, self.settings.abstain_min_coverage) if mode == "hybrid" else \
            (confidence < min_dense)
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        return SearchResult(query=query, mode=mode, hits=hits, unit_ids=[idx.unit_ids[h.position] for h in hits],
                            doc_ids=[idx.doc_of[h.position] for h in hits], abstained=abstained or not hits,
                            confidence=confidence, version=idx.manifest.version, timings=timings,
                            matched_docs=sorted(matched, key=lambda d: -matched[d]), signals=why)

    @staticmethod
    def confidence(hits: list[Hit], lists: dict[str, tuple[np.ndarray, np.ndarray]]) -> float:
        """How sure we are that the documents answer: the best dense similarity among the top
        fused hits, raised a little when the lexical lists agree on the top hit."""
        if not hits:
            return 0.0
        dense = lists.get("dense")
        sims = [h.scores.get("dense", 0.0) for h in hits[:3]]
        best = max(sims) if any(sims) else (float(dense[1][0]) if dense is not None and len(dense[1]) else 0.0)
        top = hits[0]
        agree = sum(1 for name in ("bm25", "bm25_folded", "dense") if top.ranks.get(name, 99) <= 3)
        return best + 0.01 * agree

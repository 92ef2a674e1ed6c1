"""Searching the current index version: lexical and dense lists, fusion, filters, abstention.

The version searched is the one :mod:`index.serving` serves (it notices a new one without restart);
each search holds one :class:`Snapshot` from start to end, and its hits carry their unit and document
records, so nothing after the search needs to read another store.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace

import numpy as np

from core.errors import InvalidQuery
from core.settings import Settings
from index.abstain import Signals, signals
from index.answerability.evidence import Candidate, DocEvidence, Evidence, asked_places, naming_units, places_mentioned
from index.answerability.features import candidate_features, question_features
from index.answerability.model import Logistic
from index.answerability.terms import TermStats
from index.answerability.vetoes import effect_first, header_last, place_last
from index.model.embedder import Embedder
from index.filters import FILTER_KEYS, allowed_docs, named_documents, singled_out, title_named
from index.fuse import rrf
from index.inforce import prefer_in_force
from index.items import asked_items, missing_items
from index.query import Query, analyse
from index.serving import Serving
from index.snapshot import Snapshot
from index.verify import Question, QuestionCache
from corpus.text import fold, match_form
from index.versions import DocRecord, UnitRecord

log = logging.getLogger(__name__)

MODES = ("bm25", "dense", "hybrid")
CANDIDATES = 100
RERANK_POOL = 10  # candidates the rerank model reorders
__all__ = ["FILTER_KEYS", "MODES", "SearchHit", "SearchResult", "Searcher"]

Lists = dict[str, tuple[np.ndarray, np.ndarray]]


@dataclass
class SearchHit:
    """One unit found: its record and its document's, its fused score, and its rank and score in
    each list that found it (1-based ranks)."""

    unit: UnitRecord
    doc: DocRecord
    score: float
    position: int
    ranks: dict[str, int] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    rerank: float | None = None  # the rerank model's probability, for the hits it reordered
    verified: float | None = None  # the semantic verifier's P(this unit answers), for the same hits


@dataclass
class SearchResult:
    """Fused hits of one snapshot, the abstention decision and its signals."""

    query: Query
    mode: str
    hits: list[SearchHit]
    abstained: bool
    confidence: float
    version: str
    timings: dict[str, float] = field(default_factory=dict)
    matched_docs: list[str] = field(default_factory=list)
    signals: Signals | None = None
    answerable: float | None = None  # the answerability model's probability (None: no model)
    features: dict[str, float] = field(default_factory=dict)  # the question features it was given
    reason: str | None = None  # why it abstained: a veto of index.answerability, "low_confidence", "no_hits"
    verifier_question: Question | None = None  # the question's tokens for the version's verifier (quotes)

    @property
    def unit_ids(self) -> list[str]:
        return [h.unit.id for h in self.hits]

    @property
    def doc_ids(self) -> list[str]:
        return [h.unit.doc_id for h in self.hits]


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
        self.serving = Serving(settings)
        self.milvus = self.serving.milvus
        self._questions = QuestionCache()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = Embedder.from_settings(self.settings)
        return self._embedder

    def invalidate(self) -> None:
        """Look at CURRENT on the next search (this process just built a new version)."""
        self.serving.invalidate()

    def current(self) -> Snapshot:
        """The version served (:meth:`index.serving.Serving.current`)."""
        return self.serving.current()

    def _check_encoder(self, snap: Snapshot) -> None:
        """Once per version: questions must be embedded by the passages' model (refused otherwise);
        another variant of it than the one recorded at build time is logged."""
        if snap.encoder_checked:
            return
        warning = snap.manifest.check_query_encoder(self.embedder.query_encoder, self.embedder.query_source)
        if warning:
            log.warning(warning)
        snap.encoder_checked = True

    # --- the parts of a search -------------------------------------------------------------

    def candidate_lists(self, snap: Snapshot, query: Query, mode: str, docs: set[str] | None,
                        timings: dict[str, float]) -> tuple[Lists, np.ndarray | None]:
        """The ranked lists to fuse (BM25 on each field and the dense list, top 100 each) and the
        question's vector (None without a dense list); from Milvus with the milvus backend."""
        if self.milvus is not None:
            vector = None
            if mode in ("dense", "hybrid") and snap.manifest.units:
                t1 = time.perf_counter()
                vector = self._encode(snap, query)
                timings["embed_ms"] = (time.perf_counter() - t1) * 1000
            lexical = snap.lexical if mode in ("bm25", "hybrid") else None  # the IDF of the question's terms
            lists = self.milvus.candidate_lists(snap.position, query.tokens, vector, lexical, CANDIDATES, docs, timings)
            return lists, vector
        allowed = None if docs is None else snap.positions_of_docs(docs)
        lists: Lists = {}
        vector = None
        t0 = time.perf_counter()
        if mode in ("bm25", "hybrid"):
            for field_name, list_name in (("words", "bm25"), ("folded", "bm25_folded")):
                lists[list_name] = snap.lexical.top(query.tokens, field_name, CANDIDATES, allowed)
        timings["lexical_ms"] = (time.perf_counter() - t0) * 1000
        if mode in ("dense", "hybrid") and snap.manifest.units:
            self._check_encoder(snap)
            t1 = time.perf_counter()
            vector = self._encode(snap, query)
            timings["embed_ms"] = (time.perf_counter() - t1) * 1000
            positions, sims = snap.dense.search(vector, CANDIDATES, allowed)
            lists["dense"] = (positions, sims)
            timings["dense_ms"] = (time.perf_counter() - t1) * 1000
        return lists, vector

    def _encode(self, snap: Snapshot, query: Query) -> np.ndarray:
        """The question's vector; with a verifier in the version, its projected tokens too, from the
        same run of the encoder, kept for :meth:`evidence` (see :meth:`verifier_question`)."""
        if snap.verifier is None or not self.embedder.has_tokens:
            return self.embedder.embed_queries([query.expanded])[0]
        vector, states = self.embedder.embed_query_tokens(query.expanded)
        self._questions.put((snap.version, query.expanded), snap.verifier.head.question(states))
        return vector

    def verifier_question(self, snap: Snapshot, query: Query) -> Question | None:
        """The question's tokens as the version's verifier reads them (None: no verifier); encoded
        once per question text and version, with its vector."""
        if snap.verifier is None or not self.embedder.has_tokens:
            return None
        key = (snap.version, query.expanded)
        question = self._questions.get(key)
        if question is None:  # lists that did not embed the question here (bm25 mode, Milvus)
            question = snap.verifier.head.question(self.embedder.embed_query_tokens(query.expanded)[1])
            self._questions.put(key, question)
        return question

    def fuse(self, snap: Snapshot, lists: Lists, matched: dict[str, int], k: int,
             settings: Settings | None = None) -> list[SearchHit]:
        """Weighted RRF of the lists, plus a boost for units of the documents the question names."""
        s = settings or self.settings
        weights = {"bm25": s.weight_bm25, "bm25_folded": s.weight_bm25_folded, "dense": s.weight_dense}
        boost: dict[int, float] = {}
        if matched:
            for positions, _ in lists.values():
                for position in positions.tolist():
                    extra = matched.get(snap.doc_of(position), 0)
                    if extra:
                        boost[position] = s.weight_doc_match * extra / s.rrf_k
        fused = rrf(lists, weights, s.rrf_k, boost)[:k]
        return [SearchHit(unit=snap.units[h.position], doc=snap.docs[snap.doc_of(h.position)], score=h.score,
                          position=h.position, ranks=h.ranks, scores=h.scores) for h in fused]

    def evidence(self, snap: Snapshot, query: Query, hits: list[SearchHit], lists: Lists,
                 vector: np.ndarray | None, matched: dict[str, int]) -> tuple[Evidence, TermStats]:
        """What the answerability and rerank features are computed from."""
        positions = [h.position for h in hits]
        if vector is not None and positions:
            dense = (snap.dense.vectors[positions] @ vector).astype(float).tolist()
        else:
            dense = [h.scores.get("dense", 0.0) for h in hits]
        lexical = lists.get("bm25_folded", (np.zeros(0, np.int64), None))[0][:5].tolist()
        question = self.verifier_question(snap, query) if positions else None
        named = singled_out(matched, lambda: title_named(snap, query))
        naming = {place: naming_units(snap.lexical, place) for place in asked_places(query)}  # units naming each
        verified = snap.verifier.scores(question, positions).tolist() if question is not None else [None] * len(hits)
        candidates = [Candidate(position=h.position, score=h.score, ranks=h.ranks, dense=cosine, text=h.unit.text,
                                heading=h.unit.breadcrumb[-1] if h.unit.breadcrumb else "", kind=h.unit.kind,
                                quantity=h.unit.quantity, doc_year=f"{h.doc.year or ''} {h.doc.title}",
                                doc_place=fold(match_form(h.doc.province)) if h.doc.province else "",
                                doc_named=h.doc.id in named, doc=snap.doc_evidence[h.doc.id], verified=score,
                                doc_id=h.doc.id)
                      for h, cosine, score in zip(hits, dense, verified)]
        ev = Evidence(query=query, candidates=candidates, lexical_top5=lexical,
                      dense_top5=lists.get("dense", (np.zeros(0, np.int64), None))[0][:5].tolist(),
                      all_doc_numbers=snap.doc_numbers, corpus_docs=self.place_docs(snap, query, naming),
                      evidence_places=snap.evidence_places | {p for p, units in naming.items() if len(units)},
                      corpus_numbers=frozenset(n for n, posting in zip(query.numbers, snap.lexical.postings(
                          list(query.numbers), "folded")) if posting is not None))
        asked = asked_items(query.text)
        if asked:  # the documents the question names, else those of the candidates
            docs = set(matched) or {h.doc.id for h in hits}
            ev.missing_items = missing_items(asked, [snap.items_of(d) for d in sorted(docs)])
        return ev, TermStats(query, snap.lexical, positions, snap.doc_pos)

    @staticmethod
    def place_docs(snap: Snapshot, query: Query, naming: dict[str, np.ndarray] | None = None) -> list[DocEvidence]:
        """The documents that may be of the provinces the question names (:attr:`Evidence.corpus_docs`);
        ``naming``: the units naming each of them, when the search has found them already."""
        if naming is None:
            naming = {place: naming_units(snap.lexical, place) for place in asked_places(query)}
        if not naming:
            return list(snap.doc_evidence.values())
        positions = np.concatenate(list(naming.values()))
        naming = {snap.doc_list[i] for i in np.unique(snap.doc_pos[positions])} if len(positions) else set()
        return [ev for doc_id, ev in snap.doc_evidence.items() if ev.places or doc_id in naming]

    def search(self, query: Query | str, *, mode: str = "hybrid", k: int = 10, filters: dict | None = None,
               prefer: dict[str, int] | None = None, snapshot: Snapshot | None = None) -> SearchResult:
        """Ranked units for ``query``; ``prefer`` boosts documents (e.g. the previous turn's).

        ``snapshot`` is the version to search (an answer takes one and searches it for every part);
        the serving version when not given.

        With an answerability model in the version (hybrid mode), the top candidates are reranked by
        it and the abstention is its calibrated probability against its threshold; otherwise the
        fused order and the hand thresholds of :mod:`index.abstain` decide.
        """
        if mode not in MODES:
            raise InvalidQuery(f"mode={mode!r} không hợp lệ; chấp nhận: {', '.join(MODES)}", code="invalid_mode")
        started = time.perf_counter()
        snap = snapshot or self.current()
        if isinstance(query, str):
            query = analyse(query, syllables=snap.syllables)
        timings: dict[str, float] = {}
        docs = allowed_docs(snap, filters)
        lists, vector = self.candidate_lists(snap, query, mode, docs, timings)
        matched = named_documents(snap, query)
        for doc_id, extra in (prefer or {}).items():
            matched[doc_id] = matched.get(doc_id, 0) + extra
        hits = self.fuse(snap, lists, matched, max(k, RERANK_POOL))
        confidence = self.confidence(hits, lists)
        model = snap.answerability if mode == "hybrid" else None
        answerable, features, reason, why = None, {}, None, None
        if model is not None and hits:
            t2 = time.perf_counter()
            hits, ev, stats = self.rerank(snap, query, hits, lists, vector, matched)
            features = question_features(ev, stats)
            answerable, reason = model.decide(features)
            timings["answerability_ms"] = (time.perf_counter() - t2) * 1000
        else:
            known = snap.evidence_places | places_mentioned(snap.lexical, asked_places(query))
            why = signals(query, [h.position for h in hits], confidence, snap.lexical, known,
                          [h.unit.quantity for h in hits])
            min_dense = self.settings.abstain_threshold if "dense" in lists else -1.0
            abstained = why.abstain(min_dense, self.settings.abstain_min_coverage) if mode == "hybrid" else \
                (confidence < min_dense)
            reason = why.reason() if abstained else None
        if not hits:
            reason = "no_hits"
        hits = prefer_in_force(hits, query, matched)
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        return SearchResult(query=query, mode=mode, hits=hits[:k], abstained=reason is not None,
                            confidence=confidence, version=snap.version, timings=timings,
                            matched_docs=sorted(matched, key=lambda d: -matched[d]), signals=why,
                            answerable=answerable, features=features, reason=reason,
                            verifier_question=self._questions.get((snap.version, query.expanded)))

    def rerank(self, snap: Snapshot, query: Query, hits: list[SearchHit], lists: Lists, vector: np.ndarray | None,
               matched: dict[str, int], model: Logistic | None = None) -> tuple[list[SearchHit], Evidence, TermStats]:
        """The first ``RERANK_POOL`` hits reordered by ``model`` (the version's rerank model when not
        given; the rest keep their order), with the evidence of the reordered pool, computed once."""
        pool = hits[:RERANK_POOL]
        ev, stats = self.evidence(snap, query, pool, lists, vector, matched)
        for hit, verified in zip(pool, ev.verified or ()):
            hit.verified = verified
        if model is None and snap.answerability is not None:
            model = snap.answerability.rerank
        if model is None or len(pool) < 2:
            return hits, ev, stats
        p = model.probability([candidate_features(ev, stats, j) for j in range(len(pool))])
        for hit, probability in zip(pool, p):
            hit.rerank = float(probability)
        ev = replace(ev, candidates=[replace(c, rerank=float(probability)) for c, probability in zip(ev.candidates, p)])
        order = sorted(range(len(pool)), key=lambda j: (-p[j], j))
        # a title block answers questions about its document only (number, date, issuer, subject);
        # a unit of another province than the one asked comes after the others
        order = [order[j] for j in header_last([pool[i].unit.kind for i in order], query)]
        order = [order[j] for j in place_last(ev.reordered(order), query)]
        # "QĐ 3303 … có hiệu lực trong thời gian nào": the clause of effect of the document the question names
        if ev.candidates[order[0]].doc_named:
            order = [order[j] for j in effect_first([pool[i].unit.text for i in order],
                                                    [pool[i].unit.doc_id for i in order], query)]
        return [pool[j] for j in order] + hits[RERANK_POOL:], ev.reordered(order), stats.reordered(order)

    @staticmethod
    def confidence(hits: list[SearchHit], lists: Lists) -> float:
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

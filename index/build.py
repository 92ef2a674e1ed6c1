"""Building and updating the index from the store.

Units whose embedded text (its hash) did not change reuse the previous version's vector and
tokens, so adding, replacing or removing one document embeds only that document's units.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from corpus.model import Metadata, Segment
from corpus.relations import REPEALS, Relations, resolve
from corpus.store import Store
from index.answerability.evidence import document_places, states_quantity
from index.dense import write_ann
from index.model.embedder import HASHING_MODEL, Embedder
from index.embed_cache import EmbeddingCache
from index.lexical import LexicalIndex
from index.model.encoder import resolve_query_encoder, source_fingerprint
from index.restore import STATS_KEY, SyllableStats
from index.serving import milvus_backend
from index.tokenize import Tokens, expand_text, tokenize
from index import verify
from index.versions import (FORMAT_VERSION, TOKENIZER, DocRecord, Manifest, UnitRecord, VersionStore, content_key,
                            new_version_name, read_manifest, read_tokens, read_units as read_units_of,
                            reusable_vectors, write_answerability, write_version)
from core.settings import Settings

log = logging.getLogger(__name__)

RELATIONS_VERSION = "relations-1"  # part of every version's fingerprint: new rules make a new version
PLACES_VERSION = "places-1"  # how a document's provinces are read from its text (DocRecord.places)
SYLLABLES_VERSION = f"syllables-{STATS_KEY}"  # likewise: a version without the statistics is rebuilt
STATS_MAX_UNITS = 200_000  # syllables are counted on an even sample of the units past this many
CACHE_DIR = "embed-cache"  # below the index folder: vectors of builds not yet committed
PARALLEL_TOKENIZE = 2_000  # texts per worker process at least, when tokenizing in several


@dataclass
class BuildReport:
    version: str
    units: int
    embedded: int
    reused: int
    seconds: float
    embed_seconds: float
    unchanged: bool = False
    milvus: str | None = None  # with the milvus backend: "full", "incremental" or "unchanged"
    resumed: int = 0  # of ``embedded``: vectors a killed or failed build had computed (the embedding cache)

    @property
    def computed(self) -> int:
        """Units the model embedded in this run."""
        return self.embedded - self.resumed


@dataclass
class EtaCheck:
    """How close the time-left estimates of a stage came: the estimate given when a share ``marks`` of the
    work was done, against the time the rest really took (``hoidap index`` prints it).

    Example:
        >>> eta = EtaCheck()
        >>> for done in range(1, 11):
        ...     eta.update(done, 10, left=(10 - done) * 2.0, now=done * 1.0)  # estimates twice the real pace
        >>> [(mark, predicted, actual) for mark, predicted, actual in eta.finish(now=10.0)]
        [(0.1, 18.0, 9.0), (0.5, 10.0, 5.0)]
    """

    marks: tuple[float, ...] = (0.1, 0.5)
    seen: dict = field(default_factory=dict)  # mark -> (time at the mark, predicted seconds left)
    ended: float | None = None  # when the last of the work was done

    def update(self, done: int, total: int, left: float | None, now: float | None = None) -> None:
        if left is None or total <= 0:
            return
        now = time.perf_counter() if now is None else now
        for mark in self.marks:
            if mark not in self.seen and done / total >= mark:
                self.seen[mark] = (now, float(left))
        if done >= total:
            self.ended = now

    def finish(self, now: float | None = None) -> list[tuple[float, float, float]]:
        """``(mark, predicted seconds left, actual seconds left)`` for each mark reached."""
        end = self.ended if self.ended is not None else (time.perf_counter() if now is None else now)
        return [(mark, predicted, end - at) for mark, (at, predicted) in sorted(self.seen.items())]


def _header(units: list[Segment]) -> str:
    """The text of a document's header unit ("" if its first unit is not one)."""
    first = min(units, key=lambda u: u.ordinal, default=None)
    return first.text if first is not None and first.kind == "header" else ""


def doc_label(meta: Metadata) -> str:
    """How a document is named in the text that is embedded and searched with its units."""
    parts = [meta.citation_name(), meta.title]
    if meta.province and meta.province not in meta.citation_name():
        parts.append(f"tỉnh {meta.province}")
    return ". ".join(p for p in parts if p)


def passage_text(unit: Segment, meta: Metadata) -> str:
    """A unit with a short context for the embedding model: document type, province, year and
    the nearest heading. (Long context — the whole title and breadcrumb — made every unit of a
    document look alike to mean pooling: dense Recall@5 on the dev set fell from 0.63 to 0.49.)"""
    head = " ".join(str(p) for p in (meta.doc_type, meta.province, meta.year) if p)
    crumb = unit.breadcrumb[-1] if unit.breadcrumb else ""
    return expand_text(f"{head}. {crumb}. {unit.text}")


def relation_fields(rel: Relations, citations: dict[str, str]) -> dict:
    """A document's relations as :class:`DocRecord` fields: each link with its document's citation name,
    and the validity note a citation of it carries ("đã được thay thế bởi …")."""
    out: dict = {name: [link.to_dict() | {"citation": citations.get(link.doc_id, link.doc_id)}
                        for link in getattr(rel, name)]
                 for name in ("cites", "cited_by", "replaces", "replaced_by", "amends", "amended_by")}
    out["in_force"] = rel.in_force
    validity = ""
    if not rel.in_force:
        repealed = [x for x in out["replaced_by"] if x["how"] == REPEALS]
        replaced = [x for x in out["replaced_by"] if x["how"] != REPEALS]
        if replaced:
            validity = "đã được thay thế bởi " + "; ".join(x["citation"] for x in replaced)
        elif repealed:
            validity = "đã bị bãi bỏ bởi " + "; ".join(x["citation"] for x in repealed)
        else:
            validity = "đã hết hiệu lực"
    out["validity"] = validity
    return out


def syllable_texts(units: list[Segment], metas: dict[str, Metadata]) -> Iterator[str]:
    """What the syllable statistics of a version count (:mod:`index.restore`): each document's title,
    each heading once, and the units' texts (an even sample of them past ``STATS_MAX_UNITS``)."""
    yield from (meta.title for meta in metas.values() if meta.title)
    yield from dict.fromkeys(crumb for u in units for crumb in u.breadcrumb)
    step = max(1, -(-len(units) // STATS_MAX_UNITS))
    yield from (u.text for u in units[::step])


def tokenize_many(texts: list[str], jobs: int = 0, chunk: int = 256) -> Iterator[Tokens]:
    """The tokens of each text, in order: in ``jobs`` worker processes (0: one per core) when there
    are enough texts to pay for starting them (pyvi is single-threaded), in this process otherwise."""
    workers = min(jobs or os.cpu_count() or 1, max(1, len(texts) // PARALLEL_TOKENIZE))
    if workers < 2:
        yield from (tokenize(t) for t in texts)
        return
    # spawned, not forked: this process may hold torch's thread pools
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield from pool.map(tokenize, texts, chunksize=chunk)


class IndexBuilder:
    """Builds a new index version from a :class:`Store`.

    Args:
        settings: model, thresholds, data directory.
        store: the documents and units.
        embedder: loaded lazily when something needs embedding.
    """

    def __init__(self, settings: Settings, store: Store, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.store = store
        self.model_file = Path(settings.answerability_model) if settings.answerability_model != "none" else None
        self.head_file = Path(settings.verifier_model) if settings.verifier_model != "none" else None
        self.head = verify.VerifierHead.load(self.head_file) if self.head_file is not None else None
        if self.head_file is not None and self.head is None:
            log.warning("verifier head %s not found: this index answers without semantic verification", self.head_file)
        if self.model_file is not None and not self.model_file.exists():
            log.warning("answerability model %s not found: this index abstains by the hand thresholds", self.model_file)
        self._embedder = embedder
        self._own_embedder = False
        self.versions = VersionStore(settings.index_dir)
        self.milvus = milvus_backend(settings)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            # a build embeds passages only: it needs no question encoder (nor its ONNX export)
            self._embedder = Embedder.from_settings(self.settings.model_copy(update={"query_encoder": "torch"}))
            self._own_embedder = True
        return self._embedder

    def build(self, *, rebuild: bool = False, reembed: bool = False,
              progress: Callable[[str, int, int, float, float | None], None] | None = None) -> BuildReport:
        """Build or update; ``progress(stage, done, total, per_second, seconds_left)``.

        Vectors not found in the previous version are looked up in the embedding cache (what a
        killed or failed build computed), and those still missing are embedded and appended to it
        batch by batch. ``rebuild`` makes every other part of the version anew (tokens, lexical index, a
        full Milvus collection) but still takes the vectors and verifier tokens of units whose embedded
        text is unchanged from the current version, when it was embedded by the same model (weights) with
        the same passage prompt: a settings change that does not touch the texts costs no embedding.
        ``reembed`` (with ``rebuild``) embeds every unit again.
        """
        started = time.perf_counter()
        fingerprint = self.fingerprint()
        rebuild = rebuild or self._tokenizer_changed()
        previous = self._previous(rebuild)
        source = None if reembed else self._vector_source(previous, rebuild)
        served = self.milvus.serving_version(create_db=True) if self.milvus else None  # reach Milvus before embedding anything
        if previous and previous[1].corpus_fingerprint == fingerprint:
            report = BuildReport(previous[1].version, previous[1].units, 0, previous[1].units, 0.0, 0.0, unchanged=True)
            return self._publish(report, None, rebuild, progress)

        units = self.store.units()
        docs = {d["id"]: d for d in self.store.list_documents()}
        metas = {doc_id: self.store.metadata(doc_id) for doc_id in docs}
        relations = resolve(metas, self.store.texts(), self.store.overrides())
        citations = {doc_id: d["citation"] for doc_id, d in docs.items()}
        texts_of: dict[str, list[Segment]] = {}
        for u in units:
            texts_of.setdefault(u.doc_id, []).append(u)
        places = {k: document_places(d["title"], _header(texts_of.get(k, [])), [u.text for u in texts_of.get(k, [])])
                  for k, d in docs.items()}
        records_of_docs = {k: DocRecord.from_row(d | relation_fields(relations[k], citations)
                                                 | {"ocr_pages": metas[k].ocr_pages, "encoding": metas[k].encoding,
                                                    "places": places[k]})
                           for k, d in docs.items()}
        passages = [passage_text(u, metas[u.doc_id]) for u in units]
        scanned = {doc_id: set(meta.ocr_units) for doc_id, meta in metas.items()}
        lexical_texts = [self._lexical_text(u, metas[u.doc_id]) for u in units]
        records = [UnitRecord(id=u.id, doc_id=u.doc_id, ordinal=u.ordinal, kind=u.kind, label=u.label,
                              breadcrumb=tuple(u.breadcrumb), text=u.text, quantity=states_quantity(u.text),
                              embed_key=content_key(p), lexical_key=content_key(t),
                              ocr=u.id in scanned[u.doc_id])
                   for u, p, t in zip(units, passages, lexical_texts)]
        old_vectors = reusable_vectors(source[0]) if source else {}
        old_tokens = read_tokens(previous[0]) if previous else {}

        todo = [i for i, r in enumerate(records) if r.embed_key not in old_vectors]
        dimensions = self._dimensions(source, bool(todo))
        vectors = np.zeros((len(units), dimensions), dtype=np.float32)
        for i, record in enumerate(records):
            if record.embed_key in old_vectors:
                vectors[i] = old_vectors[record.embed_key]
        cache = EmbeddingCache(self.versions.root / CACHE_DIR, self._cache_key(), dimensions)
        cached = cache.load({records[i].embed_key for i in todo}) if todo else {}
        for i in todo:
            if records[i].embed_key in cached:
                vectors[i] = cached[records[i].embed_key]
        missing = [i for i in todo if records[i].embed_key not in cached]
        if cached:
            log.info("resuming: %d of %d vectors to embed were computed by an unfinished build", len(todo) - len(missing),
                     len(todo))
        embed_started = time.perf_counter()
        fresh_states: dict[int, verify.TokenStates] = {}
        if missing:
            report = (lambda done, rate, left: progress("embed", done, len(missing), rate, left)) if progress else None

            def keep(batch: list[int], batch_vectors: np.ndarray) -> None:
                cache.append([records[missing[j]].embed_key for j in batch], batch_vectors)

            def keep_tokens(batch: list[int], states: list[verify.TokenStates]) -> None:
                for j, state in zip(batch, states):
                    fresh_states[missing[j]] = state

            vectors[missing] = self.embedder.embed_passages([passages[i] for i in missing], report, keep,
                                                            keep_tokens if self._verifying() else None)
        unit_tokens = self._unit_tokens(units, passages, records, fresh_states, source) if self._verifying() else None
        embed_seconds = time.perf_counter() - embed_started

        tokens: list[Tokens | None] = [old_tokens.get(record.lexical_key) for record in records]
        fresh = [i for i, t in enumerate(tokens) if t is None]
        tok_started = time.perf_counter()
        for done, (i, tok) in enumerate(zip(fresh, tokenize_many([lexical_texts[i] for i in fresh],
                                                                  self.settings.ingest_jobs)), 1):
            tokens[i] = tok
            if progress and done % 500 == 0:
                rate = done / (time.perf_counter() - tok_started)
                progress("tokenize", done, len(fresh), rate, (len(fresh) - done) / rate)

        syllables = SyllableStats.from_texts(syllable_texts(units, metas))
        folder = self.versions.begin()
        try:
            syllables.save(folder)
            lexical = LexicalIndex()
            lexical.build(tokens)
            lexical.save(folder)
            if progress:
                progress("write", 1, 3, 0.0, None)
            write_version(folder, records, records_of_docs, tokens, vectors)
            if self.model_file is not None:
                write_answerability(folder, self.model_file)
            if unit_tokens is not None:
                verify.write_tokens(folder, self.head_file, *unit_tokens)
            dense = write_ann(folder, vectors, self.settings.ann_threshold, self.settings.dense_index,
                              (lambda note: log.info("%s", note)))
            manifest = Manifest(version=new_version_name(fingerprint), model=self.settings.model,
                                dimensions=int(vectors.shape[1]), corpus_fingerprint=fingerprint, units=len(units),
                                created_at=time.time(), dense=dense, embedded=len(todo),
                                passage_encoder="hashing" if self.settings.model == HASHING_MODEL else "torch-fp32",
                                query_encoder=self._query_encoder(), model_fingerprint=source_fingerprint(self.settings.model),
                                passage_prompt=self.settings.passage_prompt)
            self.versions.commit(folder, manifest, also_keep=served)
        except BaseException:
            self.versions.abort(folder)
            raise
        cache.clear()  # the committed version holds these vectors now
        resumed = len(todo) - len(missing)
        report = BuildReport(manifest.version, len(units), len(todo), len(units) - len(todo), 0.0, embed_seconds,
                             resumed=resumed)
        report = self._publish(report, previous[0] if previous else None, rebuild, progress)
        report.seconds = time.perf_counter() - started
        log.info("index %s: %d units, %d embedded (%d of them resumed from an unfinished build), %.1f s",
                 manifest.version, len(units), len(todo), resumed, report.seconds)
        return report

    def fingerprint(self) -> str:
        """What a version built now from the store would record as its ``corpus_fingerprint``."""
        return content_key(self.store.fingerprint() + ":" + self._model_key() + ":" + RELATIONS_VERSION + ":"
                           + PLACES_VERSION + ":" + SYLLABLES_VERSION)

    def in_sync(self) -> bool | None:
        """Whether the current version was built from the store as it is now; None when there is no version."""
        name = self.versions.current_name()
        if name is None:
            return None
        return read_manifest(self.settings.index_dir / name).corpus_fingerprint == self.fingerprint()

    def _publish(self, report: BuildReport, base: Path | None, rebuild: bool, progress) -> BuildReport:
        """With the milvus backend, make the version just built the one Milvus serves."""
        if self.milvus is not None:
            published = self.milvus.publish(self.settings.index_dir / report.version, base, full=rebuild,
                                            progress=progress)
            report.milvus = published.mode
        return report

    def _model_key(self) -> str:
        """The answerability model and the question encoder are part of a version: another one makes a
        new version (with every vector reused: passages do not depend on the question encoder)."""
        answerability = "none" if self.model_file is None or not self.model_file.exists() else \
            content_key(self.model_file.read_text(encoding="utf-8"))
        head = verify.fingerprint(self.head_file) if self._verifying() else "none"
        return f"{answerability}:{self._query_encoder()}:{head}"

    def _verifying(self) -> bool:
        """Passage tokens are built when there is a head and the embedder has token states."""
        return self.head is not None and self.settings.model != HASHING_MODEL

    def _unit_tokens(self, units: list[Segment], passages: list[str], records: list[UnitRecord],
                     fresh: dict[int, "verify.TokenStates"], previous) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Each unit's projected int8 tokens and their spans: from this build's embedding pass, from the
        previous version when it was projected by the same head, else computed now (a tokens-only pass)."""
        old: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if previous is not None:
            got = verify.read_unit_tokens(previous[0])
            if got is not None and got[2] == self.head.fingerprint:
                old_records = read_units_of(previous[0])
                old = {r.embed_key: (t, s) for r, t, s in zip(old_records, got[0], got[1])}
        tokens: list[np.ndarray | None] = [None] * len(units)
        spans: list[np.ndarray | None] = [None] * len(units)
        for i, record in enumerate(records):
            if i not in fresh and record.embed_key in old:
                tokens[i], spans[i] = old[record.embed_key]
        todo = [i for i in range(len(units)) if tokens[i] is None and i not in fresh]
        if todo:
            log.info("verifier: token states of %d units computed (not in the previous version)", len(todo))
            fresh = {**fresh, **dict(zip(todo, self.embedder.passage_tokens([passages[i] for i in todo])))}
        for i, state in fresh.items():
            tokens[i] = verify.quantise(self.head.project(state.states))
            spans[i] = verify.body_spans(state, passages[i], units[i].text)
        return tokens, spans

    def _query_encoder(self) -> str:
        """The question encoder recorded in the manifest: the one answering beside this build (an API
        process shares its embedder), else the one the settings name."""
        if self._embedder is not None and not self._own_embedder:
            return self._embedder.query_encoder
        return resolve_query_encoder(self.settings.model, self.settings.query_encoder)

    def _cache_key(self) -> str:
        """Cached vectors are reused only for the same model and passage prompt."""
        return f"{self.settings.model}\n{self.settings.passage_prompt}"

    @staticmethod
    def _lexical_text(unit: Segment, meta: Metadata) -> str:
        return f"{doc_label(meta)} {' '.join(unit.breadcrumb)} {unit.label} {unit.text}"

    def _tokenizer_changed(self) -> bool:
        """The current version was tokenized by an older tokenizer (an upgrade of this code): its tokens and
        lexical index are made anew, its vectors reused (they do not depend on the tokenizer)."""
        name = self.versions.current_name()
        if name is None:
            return False
        manifest = read_manifest(self.settings.index_dir / name)
        if manifest.format_version != FORMAT_VERSION or manifest.tokenizer == TOKENIZER:
            return False
        log.info("index %s was tokenized by %s, this code tokenizes by %s: rebuilding (vectors reused)", name,
                 manifest.tokenizer, TOKENIZER)
        return True

    def _previous(self, rebuild: bool) -> tuple[Path, Manifest] | None:
        if rebuild:
            return None
        name = self.versions.current_name()
        if name is None:
            return None
        folder = self.settings.index_dir / name
        manifest = read_manifest(folder)
        if manifest.format_version != FORMAT_VERSION:
            log.info("index %s has format %d; building format %d from scratch", name, manifest.format_version,
                     FORMAT_VERSION)
            return None
        manifest.check(self.settings.model)  # a different model: refuse, say how to rebuild
        return folder, manifest

    def _vector_source(self, previous: tuple[Path, Manifest] | None, rebuild: bool) -> tuple[Path, Manifest] | None:
        """The version whose vectors are reused by embed key: the previous one (the current one on a
        rebuild), if its passages were embedded as this build would embed them."""
        if rebuild:
            name = self.versions.current_name()
            if name is None:
                return None
            folder = self.settings.index_dir / name
            manifest = read_manifest(folder)
            if manifest.format_version != FORMAT_VERSION or manifest.model != self.settings.model:
                return None  # a rebuild for another model or format: nothing to reuse
            previous = folder, manifest
        if previous is None:
            return None
        manifest = previous[1]
        weights = source_fingerprint(self.settings.model)
        if manifest.model_fingerprint and weights and manifest.model_fingerprint != weights:
            log.info("index %s was embedded by other weights of %s: every unit is embedded again", manifest.version,
                     self.settings.model)
            return None
        # a version that did not record its prompt was embedded with the settings' (the reuse rule before it was kept)
        if manifest.passage_prompt is not None and manifest.passage_prompt != self.settings.passage_prompt:
            log.info("index %s was embedded with passage prompt %r, now %r: every unit is embedded again",
                     manifest.version, manifest.passage_prompt, self.settings.passage_prompt)
            return None
        return previous

    def _dimensions(self, previous, need_model: bool) -> int:
        if need_model or previous is None:
            return self.embedder.dimensions
        return previous[1].dimensions

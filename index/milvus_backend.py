"""The Milvus backend: the candidate lists of a search come from Milvus instead of the version's files.

One row per unit: its text and the metadata needed to answer and filter (document, ordinal, kind,
label, breadcrumb, province, document type, year), its dense vector (HNSW, inner product) and the two
lexical fields of :mod:`index.tokenize` as BM25 sparse vectors we compute (inner product): the row
holds each term's saturated frequency ``tf / (tf + k1·(1 − b + b·dl/avgdl))``, the question holds each
term's IDF from the serving version, so their inner product is the Lucene BM25 score of
:mod:`index.lexical`, the same number the embedded backend ranks by. (Milvus Lite's own BM25 function
keeps IDF statistics per segment and per memtable: rows upserted by an incremental update were
scored against a handful of documents and ranked wrongly.) Filters become a Milvus expression.

Searches go through an alias (``hoidap``). A build writes a new collection, then moves the alias in
one call; the previous collection stays until the next build succeeds, so a build killed midway
leaves the alias on the old one. An incremental change (a document added, replaced or deleted)
upserts and deletes rows of the serving collection instead. Each collection holds one extra row,
``__version__``, naming the index version its rows belong to, written last: the searcher reads the
version's answerability model, document records and term statistics from that folder. After the row,
the version is also set as a collection property (``hoidap.version``): which version is served is then
one metadata call on the alias (``describe_collection``), and the row itself is read only when the
collection or that property changes (Milvus Lite answers a filtered query by assembling every row: 2 s
at 100k units, which every version check paid before).

Milvus is an outside service: every failure to reach it becomes :class:`IndexUnavailable`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from core.errors import IndexMissing, IndexUnavailable
from core.settings import Settings
from index.versions import DocRecord, UnitRecord, read_docs, read_tokens, read_units, read_vectors

log = logging.getLogger(__name__)

ALIAS = "hoidap"  # what searches name; each build's collection is "hoidap_<version>_<random>"
META_ID = "__version__"  # the row naming the index version a collection holds
VERSION_PROPERTY = "hoidap.version"  # the same version as a collection property, set after the row
BATCH = 256  # rows per insert or upsert call
FULL_SHARE = 0.2  # an update touching more than this share of the rows writes a new collection
HNSW = {"M": 16, "efConstruction": 200}
TIMEOUT = 10.0  # seconds for one call to Milvus
K1, B = 1.2, 0.75  # those of index.lexical.LexicalIndex
SPARSE_DIMS = 2**32 - 1  # Milvus sparse dimensions are below 2^32 - 1

Lists = dict[str, tuple[np.ndarray, np.ndarray]]
LISTS = (("words_sparse", "bm25"), ("folded_sparse", "bm25_folded"))


def term_id(term: str) -> int:
    """A stable 32-bit dimension for a term (the same in every process and version).

    Example:
        >>> term_id("sở_nội_vụ") == term_id("sở_nội_vụ") != term_id("so_noi_vu")
        True
    """
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=4).digest(), "big") % SPARSE_DIMS


def row_sparse(terms: list[str], avgdl: float) -> dict[int, float]:
    """A unit's lexical field as BM25 term weights without the IDF (empty text counts as one "∅", as in bm25s)."""
    terms = terms or ["∅"]
    norm = K1 * (1 - B + B * len(terms) / max(avgdl, 1e-9))
    out: dict[int, float] = {}
    for term, tf in Counter(terms).items():
        key = term_id(term)
        out[key] = out.get(key, 0.0) + tf / (tf + norm)
    return out


def query_sparse(terms: list[str], lexical, field_name: str) -> dict[int, float]:
    """The question's terms weighted by their IDF in the serving version; unknown terms left out."""
    n = max(lexical.size, 1)
    out: dict[int, float] = {}
    for term, posting in zip(terms, lexical.postings(terms, field_name)):
        if posting is not None:
            key = term_id(term)
            out[key] = out.get(key, 0.0) + math.log(1 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
    return out


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def doc_filter(doc_ids: set[str] | None) -> str:
    """The Milvus expression keeping the units of ``doc_ids`` (empty: no filter)."""
    if doc_ids is None:
        return ""
    return f"doc_id in [{', '.join(_quote(d) for d in sorted(doc_ids))}]"


@dataclass
class PublishReport:
    collection: str
    version: str
    mode: str  # "full", "incremental" or "unchanged"
    upserted: int
    deleted: int
    seconds: float


class MilvusIndex:
    """The index in Milvus: publish a version, say which version is served, give candidate lists.

    Args:
        settings: ``milvus_uri``, ``milvus_token``, ``milvus_db``.

    Example:
        >>> index = MilvusIndex(Settings(backend="milvus"))            # doctest: +SKIP
        >>> index.serving()                                             # doctest: +SKIP
        ('hoidap_v20260101T000000_ab12cd_x1y2z3', 'v20260101T000000-...')
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client = None
        self._lock = threading.Lock()
        self._checked_loaded: set[str] = set()
        self._versions: dict[tuple[str, str], str] = {}  # (collection, version property) -> the version row's
        self.version_reads = 0  # times the version row was read (once per change of collection or property)
        self._pool = ThreadPoolExecutor(max_workers=6, thread_name_prefix="milvus")

    # --- connection ------------------------------------------------------------------------------

    def _unavailable(self, exc: Exception) -> IndexUnavailable:
        where = self.settings.milvus_uri
        log.warning("Milvus at %s: %s", where, exc)
        return IndexUnavailable(f"không kết nối được máy chủ chỉ mục Milvus ({where}, cơ sở dữ liệu "
                                f"'{self.settings.milvus_db}'): {getattr(exc, 'message', exc)}; hãy kiểm tra "
                                "HOIDAP_MILVUS_URI và máy chủ Milvus")

    def client(self, create_db: bool = False):
        """The connected client (made once); IndexUnavailable when Milvus cannot be reached."""
        if self._client is not None:
            return self._client
        with self._lock:
            if self._client is None:
                from pymilvus import MilvusClient

                # set after its import, which configures it: it logs a traceback for every refused call
                logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
                if self.settings.milvus_uri.endswith(".db"):
                    # Milvus Lite then serves in this process; its gRPC server logs a traceback each time
                    # pymilvus asks for AllocTimestamp (not implemented; pymilvus goes on without it)
                    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
                token = self.settings.milvus_token.get_secret_value() if self.settings.milvus_token else ""
                try:
                    client = MilvusClient(uri=self.settings.milvus_uri, token=token, timeout=TIMEOUT)
                    db = self.settings.milvus_db
                    if db != "default":
                        if db not in client.list_databases():
                            if not create_db:
                                raise IndexMissing(
                                    f"Milvus ({self.settings.milvus_uri}) chưa có cơ sở dữ liệu '{db}'; hãy chạy: "
                                    "hoidap index")
                            client.create_database(db)
                        client.use_database(db)
                except (IndexMissing, IndexUnavailable):
                    raise
                except Exception as exc:  # pymilvus raises MilvusException, grpc errors, OSError
                    raise self._unavailable(exc) from None
                self._client = client
        return self._client

    def _call(self, method: str, *args, **kwargs):
        """One call to Milvus; its failures become IndexUnavailable."""
        client = self.client()
        try:
            return getattr(client, method)(*args, **kwargs)
        except Exception as exc:
            raise self._unavailable(exc) from None

    # --- what is served --------------------------------------------------------------------------

    def serving(self, create_db: bool = False, fresh: bool = False) -> tuple[str, str] | None:
        """The collection the alias names and the version it holds; None before the first build.

        One metadata call (the alias's collection and its version property); the ``__version__`` row
        is read when they change, or always with ``fresh`` (a build: the row is what was written last).
        """
        client = self.client(create_db)
        try:
            described = client.describe_collection(ALIAS)
        except Exception:  # no alias yet, or Milvus unreachable: the alias list tells which
            if ALIAS not in self._call("list_aliases").get("aliases", []):
                return None
            described = self._call("describe_collection", ALIAS)
        collection = described["collection_name"]
        marker = (described.get("properties") or {}).get(VERSION_PROPERTY)
        if collection not in self._checked_loaded:  # a restarted server holds its collections released
            state = self._call("get_load_state", collection).get("state")
            if getattr(state, "name", str(state)) != "Loaded":
                log.info("loading Milvus collection %s (state %s)", collection, state)
                self._call("load_collection", collection)
            self._checked_loaded.add(collection)
        key = (collection, marker)
        version = None if fresh or marker is None else self._versions.get(key)
        if version is None:
            self.version_reads += 1
            rows = self._call("get", collection, ids=[META_ID], output_fields=["text"])
            if not rows:
                return None
            version = rows[0]["text"]
            if marker is not None:  # a collection without the property (an older build): read every time
                self._versions = {key: version}
        return collection, version

    def serving_version(self, create_db: bool = False) -> str | None:
        served = self.serving(create_db)
        return served[1] if served else None

    # --- search ----------------------------------------------------------------------------------

    def candidate_lists(self, position: dict[str, int], query_tokens, vector: np.ndarray | None, lexical,
                        limit: int, doc_ids: set[str] | None, timings: dict[str, float]) -> Lists:
        """The ranked lists (BM25 on each lexical field, dense) as positions of the serving snapshot.

        A row the snapshot does not know (the version row, a unit upserted a moment before the
        searcher saw the new version) is left out.
        """
        expr = doc_filter(doc_ids)
        lists: Lists = {}
        if doc_ids is not None and not doc_ids:
            return lists
        t0 = time.perf_counter()
        calls = {}  # the three searches at once: each is mostly waiting on the server
        if lexical is not None:
            for field_name, list_name in LISTS:
                source = field_name.split("_")[0]
                weights = query_sparse(getattr(query_tokens, source), lexical, source)
                if not weights:
                    lists[list_name] = (np.zeros(0, np.int64), np.zeros(0, np.float32))
                    continue
                calls[list_name] = self._pool.submit(
                    self._timed, "search", ALIAS, data=[weights], anns_field=field_name, limit=limit, filter=expr,
                    output_fields=["id"], search_params={"metric_type": "IP"})
        if vector is not None:
            ef = max(self.settings.hnsw_ef_search, limit + 1)
            calls["dense"] = self._pool.submit(
                self._timed, "search", ALIAS, data=[vector.astype(np.float32).tolist()], anns_field="vector",
                limit=limit + 1, filter=expr, output_fields=["id"], search_params={"metric_type": "IP", "params": {"ef": ef}})
        for list_name, call in calls.items():
            result, ms = call.result()
            hits = result[0]
            timings[f"milvus_{list_name}_ms"] = ms  # each request's own time: their sum against milvus_ms shows the overlap
            # Milvus Lite reports a sparse inner product negated, a cluster as is: BM25 is never negative
            lists[list_name] = _positions(hits, position, limit, float if list_name == "dense" else abs)
        timings["milvus_ms"] = (time.perf_counter() - t0) * 1000
        return {name: lists[name] for name in ("bm25", "bm25_folded", "dense") if name in lists}

    def _timed(self, method: str, *args, **kwargs) -> tuple[object, float]:
        started = time.perf_counter()
        result = self._call(method, *args, **kwargs)
        return result, (time.perf_counter() - started) * 1000

    # --- build -----------------------------------------------------------------------------------

    def publish(self, folder: Path, base: Path | None, *, full: bool = False,
                progress: Callable[..., None] | None = None) -> PublishReport:
        """Make the version in ``folder`` the one served.

        Incremental (upsert and delete rows of the serving collection) when the alias serves
        ``base``, the version ``folder`` was built from, and the change touches few rows; otherwise a
        new collection, filled, indexed and loaded, then the alias moved to it.
        """
        started = time.perf_counter()
        version = folder.name
        self.client(create_db=True)
        served = self.serving(fresh=True)
        if served and served[1] == version:
            return PublishReport(served[0], version, "unchanged", 0, 0, 0.0)
        units, docs = read_units(folder), read_docs(folder)
        tokens, vectors = read_tokens(folder), read_vectors(folder)
        avgdl = {f: float(np.mean([len(getattr(tokens[u.lexical_key], f)) or 1 for u in units])) if units else 1.0
                 for f in ("words", "folded")}
        if not full and served and base is not None and served[1] == base.name and (base / "units.jsonl").exists():
            old_units, old_docs = read_units(base), read_docs(base)
            old = {u.id: u for u in old_units}
            changed_docs = {d for d, doc in docs.items() if old_docs.get(d) != doc}
            todo = [i for i, u in enumerate(units) if old.get(u.id) != u or u.doc_id in changed_docs]
            gone = sorted(set(old) - {u.id for u in units})
            if len(todo) + len(gone) <= max(50, FULL_SHARE * len(units)):
                rows = (_row(units[i], docs[units[i].doc_id], tokens[units[i].lexical_key], vectors[i], avgdl)
                        for i in todo)
                self._write(served[0], rows, len(todo), "upsert", progress)
                for start in range(0, len(gone), BATCH):
                    self._call("delete", served[0], ids=gone[start:start + BATCH])
                self._call("upsert", served[0], [_meta_row(version, vectors.shape[1])])
                self._mark(served[0], version)
                seconds = time.perf_counter() - started
                log.info("milvus %s: %d rows upserted, %d deleted, now %s (%.1f s)", served[0], len(todo), len(gone),
                         version, seconds)
                return PublishReport(served[0], version, "incremental", len(todo), len(gone), seconds)

        name = f"{ALIAS}_{re.sub(r'[^0-9A-Za-z]', '_', version)}_{uuid.uuid4().hex[:6]}"
        self._create(name, int(vectors.shape[1]))
        rows = (_row(u, docs[u.doc_id], tokens[u.lexical_key], vectors[i], avgdl) for i, u in enumerate(units))
        self._write(name, rows, len(units), "insert", progress)
        self._call("insert", name, [_meta_row(version, vectors.shape[1])])  # last: a complete collection
        self._call("flush", name)
        self._mark(name, version)
        if served:
            self._call("alter_alias", name, ALIAS)  # the switch: one call, atomic for every reader
        else:
            self._call("create_alias", name, ALIAS)
        keep = {name, served[0]} if served else {name}
        for other in self._call("list_collections"):
            if other.startswith(f"{ALIAS}_") and other not in keep:
                self._call("drop_collection", other)  # older versions, and collections of builds that died
        seconds = time.perf_counter() - started
        log.info("milvus %s: %d rows, alias %s moved from %s (%.1f s)", name, len(units), ALIAS,
                 served[0] if served else None, seconds)
        return PublishReport(name, version, "full", len(units), 0, seconds)

    def _mark(self, collection: str, version: str) -> None:
        """Set the version property after the version row. A server that refuses it costs a row read per
        check: the property is then removed, so no searcher trusts an older one (failing that, the publish fails)."""
        try:
            self._call("alter_collection_properties", collection, properties={VERSION_PROPERTY: version})
        except IndexUnavailable:
            log.warning("Milvus did not take the collection property %s on %s: the version row will be read at "
                        "every version check", VERSION_PROPERTY, collection)
            self._call("drop_collection_properties", collection, property_keys=[VERSION_PROPERTY])

    def _create(self, name: str, dimensions: int) -> None:
        from pymilvus import DataType

        client = self.client()
        schema = client.create_schema(auto_id=False, enable_dynamic_field=False,
                                      description="hoidap: one row per unit")
        text = {"datatype": DataType.VARCHAR, "max_length": 65535}
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=512)
        schema.add_field("doc_id", DataType.VARCHAR, max_length=128)
        schema.add_field("ordinal", DataType.INT64)
        schema.add_field("kind", DataType.VARCHAR, max_length=64)
        schema.add_field("label", DataType.VARCHAR, max_length=2048)
        schema.add_field("breadcrumb", **text)
        schema.add_field("text", **text)
        schema.add_field("quantity", DataType.BOOL)
        schema.add_field("province", DataType.VARCHAR, max_length=128)
        schema.add_field("doc_type", DataType.VARCHAR, max_length=512)
        schema.add_field("year", DataType.INT64)
        schema.add_field("citation", DataType.VARCHAR, max_length=2048)
        schema.add_field("words_sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("folded_sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimensions)
        params = client.prepare_index_params()
        params.add_index("vector", index_type="HNSW", metric_type="IP", params=HNSW)
        for field_name in ("words_sparse", "folded_sparse"):
            params.add_index(field_name, index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        params.add_index("doc_id", index_type="INVERTED")
        self._call("create_collection", name, schema=schema, index_params=params)

    def _write(self, collection: str, rows: Iterator[dict], total: int, method: str,
               progress: Callable[..., None] | None) -> None:
        started, done = time.perf_counter(), 0
        for batch in _batches(rows, BATCH):
            self._call(method, collection, batch)
            done += len(batch)
            if progress:
                rate = done / max(time.perf_counter() - started, 1e-9)
                progress("milvus", done, total, rate, (total - done) / rate)


def _positions(hits: list[dict], position: dict[str, int], limit: int, score) -> tuple[np.ndarray, np.ndarray]:
    kept = [(position[h["id"]], score(h["distance"])) for h in hits if h["id"] in position][:limit]
    return (np.array([p for p, _ in kept], dtype=np.int64), np.array([s for _, s in kept], dtype=np.float32))


def _batches(rows: Iterator[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _row(unit: UnitRecord, doc: DocRecord, tokens, vector: np.ndarray, avgdl: dict[str, float]) -> dict:
    return {"id": unit.id, "doc_id": unit.doc_id, "ordinal": unit.ordinal, "kind": unit.kind, "label": unit.label,
            "breadcrumb": json.dumps(list(unit.breadcrumb), ensure_ascii=False), "text": unit.text,
            "quantity": bool(unit.quantity), "province": doc.province or "", "doc_type": doc.type or "",
            "year": int(doc.year or 0), "citation": doc.citation or "",
            "words_sparse": row_sparse(tokens.words, avgdl["words"]),
            "folded_sparse": row_sparse(tokens.folded, avgdl["folded"]), "vector": np.asarray(vector, dtype=np.float32).tolist()}


_META_SPARSE = {term_id("\x00version"): 1e-6}  # Milvus refuses an empty sparse vector; no token has a NUL


def _meta_row(version: str, dimensions: int) -> dict:
    return {"id": META_ID, "doc_id": "", "ordinal": -1, "kind": "version", "label": "", "breadcrumb": "[]",
            "text": version, "quantity": False, "province": "", "doc_type": "", "year": 0, "citation": "",
            "words_sparse": _META_SPARSE, "folded_sparse": _META_SPARSE, "vector": [0.0] * dimensions}

"""The index on disk: a folder of versions, each a folder of plain files with a manifest,
and a ``CURRENT`` file naming the version in use. This module alone writes and reads those files.

A version is self-contained for answering: besides the lexical and dense indexes it holds every
unit's text, label, breadcrumb and kind and every document's metadata and citation name, so a
question is answered from one snapshot and never from the store that admins are changing.

Files of a version: ``manifest.json``; ``units.jsonl`` (one :class:`UnitRecord` a line, in index
order) with ``units_index.npy`` (each line's byte offset) and ``units_index.json`` (each unit's id
and document), so a served version reads a unit's text only when it is shown; ``docs.json``
(document id → :class:`DocRecord`); ``vectors.npy`` (float32, one row a unit); ``dense.faiss``
(the approximate dense index, from a size on: :func:`index.dense.write_ann`); ``tokens.jsonl``
(lexical key, words, folded: reused by the next build); ``bm25*`` (the lexical index, written by
:class:`index.lexical.LexicalIndex`); ``answerability.json`` (the answerability and rerank model
the version answers with, copied from ``index/answerability.json``); ``syllables.json`` and
``syllable_bigrams.npy`` (the syllable statistics questions are restored with, written and read by
:class:`index.restore.SyllableStats`).

A version is written to a temporary folder, renamed into place, and only then named in
``CURRENT`` (replaced atomically), so a build killed midway leaves the previous version serving.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import shutil
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
import numpy as np

from core.errors import IndexMismatch, IndexMissing
from index.tokenize import Tokens

log = logging.getLogger(__name__)

FORMAT_VERSION = 2  # 2: units and documents stored in the version (answers never read the store)
TOKENIZER = {"name": "pyvi+folded-bigrams", "version": 2, "lowercase": True, "tones": "unified", "abbreviations": True}


@dataclass(frozen=True, slots=True)
class UnitRecord:
    """A unit as served: what answering, citing and showing it need."""

    id: str
    doc_id: str
    ordinal: int
    kind: str
    label: str
    breadcrumb: tuple[str, ...]
    text: str
    quantity: bool  # states a count, amount or share (for "bao nhiêu" questions)
    embed_key: str  # hash of the exact text embedded: a vector is reused only for the same key
    lexical_key: str  # hash of the exact text tokenized
    ocr: bool = False  # its text was recognised by OCR from a scan or a photo


RELATION_FIELDS = ("cites", "cited_by", "replaces", "replaced_by", "amends", "amended_by")


@dataclass(frozen=True, slots=True)
class DocRecord:
    """A document's metadata as served: filters, boosts, citations and the document list."""

    id: str
    type: str
    types: tuple[str, ...]  # its own type and the types it carries ("Quyết định" with an "Đề án")
    number: str | None
    number_display: str
    year: int | None
    date: str | None
    date_text: str | None
    province: str | None
    issuer: str | None
    title: str
    signer: str | None
    citation: str  # "Quyết định số 1601/QĐ-UBND-HC ngày 21/10/2021 của UBND tỉnh Đồng Tháp"
    attachments: tuple[str, ...] = ()
    references: tuple[dict, ...] = ()
    units: int = 0
    # relations to other documents of the version (corpus.relations), each {doc_id, how, note, citation}
    cites: tuple[dict, ...] = ()
    cited_by: tuple[dict, ...] = ()
    replaces: tuple[dict, ...] = ()
    replaced_by: tuple[dict, ...] = ()
    amends: tuple[dict, ...] = ()
    amended_by: tuple[dict, ...] = ()
    in_force: bool = True
    validity: str = ""  # "" when in force, else "đã được thay thế bởi …" / "đã hết hiệu lực"
    ocr_pages: int = 0  # pages recognised by OCR (a scan, a photo)
    encoding: str = ""  # the legacy encoding its text was converted from (tcvn3, vni, viqr, cp1258)
    # field -> "read" | "guessed" | "corrected", as corpus.model.Metadata.sources ({} for an old version)
    sources: dict = field(default_factory=dict)
    # the provinces the document's own text is about (index.answerability.document_places; () for an old version)
    places: tuple[str, ...] = ()

    def is_read(self, name: str) -> bool:
        """Does field ``name`` ("type" or "doc_type" for the kind) hold what the document states (or an
        admin set), not a guess?"""
        attribute, key = ("type", "doc_type") if name in ("type", "doc_type") else (name, name)
        return bool(getattr(self, attribute, None)) and self.sources.get(key) in ("read", "corrected")

    @classmethod
    def from_row(cls, row: dict) -> "DocRecord":
        """From a store document row (``Store.list_documents``) or a stored JSON object."""
        names = {f.name for f in fields(cls)}
        data = {k: v for k, v in row.items() if k in names}
        data.setdefault("types", [row["type"]] + [t for t in row.get("attachments", []) if t != row["type"]])
        for key in ("types", "attachments", "references", "places", *RELATION_FIELDS):
            data[key] = tuple(data.get(key) or ())
        return cls(**data)

    def public(self) -> dict:
        """The fields shown to users (API, bots)."""
        out = asdict(self)
        out.pop("types")
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


@dataclass
class Manifest:
    """What a version holds and how it was made."""

    version: str
    model: str
    dimensions: int
    corpus_fingerprint: str
    units: int
    created_at: float
    dense: str  # "flat" (exact search), "ivf" or "hnsw" (index.dense.write_ann)
    tokenizer: dict = field(default_factory=lambda: dict(TOKENIZER))
    format_version: int = FORMAT_VERSION
    embedded: int = 0  # units embedded for this version (the rest were reused)
    # how vectors are made: passages always by the torch fp32 model; questions by the encoder named at
    # build time (HOIDAP_QUERY_ENCODER, as resolved: int8 refused at export is onnx-fp32)
    passage_encoder: str = "torch-fp32"
    query_encoder: str = "torch"
    model_fingerprint: str = ""  # of the passages' model weights ("" when unknown); an ONNX export must match
    passage_prompt: str | None = None  # what each passage was prefixed with when embedded (None: not recorded)

    def check_query_encoder(self, variant: str, source: str | None) -> str | None:
        """Refuse questions encoded by an ONNX export of another model than the passages'; a warning
        (returned, to be logged) when the variant is not the one the index was built for."""
        if source and self.model_fingerprint and source != self.model_fingerprint:
            raise IndexMismatch(
                f"bộ mã hoá câu hỏi {variant} được xuất từ một mô hình khác với mô hình đã nhúng các đoạn của "
                f"chỉ mục '{self.version}' ({self.model}); hãy xuất lại: hoidap model export-onnx --force, "
                f"hoặc đặt HOIDAP_QUERY_ENCODER=torch")
        if variant != self.query_encoder:
            return (f"index {self.version} was built for question encoder {self.query_encoder}, questions use "
                    f"{variant} (same model, vectors comparable; run `hoidap index` to record it)")
        return None

    def check(self, model: str, dimensions: int | None = None) -> None:
        """Refuse an index made with another model, dimension or tokenizer than the settings name."""
        if self.format_version != FORMAT_VERSION:
            raise IndexMismatch(f"chỉ mục '{self.version}' có định dạng {self.format_version}, phiên bản này cần "
                                f"định dạng {FORMAT_VERSION}; hãy xây lại chỉ mục: hoidap index --rebuild")
        if self.tokenizer != TOKENIZER:
            raise IndexMismatch(f"chỉ mục '{self.version}' được tách từ bằng bộ tách từ phiên bản "
                                f"{self.tokenizer.get('version')}, phiên bản này cần {TOKENIZER['version']}; "
                                "hãy xây lại chỉ mục: hoidap index (các vectơ được dùng lại)")
        if self.model != model or (dimensions is not None and self.dimensions != dimensions):
            raise IndexMismatch(
                f"chỉ mục '{self.version}' được xây với mô hình '{self.model}' ({self.dimensions} chiều), "
                f"khác cấu hình hiện tại '{model}'"
                + (f" ({dimensions} chiều)" if dimensions else "")
                + "; hãy xây lại chỉ mục: hoidap index --rebuild"
            )


class VersionStore:
    """Versions under ``root``; ``CURRENT`` names the one in use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    @property
    def pointer(self) -> Path:
        return self.root / "CURRENT"

    def current_name(self) -> str | None:
        try:
            name = self.pointer.read_text().strip()
        except FileNotFoundError:
            return None
        return name if name and (self.root / name / "manifest.json").exists() else None

    def current(self) -> tuple[Path, Manifest]:
        name = self.current_name()
        if name is None:
            raise IndexMissing("chưa có chỉ mục; hãy chạy: hoidap index")
        return self.root / name, read_manifest(self.root / name)

    def begin(self) -> Path:
        """A fresh temporary folder to write a new version into."""
        folder = self.root / f".tmp-{uuid.uuid4().hex[:12]}"
        folder.mkdir()
        return folder

    def commit(self, folder: Path, manifest: Manifest, also_keep: str | None = None) -> Path:
        """Write the manifest, move the folder into place, then switch ``CURRENT`` to it; ``also_keep``:
        a version still served elsewhere (by the Milvus alias) that pruning must not remove."""
        (folder / "manifest.json").write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=2))
        final = self.root / manifest.version
        os.replace(folder, final)
        tmp = self.root / f"CURRENT.{uuid.uuid4().hex[:8]}"
        tmp.write_text(manifest.version)
        os.replace(tmp, self.pointer)  # atomic: readers see the old name or the new one
        self._prune(keep={manifest.version, also_keep})
        return final

    def abort(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)

    def _prune(self, keep: set[str | None], keep_last: int = 2) -> None:
        versions = sorted(p for p in self.root.iterdir() if p.is_dir() and p.name.startswith("v"))
        for old in versions[:-keep_last]:
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)
        for stale in self.root.glob(".tmp-*"):
            # a build that died left this behind; anything older than an hour is not being written
            if time.time() - stale.stat().st_mtime > 3600:
                shutil.rmtree(stale, ignore_errors=True)


def write_version(folder: Path, units: list[UnitRecord], docs: dict[str, DocRecord], tokens: list[Tokens],
                  vectors: np.ndarray) -> None:
    """Write the served records, tokens and vectors of a version (the lexical index saves itself)."""
    if not (len(units) == len(tokens) == len(vectors)):
        raise ValueError(f"units ({len(units)}), tokens ({len(tokens)}) and vectors ({len(vectors)}) must align")
    np.save(folder / "vectors.npy", vectors)
    offsets = np.zeros(len(units) + 1, dtype=np.int64)
    with (folder / "units.jsonl").open("wb") as out:
        for i, unit in enumerate(units):
            line = (json.dumps(asdict(unit), ensure_ascii=False) + "\n").encode("utf-8")
            out.write(line)
            offsets[i + 1] = offsets[i] + len(line)
    np.save(folder / "units_index.npy", offsets)
    doc_list = list(dict.fromkeys(u.doc_id for u in units))
    where = {d: i for i, d in enumerate(doc_list)}
    (folder / "units_index.json").write_text(json.dumps({"ids": [u.id for u in units], "docs": doc_list,
                                                         "doc_of": [where[u.doc_id] for u in units]},
                                                        ensure_ascii=False), encoding="utf-8")
    (folder / "docs.json").write_text(json.dumps({k: asdict(d) for k, d in docs.items()}, ensure_ascii=False),
                                      encoding="utf-8")
    with (folder / "tokens.jsonl").open("w", encoding="utf-8") as out:
        for unit, tok in zip(units, tokens):
            out.write(json.dumps([unit.lexical_key, tok.words, tok.folded], ensure_ascii=False) + "\n")


def write_answerability(folder: Path, model_file: Path) -> None:
    """Copy the answerability model into the version (nothing when there is none)."""
    if model_file.exists():
        shutil.copyfile(model_file, folder / "answerability.json")


def answerability_path(folder: Path) -> Path:
    return folder / "answerability.json"


def read_units(folder: Path) -> list[UnitRecord]:
    with (folder / "units.jsonl").open(encoding="utf-8") as lines:
        return [_unit(json.loads(line)) for line in lines if line.strip()]


class UnitTable:
    """A version's units by position, each read from ``units.jsonl`` when asked for (and kept in a
    small cache): a million units cost their offsets, ids and document indexes in memory, not their
    texts. Ids and documents come from ``units_index.json``; a version written before it existed is
    read line by line once.

    Example:
        >>> table = UnitTable(folder)            # doctest: +SKIP
        >>> table[0].id == table.ids[0]          # doctest: +SKIP
        True
    """

    CACHE = 4096

    def __init__(self, folder: Path) -> None:
        path = folder / "units.jsonl"
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        if (folder / "units_index.npy").exists() and (folder / "units_index.json").exists():
            offsets = np.load(folder / "units_index.npy")
            self._starts, self._ends = offsets[:-1], offsets[1:]
            index = json.loads((folder / "units_index.json").read_text(encoding="utf-8"))
            self.ids: list[str] = index["ids"]
            self.doc_list: list[str] = index["docs"]
            self.doc_of = np.asarray(index["doc_of"], dtype=np.int32)
        else:
            self._scan()
        self._cache: dict[int, UnitRecord] = {}
        self._lock = threading.Lock()

    def _scan(self) -> None:
        starts, ends, ids, doc_of, where, at = [], [], [], [], {}, 0
        for line in iter(self._map.readline, b"") if self._map else ():
            if line.strip():
                row = json.loads(line)
                starts.append(at)
                ends.append(at + len(line))
                ids.append(row["id"])
                doc_of.append(where.setdefault(row["doc_id"], len(where)))
            at += len(line)
        self._starts, self._ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
        self.ids, self.doc_list = ids, list(where)
        self.doc_of = np.asarray(doc_of, dtype=np.int32)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, position: int) -> UnitRecord:
        unit = self._cache.get(position)
        if unit is None:
            if not -len(self) <= position < len(self):
                raise IndexError(f"unit position {position} out of range ({len(self)} units)")
            position %= len(self)
            start, end = int(self._starts[position]), int(self._ends[position])
            unit = _unit(json.loads(self._map[start:end]))
            with self._lock:
                if len(self._cache) >= self.CACHE:
                    self._cache.clear()
                self._cache[position] = unit
        return unit

    def __iter__(self):
        return (self[i] for i in range(len(self)))


def _unit(data: dict) -> UnitRecord:
    data["breadcrumb"] = tuple(data["breadcrumb"])
    return UnitRecord(**data)


def read_docs(folder: Path) -> dict[str, DocRecord]:
    raw = json.loads((folder / "docs.json").read_text(encoding="utf-8"))
    return {k: DocRecord.from_row(v) for k, v in raw.items()}


def read_vectors(folder: Path, mmap: bool = False) -> np.ndarray:
    return np.load(folder / "vectors.npy", mmap_mode="r" if mmap else None)


def read_tokens(folder: Path) -> dict[str, Tokens]:
    """Lexical key → tokens, for reuse by the next build."""
    out: dict[str, Tokens] = {}
    with (folder / "tokens.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            key, words, folded = json.loads(line)
            out[key] = Tokens(words, folded)
    return out


def reusable_vectors(folder: Path) -> dict[str, np.ndarray]:
    """Embed key → vector of a version, for reuse by the next build."""
    vectors = read_vectors(folder)
    return {unit.embed_key: vectors[i] for i, unit in enumerate(read_units(folder))}


def content_key(text: str) -> str:
    """The reuse key of an exact text (what is embedded, or what is tokenized)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def new_version_name(fingerprint: str) -> str:
    return time.strftime("v%Y%m%dT%H%M%S", time.gmtime()) + f"-{uuid.uuid4().hex[:6]}-{fingerprint[:8]}"


def read_manifest(folder: Path) -> Manifest:
    data = json.loads((folder / "manifest.json").read_text())
    return Manifest(**data)

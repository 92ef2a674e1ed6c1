"""One index version in memory: everything a question is answered from, read once, never changed.

A :class:`Snapshot` is what a search holds from start to end; a new version becomes visible to the
next search only, so one answer never mixes two versions.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import numpy as np

from core.errors import NotFound
from core.settings import Settings
from corpus.text import fold, match_form
from index.answerability.evidence import DocEvidence, doc_evidence
from index.answerability.model import AnswerabilityModel
from index.dense import DenseIndex
from index.items import unit_item_numbers
from index.lexical import LexicalIndex
from index.restore import SyllableStats
from index.verify import Verifier
from index.versions import DocRecord, Manifest, UnitRecord, UnitTable, answerability_path, read_docs, read_vectors


class DocName(NamedTuple):
    """What :func:`index.filters.named_documents` matches of a document, folded once per version."""

    id: str
    number: str  # the part before the slash ("1601"), "" without a number
    province: str  # folded, "" without one
    year: str
    title: str
    name: str  # the folded title without a leading kind word ("luat", "nghi dinh", ...)
    places: frozenset[str] = frozenset()  # canonical provinces its title or header names (DocEvidence.places)
    pairs: frozenset[tuple[str, str]] = frozenset()  # its title's folded syllable pairs (:func:`title_pairs`)


def title_pairs(text: str) -> frozenset[tuple[str, str]]:
    """The folded syllable pairs of ``text``, letters only ("Luật Việc làm" → (luat, viec), (viec, lam))."""
    words = re.findall(r"[^\W\d_]+", fold(match_form(text)))
    return frozenset(zip(words, words[1:]))


class Snapshot:
    """The served records, lexical index and dense index of one version.

    Args:
        folder: the version's folder.
        manifest: its manifest.
        settings: the dense index's settings (approximate index, its search breadth).
    """

    def __init__(self, folder: Path, manifest: Manifest, settings: Settings) -> None:
        self.folder, self.manifest = folder, manifest
        self.encoder_checked = False  # the question encoder checked against the manifest (index.search)
        self.units = UnitTable(folder)  # each unit read when it is shown
        self.docs: dict[str, DocRecord] = read_docs(folder)
        self.lexical = LexicalIndex.load(folder)
        self.syllables = SyllableStats.load(folder)  # None: a version built before them, questions not restored
        # memory-mapped: API workers serving the same version share these pages
        self.dense = DenseIndex.load(folder, read_vectors(folder, mmap=True), settings)
        self.position = {unit_id: i for i, unit_id in enumerate(self.units.ids)}
        self.doc_list = list(self.docs)
        doc_index = {d: i for i, d in enumerate(self.doc_list)}
        remap = np.array([doc_index[d] for d in self.units.doc_list], dtype=np.int32)
        self.doc_pos = remap[self.units.doc_of] if len(self.units) else np.zeros(0, np.int32)
        self.titles = {d: fold(match_form(doc.title)) for d, doc in self.docs.items()}
        self.doc_names = [DocName(d, doc.number.split("/")[0] if doc.number else "",
                                  fold(match_form(doc.province)) if doc.province else "", str(doc.year), doc.title,
                                  re.sub(r"^(?:luat|bo luat|nghi dinh|thong tu)\s+", "", self.titles[d]))
                          for d, doc in self.docs.items()]
        self.provinces = {doc.province for doc in self.docs.values() if doc.province}
        self.places = {fold(match_form(p)) for p in self.provinces}
        # a scheme "kèm theo Quyết định số 1601/QĐ-…" is also that decision
        self.doc_years = [(doc.types + (("Quyết định",) if "/QĐ" in (doc.number or "") else ()), doc.title,
                           fold(match_form(doc.province or "")), str(doc.year or "")) for doc in self.docs.values()]
        self.doc_numbers = {doc.number for doc in self.doc_names if doc.number}
        self.answerability = AnswerabilityModel.load(answerability_path(folder))  # None: hand thresholds
        self.verifier = Verifier.load(folder)  # None: built without a verifier head (or with the hashing embedder)
        self._by_doc: dict[str, list[int]] = {}
        self._items: dict[str, frozenset[str]] = {}
        order = np.argsort(self.doc_pos, kind="stable")
        bounds = np.searchsorted(self.doc_pos[order], np.arange(len(self.doc_list) + 1))
        for d, doc_id in enumerate(self.doc_list):
            if bounds[d + 1] > bounds[d]:
                self._by_doc[doc_id] = order[bounds[d]:bounds[d + 1]].tolist()
        # what each document's own title and header say (the vetoes trust these, not guessed fields)
        self.doc_evidence: dict[str, DocEvidence] = {d: doc_evidence(doc, self._header(d)) for d, doc in self.docs.items()}
        self.evidence_places = frozenset().union(*(e.places for e in self.doc_evidence.values()))
        self.doc_names = [name._replace(places=self.doc_evidence[name.id].places, pairs=title_pairs(name.title))
                          for name in self.doc_names]
        # how many titles hold each syllable pair (index.filters.title_named: a rare one names its documents)
        self.title_pair_counts = Counter(pair for name in self.doc_names for pair in name.pairs)

    def items_of(self, doc_id: str) -> frozenset[str]:
        """The element numbers ("3.16", "iii", "10") the document's units carry (:mod:`index.items`), read
        once per version and document, when a question first names one."""
        held = self._items.get(doc_id)
        if held is None:
            held = self._items[doc_id] = unit_item_numbers(self.units[i] for i in self._by_doc.get(doc_id, []))
        return held

    def _header(self, doc_id: str) -> str:
        """The text of the document's header unit (agency, number, date, kind and title), "" if none."""
        first = self._by_doc.get(doc_id)
        if not first:
            return ""
        unit = self.units[first[0]]
        return unit.text if unit.kind == "header" else ""

    @property
    def version(self) -> str:
        return self.manifest.version

    def doc_of(self, position: int) -> str:
        return self.doc_list[self.doc_pos[position]]

    def positions_of_docs(self, doc_ids: set[str]) -> np.ndarray:
        """A mask over units: True for the units of ``doc_ids``."""
        wanted = np.array([d in doc_ids for d in self.doc_list], dtype=bool)
        return wanted[self.doc_pos] if len(self.units) else np.zeros(0, bool)

    # --- reads for channels: the same snapshot the answers come from ------------------------

    def document(self, doc_id: str) -> DocRecord:
        try:
            return self.docs[doc_id]
        except KeyError:
            raise NotFound(f"không có văn bản mã '{doc_id}'") from None

    def unit(self, unit_id: str) -> UnitRecord:
        try:
            return self.units[self.position[unit_id]]
        except KeyError:
            raise NotFound(f"không có đoạn văn bản mã '{unit_id}'") from None

    def units_of(self, doc_id: str) -> list[UnitRecord]:
        self.document(doc_id)
        return [self.units[i] for i in self._by_doc.get(doc_id, [])]

    def neighbours(self, unit_id: str) -> tuple[UnitRecord | None, UnitRecord | None]:
        """The units before and after ``unit_id`` in its document."""
        unit = self.unit(unit_id)
        siblings = self._by_doc[unit.doc_id]
        i = siblings.index(self.position[unit_id])
        before = self.units[siblings[i - 1]] if i > 0 else None
        after = self.units[siblings[i + 1]] if i + 1 < len(siblings) else None
        return before, after

"""Training pairs for the semantic verifier: (question, clause, does the clause answer it).

Deterministic (a fixed seed, files read in name order). Three sources, all the project may ship:

- **synthetic questions from units** (the shipped documents and the official documents of
  ``../shared/realdocs``, read at training time, never copied): a window of a clause's words asked
  as a question ("Tỷ lệ hồ sơ … đạt bao nhiêu?", "… là gì?", "… không?"), sometimes naming the
  document's kind, province and year, sometimes without diacritics. Each positive has hard
  negatives: the neighbouring unit; the most similar unit of another document (when the question
  names its own document's province or year); the same question with its year, province or a
  number (a task number, a quantity) swapped for one the clause does not hold; the same question
  with a phrase swapped for a phrase of another unit (another indicator);
- **the dev set's questions** (``eval/abstain_data.py``'s splits): gold units as positives, the most
  similar other units and the entity-swapped copies as negatives;
- **hand-written out-of-scope questions** (``oos_train.jsonl``) against their most similar units.

The head is trained on the synthetic pairs only (eval/train_verifier.py says why); the dev pairs
measure it.
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from corpus.model import Metadata
from corpus.store import Store
from corpus.text import fold, match_form
from eval.abstain_data import OTHER_PROVINCES, build as build_examples
from eval.gold import load_gold, normalize, relevant_units
from index.build import passage_text

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"(?<![\w/])\d+(?:[.,]\d+)*%?(?![\w/])")
_YEAR = re.compile(r"(?<![\d/.])((?:19|20)\d{2})(?![\d/])")
_BULLET = re.compile(r"^\s*(?:[-–•+]|[a-zđ]\)|\d+(?:\.\d+)*\.?|[IVX]+\.)\s*")
_SENTENCE = re.compile(r"(?<=[.;:!?])\s+|\n+")
_PROVINCES = ("Quảng Nam", "Bình Định", "Đồng Tháp", "Đắk Lắk", "Nghệ An", "Quảng Trị", "Đồng Nai", "Hà Tĩnh",
              "Cần Thơ", "Hải Phòng", "Hồ Chí Minh", "Hà Nội") + OTHER_PROVINCES
_ASK_WORDS = ("là gì", "như thế nào", "gồm những gì", "ra sao", "được quy định thế nào")


@dataclass(frozen=True)
class Unit:
    """A unit as the verifier sees it: the passage the index embeds, and where it comes from."""

    id: str
    doc_id: str
    text: str
    passage: str
    meta_line: str  # "Kế hoạch Quảng Nam năm 2025": how a question names its document
    province: str
    year: str


@dataclass(frozen=True)
class Pair:
    question: str
    unit: str  # unit id
    label: int
    source: str  # synthetic kinds, dev, dev_swap, oos
    split: str  # train or heldout


def units_of(store: Store, id_prefix: str = "") -> list[Unit]:
    """Every unit of ``store`` with its passage text (the index's ``passage_text``)."""
    metas: dict[str, Metadata] = {d["id"]: store.metadata(d["id"]) for d in store.list_documents()}
    out = []
    for u in store.units():
        meta = metas[u.doc_id]
        line = " ".join(str(p) for p in (meta.doc_type, meta.province, f"năm {meta.year}" if meta.year else "") if p)
        out.append(Unit(id_prefix + u.id, id_prefix + u.doc_id, u.text, passage_text(u, meta), line,
                        meta.province or "", str(meta.year or "")))
    return out


def _rng(key: str) -> random.Random:
    return random.Random(int(hashlib.sha256(key.encode()).hexdigest()[:12], 16))


def _words(text: str) -> set[str]:
    return set(_WORD.findall(fold(match_form(text))))


class Similar:
    """The most similar units to a text by IDF-weighted shared folded syllables."""

    def __init__(self, units: list[Unit]) -> None:
        self.units = units
        self.postings: dict[str, list[int]] = defaultdict(list)
        for i, u in enumerate(units):
            for w in _words(u.text):
                self.postings[w].append(i)
        n = len(units)
        self.idf = {w: math.log(1 + n / len(p)) for w, p in self.postings.items()}

    def top(self, text: str, k: int, exclude: set[str] = frozenset(), other_doc_than: str | None = None) -> list[Unit]:
        score: dict[int, float] = defaultdict(float)
        for w in _words(text):
            if len(self.postings.get(w, ())) > len(self.units) // 4:
                continue  # too common to say anything
            for i in self.postings.get(w, ()):
                score[i] += self.idf[w]
        ranked = sorted(score, key=lambda i: (-score[i], i))
        out = []
        for i in ranked:
            u = self.units[i]
            if u.id in exclude or (other_doc_than is not None and u.doc_id == other_doc_than):
                continue
            out.append(u)
            if len(out) == k:
                break
        return out


def _window(text: str, rng: random.Random) -> str | None:
    """One or two clauses (cut at commas and semicolons) of one sentence of ``text``: 5 to 14 words."""
    sentences = [_BULLET.sub("", s).strip() for s in _SENTENCE.split(text)]
    sentences = [s for s in sentences if len(s.split()) >= 5]
    if not sentences:
        return None
    clauses = [c.strip() for c in _CLAUSE.split(rng.choice(sentences).rstrip(".;:")) if c.strip()]
    start = rng.randrange(len(clauses))
    words = clauses[start].split()
    for clause in clauses[start + 1:]:
        if len(words) >= 5:
            break
        words += clause.split()
    if len(words) < 4:
        return None
    return " ".join(words[:14]).strip(",;:()")


_CLAUSE = re.compile(r"[,;]\s+|\s+[-–]\s+")
_CODE = re.compile(r"^\d{1,2}(?:\.\d{1,2}){1,2}$")  # a task or item number "3.11", not a quantity


@dataclass(frozen=True)
class Shape:
    """How a window is asked: the question form and how the document is named (drawn once, so a
    swapped window is asked the same way)."""

    form: float
    ask_word: str
    named: str  # "", "prefix" or "suffix"
    folded: bool


def draw_shape(unit: Unit, rng: random.Random) -> Shape:
    named = "" if not unit.meta_line or rng.random() >= 0.5 else rng.choice(("prefix", "suffix"))
    return Shape(rng.random(), rng.choice(_ASK_WORDS), named, rng.random() < 0.2)


def ask(window: str, unit: Unit, shape: Shape) -> str:
    """The window asked as a question: a quantity asked for, or a question word added; the document
    named before or after it; sometimes without diacritics."""
    number = next((m for m in _NUMBER.finditer(window) if not _YEAR.fullmatch(m.group(0))
                   and not _CODE.match(m.group(0))), None)
    lowered = window[0].lower() + window[1:]
    if number and shape.form < 0.8:
        question = window[:number.start()] + "bao nhiêu" + window[number.end():] + "?"
    elif shape.form < 0.25:
        question = f"{window} {shape.ask_word}?"
    elif shape.form < 0.45:
        question = f"Có {lowered} không?"
    elif shape.form < 0.6:
        question = f"Văn bản nói gì về {lowered}?"
    else:
        question = window  # keywords, as typed into a search box
    if shape.named == "prefix":
        question = f"Theo {unit.meta_line}, {question[0].lower() + question[1:]}"
    elif shape.named == "suffix":
        question = f"{question.rstrip('?')} ({unit.meta_line})?"
    return fold(question) if shape.folded else question


def _swap_year(question: str, unit: Unit, rng: random.Random) -> str | None:
    years = [y for y in _YEAR.findall(question)]
    if not years:
        return None
    options = [str(y) for y in range(2015, 2036) if str(y) not in unit.passage]  # not even inside a number
    return re.sub(rf"(?<![\d/.]){years[0]}(?![\d/])", rng.choice(options), question)


def _swap_province(question: str, unit: Unit, rng: random.Random) -> str | None:
    folded_q = fold(question).lower()
    for province in _PROVINCES:
        form = fold(province).lower()
        if form in folded_q:
            passage = fold(unit.passage).lower()
            options = [p for p in _PROVINCES if fold(p).lower() not in passage and p != province]
            other = rng.choice(options)
            pattern = re.compile(re.escape(province) if province in question else re.escape(fold(province)), re.I)
            return pattern.sub(other if province in question else fold(other), question, count=1)
    return None


def _swap_number(question: str, unit: Unit, rng: random.Random) -> str | None:
    numbers = [m for m in _NUMBER.finditer(question) if not _YEAR.fullmatch(m.group(0))
               and m.group(0) not in question.split("(")[-1]]
    if not numbers:
        return None
    m = rng.choice(numbers)
    held = set(_NUMBER.findall(unit.passage))
    value = m.group(0)
    for _ in range(20):
        if "." in value:  # a task number "3.11": another task of the same shape
            parts = value.split(".")
            candidate = ".".join(parts[:-1] + [str(rng.randint(1, 60))])
        else:
            digits = re.sub(r"\D", "", value) or "1"
            candidate = str(max(1, int(digits) + rng.choice([-3, -2, -1, 1, 2, 5, 10]) * max(1, int(digits) // 10)))
            candidate += "%" if value.endswith("%") else ""
        if candidate not in held and candidate != value:
            return question[:m.start()] + candidate + question[m.end():]
    return None


def _swap_phrase(window: str, unit: Unit, donor: Unit, rng: random.Random) -> str | None:
    """A two-word phrase of the window replaced by a two-word phrase of another unit that this unit
    does not hold (another indicator, task or subject)."""
    words = window.split()
    held = _words(unit.passage)
    spots = [i for i in range(len(words) - 1) if all(_WORD.fullmatch(w) and not _NUMBER.fullmatch(w)
                                                     for w in words[i:i + 2])]
    donor_words = [w for w in donor.text.split() if _WORD.fullmatch(w)]
    phrases = [donor_words[i:i + 2] for i in range(len(donor_words) - 1)
               if not (_words(" ".join(donor_words[i:i + 2])) <= held)]
    if not spots or not phrases:
        return None
    i = rng.choice(spots)
    return " ".join(words[:i] + [" ".join(rng.choice(phrases)).lower()] + words[i + 2:])


def _near_duplicate(a: Unit, b: Unit) -> bool:
    wa, wb = _words(a.text), _words(b.text)
    return len(wa & wb) / max(1, len(wa | wb)) > 0.6


def synthetic_pairs(units: list[Unit], per_unit: int, split_of, similar: Similar, seed: str = "verifier") -> list[Pair]:
    """Synthetic positives and their hard negatives (see the module docstring)."""
    by_doc: dict[str, list[Unit]] = defaultdict(list)
    for u in units:
        by_doc[u.doc_id].append(u)
    pairs: list[Pair] = []
    for doc_units in by_doc.values():
        for i, unit in enumerate(doc_units):
            for n in range(per_unit):
                rng = _rng(f"{seed}:{unit.id}:{n}")
                window = _window(unit.text, rng)
                if window is None:
                    continue
                shape = draw_shape(unit, rng)
                question, named = ask(window, unit, shape), bool(shape.named)
                split = split_of(unit.doc_id)
                pairs.append(Pair(question, unit.id, 1, "synthetic", split))
                neighbours = [doc_units[j] for j in (i - 1, i + 1) if 0 <= j < len(doc_units)]
                asked = _words(window)
                for other in neighbours:
                    # a neighbour that holds every word asked answers the words as well: no negative
                    if not _near_duplicate(unit, other) and not asked <= _words(other.passage):
                        pairs.append(Pair(question, other.id, 0, "neighbour", split))
                if named:
                    for other in similar.top(question, 3, {unit.id}, other_doc_than=unit.doc_id):
                        if (other.province != unit.province or other.year != unit.year) and \
                                not (other.province and other.province in question) and other.year not in question:
                            pairs.append(Pair(question, other.id, 0, "other_doc", split))
                            break
                for kind, swapped in (("swap_year", _swap_year(question, unit, rng)),
                                      ("swap_province", _swap_province(question, unit, rng)),
                                      ("swap_number", _swap_number(question, unit, rng))):
                    if swapped and swapped != question:
                        pairs.append(Pair(swapped, unit.id, 0, kind, split))
                donor = [d for d in similar.top(unit.text, 8, {unit.id}) if not _near_duplicate(unit, d)]
                if donor:
                    swapped = _swap_phrase(window, unit, rng.choice(donor), rng)
                    if swapped and swapped != window:
                        pairs.append(Pair(ask(swapped, unit, shape), unit.id, 0, "swap_phrase", split))
    return pairs


def dev_pairs(units: list[Unit], similar: Similar, negatives: int = 5) -> list[Pair]:
    """The dev set's answerable questions (gold units against their most similar other units), its
    entity-swapped copies against the gold units, and the hand-written out-of-scope questions of the
    train file against their most similar units; each in its abstain_data split."""
    gold = {q.id: q for q in load_gold()}
    texts = {u.id: (u.doc_id, normalize(u.text)) for u in units}
    by_id = {u.id: u for u in units}
    pairs: list[Pair] = []
    relevant: dict[str, set[str]] = {}
    for example in build_examples():
        if example.source == "dev":
            rel = relevant_units(gold[example.id], texts)
            relevant[example.id] = rel
            if not rel:
                continue
            for uid in sorted(rel):
                pairs.append(Pair(example.question, uid, 1, "dev", example.split))
            for other in similar.top(example.question, negatives, rel):
                if not any(_near_duplicate(by_id[uid], other) for uid in rel):
                    pairs.append(Pair(example.question, other.id, 0, "dev_negative", example.split))
    for example in build_examples():
        if example.source.startswith("swap_"):
            source = example.id.split("-swap-")[0]
            for uid in sorted(relevant.get(source, ()))[:2]:
                pairs.append(Pair(example.question, uid, 0, "dev_swap", example.split))
        elif example.source == "oos_train":
            for other in similar.top(example.question, 2):
                pairs.append(Pair(example.question, other.id, 0, "oos", "train"))
    return pairs


def sample_units(units: list[Unit], limit: int) -> list[Unit]:
    """At most ``limit`` units with at least eight words, chosen by a fixed hash of their ids."""
    eligible = [u for u in units if len(u.text.split()) >= 8]
    ranked = sorted(eligible, key=lambda u: hashlib.sha256(f"sample:{u.id}".encode()).hexdigest())
    chosen = {u.id for u in ranked[:limit]}
    return [u for u in units if u.id in chosen]


def doc_split(doc_id: str) -> str:
    """Synthetic pairs of a few documents are held out (by a fixed hash of the document id)."""
    return "heldout" if int(hashlib.sha256(f"verifier:{doc_id}".encode()).hexdigest()[:8], 16) % 10 < 2 else "train"


def realdoc_store(folder: Path, data_dir: Path):
    """The official documents of ``folder`` ingested into a store of their own under ``data_dir``."""
    from core.settings import Settings
    from corpus.ingest import Ingester

    settings = Settings(data_dir=data_dir)
    store = Store(settings.db_path)
    report = Ingester(store, settings).ingest_paths([folder])
    if report.failed:
        log.info("%d official documents not read (%s …)", len(report.failed), report.failed[0].reason)
    return store

"""The sentences an answer quotes: the retrieved units cut into pieces (sentences, a table row's
fields), and those that answer the question's kind picked, verbatim. Pure functions; no I/O."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from corpus.text import UPPER, fold, match_form
from corpus.vocab import AGENCY_MENTION as _AGENCY
from corpus.vocab import DATE_MENTION as _DATE
from corpus.vocab import NUMBER_MENTION as _NUMBER
from corpus.vocab import ANSWER_SPANS
from corpus.vocab import STOP_WORDS as _STOP
from corpus.vocab import STOP_WORDS_TONED as _STOP_TONED
from index.query import Query
from index.tokenize import expand_text

NAMING_SHARE = 0.2  # what a question word that names the quoted unit's own document counts
_SENTENCES = re.compile(r"(?<=[.;!?])\s+(?=[\"“(]?[" + UPPER + r"0-9\-–])|\n+")


@dataclass
class Quote:
    text: str  # verbatim from the unit
    unit_index: int  # index into the candidate units
    score: float


def _terms(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", fold(match_form(text))) if w not in _STOP and len(w) > 1}


def _syllables(text: str) -> set[str]:
    """The content syllables of ``text`` with their tones ("thủ", "thu" and "thư" stay apart); "%" reads
    "phần trăm"."""
    words = re.findall(r"\w+", match_form(text)) + (["phần", "trăm"] if "%" in text else [])
    return {w for w in words if len(w) > 1 and w not in _STOP_TONED and not (fold(w) == w and w in _STOP)}


class _Words:
    """A text's syllables, toned and folded: a toned question syllable matches the same toned syllable;
    one typed (or left) without diacritics matches any tone of it."""

    def __init__(self, text: str) -> None:
        self.toned = _syllables(text)
        self.folded = {fold(w) for w in self.toned}

    def holds(self, syllable: str) -> bool:
        return syllable in self.toned or (fold(syllable) == syllable and syllable in self.folded)


_ROW_FIELD = re.compile(r"; (?=[" + UPPER + r"][^:;]{1,45}: )")


def pieces(text: str, is_table_row: bool) -> list[str]:
    """A unit cut into quotable pieces: sentences, or a table row's "Header: value" fields."""
    if is_table_row:
        return [p.strip() for p in _ROW_FIELD.split(text) if p.strip()]
    out = [p.strip() for p in _SENTENCES.split(text) if p and p.strip()]
    return [re.sub(r"^[-–•+]\s*", "", p) for p in out if len(p) > 2]


_ROW_HEAD = re.compile(r"^[" + UPPER + r"][^:;]{1,45}: ")


def _kind_bonus(piece: str, kind: str) -> float:
    head = piece.split(":", 1)[0].lower() if _ROW_HEAD.match(piece) else ""
    if head and kind in ("agency", "date"):
        # a table field answers by its header: "Cơ quan chủ trì: ...", "Thời gian hoàn thành: ..."
        wanted = ("chủ trì", "phối hợp", "cơ quan") if kind == "agency" else ("thời gian",)
        return 3.0 * any(w in head for w in wanted) + 0.5 * (kind == "agency" and "chủ trì" in head)
    if kind == "agency":
        return 1.5 * bool(_AGENCY.search(piece)) + 2.0 * ("chủ trì" in head) + 0.5 * ("phối hợp" in head)
    if kind == "date":
        return 1.5 * bool(_DATE.search(piece)) + 2.0 * ("thời gian" in head)
    if kind == "number":
        return 1.5 * bool(_NUMBER.search(piece))
    if kind in ANSWER_SPANS:
        return 2.0 * bool(ANSWER_SPANS[kind].mention.search(piece))
    return 0.0


def select_quotes(question: str | Query, units: list[tuple[str, bool]], kinds: list[str] | str, limit: int = 3,
                  headers: set[int] = frozenset(), named: list[str] | None = None) -> list[Quote]:
    """The pieces of the candidate units (best first) that best answer ``question``.

    Pieces are scored by the IDF-weighted share of the question's syllables they hold (toned as
    asked), plus a bonus for holding what the question's kinds ask for (an agency, a date, a number),
    minus a little for coming from a lower-ranked unit. A question's words that name a unit's own
    document (``named[i]``: its kind, number, issuer, title) chose the document already, so they
    count little towards which of its pieces answers. The best piece leads; each other kind asked
    for adds the best piece that answers it. ``units`` are (text, is_table_row).
    """
    kinds = [kinds] if isinstance(kinds, str) else kinds
    folded = question.expanded_folded if isinstance(question, Query) else fold(match_form(expand_text(question)))
    asked = question.expanded if isinstance(question, Query) else expand_text(question)
    wanted = _syllables(asked) or _terms(folded)
    naming = [_Words(text) for text in named] if named is not None else None

    def held(piece: str) -> set[str]:
        words = _Words(piece)
        return {w for w in wanted if words.holds(w)}

    all_pieces = [(index, order, piece, held(piece)) for index, (text, is_row) in enumerate(units)
                  for order, piece in enumerate(pieces(text, is_row))]
    # a document's heading block answers "when"/"which number", rarely "who" or "what"
    header_penalty = 0.0 if {"date", "number"} & set(kinds) else 1.0
    if not all_pieces:
        return []
    df: dict[str, int] = {}
    for *_, terms in all_pieces:
        for term in terms & wanted:
            df[term] = df.get(term, 0) + 1
    n = len(all_pieces)
    weight = {t: math.log(1 + n / (1 + df.get(t, 0))) for t in wanted}
    total = sum(weight.values()) or 1.0
    # the share of a word's weight left when it names the piece's own document — or the first unit's: a word
    # that names the document the search put first gives no lead to a piece of another document that happens
    # to write it
    named_first = {t for t in wanted if naming and naming[0].holds(t)}
    own = [{t: NAMING_SHARE if words.holds(t) or t in named_first else 1.0 for t in wanted} for words in naming] \
        if naming else None

    # the head of a Vietnamese question usually names what it is about: "Tờ trình ... số mấy?"
    head_words = [w for w in re.findall(r"\w+", folded)[:2] if w not in _STOP]

    def score(item, kind_list) -> float:
        index, order, piece, terms = item
        overlap = sum(weight[t] * (own[index][t] if own else 1.0) for t in terms) / total
        folded_terms = {fold(t) for t in terms}
        # (not when the head is the kind of the unit's own document: "Kế hoạch … căn cứ quyết định nào")
        focus = 0.8 if head_words and all(w in folded_terms for w in head_words) and not (
            naming and any(all(naming[i].holds(w) for w in head_words) for i in {index, 0})) else 0.0
        penalty = header_penalty if index in headers else 0.0
        return overlap * 3 + focus + sum(_kind_bonus(piece, k) for k in kind_list) - 0.4 * index - 0.01 * order - penalty

    ranked = sorted(all_pieces, key=lambda item: -score(item, kinds))
    chosen = [ranked[0]]
    for kind in kinds:
        if kind == "general" or any(_kind_bonus(c[2], kind) > 0 for c in chosen):
            continue
        # what a row says about its own task comes from that row
        lead_first = [p for p in all_pieces if p[0] == chosen[0][0]] + [p for p in all_pieces if p[0] != chosen[0][0]]
        best = max((p for p in lead_first if p not in chosen and _kind_bonus(p[2], kind) > 0),
                   key=lambda item: score(item, [kind]) + 2.0 * (item[0] == chosen[0][0]), default=None)
        if best is not None:
            chosen.append(best)
    lead = chosen[0][0]
    if "list" in kinds and not units[lead][1]:
        # a list question: the whole enumeration of the leading unit, in order
        chosen = [p for p in all_pieces if p[0] == lead][:6] + [c for c in chosen if c[0] != lead]
        limit = max(limit, len(chosen))
    # a second piece of the leading unit when it adds to the answer
    extra = next((p for p in ranked[1:] if p[0] == lead and p not in chosen and score(p, kinds) > 1.0), None)
    if extra is not None and len(chosen) < limit:
        chosen.append(extra)
    if units[lead][1] and any(k in ("agency", "date") for k in kinds):
        first = next(p for p in all_pieces if p[0] == lead and p[1] == 0)
        if first not in chosen:
            chosen.insert(1, first)  # the task itself, so the agency or date says what it is for
    # read in the document's order: the task before its agency and date
    chosen = sorted(chosen[:5], key=lambda item: (item[0], item[1]))
    quotes = [Quote(piece, index, score((index, order, piece, terms), kinds)) for index, order, piece, terms in chosen]
    return [q for q in quotes if q.text in units[q.unit_index][0]]  # verbatim only


def verbatim(quote: str, unit_text: str) -> bool:
    """True if ``quote`` appears in the unit exactly as written."""
    return bool(quote) and quote in unit_text

"""Every part of the question: a question that compares or joins two years, provinces or documents
("mục tiêu 2022 và 2025", "Đồng Tháp so với Quảng Nam", "đề án 1601 và đề án 905") becomes one
question per entity, each answered on its own. Pure functions; no I/O.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from core.errors import InvalidQuery
from corpus.text import fold
from corpus.vocab import NAMED_DOC_NUMBER
from corpus.vocab import PLACES
from index.query import Query

__all__ = ["MAX_PARTS", "Part", "split_parts"]

# each part is a search and an answer of its own: a question naming more is refused, not answered at any cost
MAX_PARTS = 6
_KIND_NAMES = {"year": "năm", "place": "tỉnh", "document": "văn bản"}

_JOIN = r"(?:,|và|va|với|voi|so với|so voi|hay|hoặc|hoac|vs\.?|&)"


@dataclass(frozen=True)
class Part:
    """One entity of a compared question: its label as shown ("2022", "Đồng Tháp", "đề án 1601"),
    the question asked about it alone, and what kind of entity it is (year, place, document)."""

    label: str
    text: str
    kind: str


def split_parts(query: Query) -> list[Part]:
    """One sub-question per year, province or document the question compares or joins; [] for one.

    Two years count only when joined ("2022 và 2025", "năm 2022 so với năm 2025"), never as a
    period ("2022-2025", "từ 2022 đến 2025"). Two provinces or two document numbers named anywhere count.

    Raises:
        InvalidQuery: ``too_many_parts``, more than :data:`MAX_PARTS` entities of one kind.

    Example:
        >>> from index.query import analyse
        >>> [(p.label, p.text) for p in split_parts(analyse("Mục tiêu năm 2022 và năm 2025 của Quảng Nam"))]
        [('2022', 'Mục tiêu năm 2022 của Quảng Nam'), ('2025', 'Mục tiêu năm 2025 của Quảng Nam')]
        >>> split_parts(analyse("Đề án Quảng Nam giai đoạn 2022-2025 có mục tiêu gì"))
        []
    """
    folded = fold_chars(query.text)
    for kind, found in (("year", _years(folded)), ("place", _places(folded)), ("document", document_spans(folded))):
        spans = list({label: (label, start, end) for label, start, end in reversed(found)}.values())[::-1]
        if len(spans) > MAX_PARTS:
            raise InvalidQuery(f"Câu hỏi nêu {len(spans)} {_KIND_NAMES[kind]} cùng lúc; mỗi câu hỏi so sánh tối đa "
                               f"{MAX_PARTS} năm, tỉnh hoặc văn bản. Hãy tách thành nhiều câu hỏi nhỏ hơn.",
                               code="too_many_parts")
        if len(spans) >= 2:
            return [Part(query.text[start:end] if kind == "document" else label,
                         _without(query.text, folded, spans, i), kind) for i, (label, start, end) in enumerate(spans)]
    return []


def _years(folded: str) -> list[tuple[str, int, int]]:
    found = []
    for m in re.finditer(r"\b(?:nam\s+)?((?:19|20)\d{2})\b", folded):
        before, after = folded[:m.start()], folded[m.end():]
        if re.search(r"(?:[-–/]|\bden(?: het)?(?: nam)?|\btu(?: nam)?)\s*$", before) or re.match(r"\s*(?:[-–/]|den\b)", after):
            continue  # a period, or a date: not a year of its own
        found.append((m.group(1), m.start(), m.end()))
    # only years joined to one another: "2022 và 2025", "năm 2022 so với năm 2025"
    joined = [(a, b) for a, b in itertools.pairwise(found) if re.fullmatch(rf"\s*{_JOIN}\s*", folded[a[2]:b[1]])]
    return list(dict.fromkeys(span for pair in joined for span in pair))


def _places(folded: str) -> list[tuple[str, int, int]]:
    found = []
    for key, name in PLACES.items():
        for m in re.finditer(rf"(?<!\w)(?:tinh\s+)?{re.escape(key)}(?!\w)", folded):
            found.append((name, m.start(), m.end()))
    # of two names that overlap ("Thanh Hóa bình quân" is not also "Hòa Bình"), the first, the longer at one start
    kept, end = [], -1
    for span in sorted(found, key=lambda span: (span[1], span[1] - span[2])):
        if span[1] >= end:
            kept.append(span)
            end = span[2]
    return kept


def document_spans(folded: str) -> list[tuple[str, int, int]]:
    """Document numbers named with their type ("đề án 1601", "QĐ số 905"): (number, start, end)."""
    found = []
    for m in NAMED_DOC_NUMBER.finditer(folded):
        if not re.fullmatch(r"(?:19|20)\d{2}", m.group(1)):
            found.append((m.group(1), m.start(), m.end()))
    return found


def _without(text: str, folded: str, spans: list[tuple[str, int, int]], keep: int) -> str:
    """``text`` without the entities other than ``spans[keep]``, each with the word that joined it."""
    cuts = []
    for i, (_, start, end) in enumerate(spans):
        if i == keep:
            continue
        left = re.search(rf"\s*{_JOIN}\s*$", folded[:start])
        right = re.match(rf"\s*{_JOIN}\s*", folded[end:])
        if left:
            cuts.append((left.start(), end))
        elif right:
            cuts.append((start, end + right.end()))
        else:
            cuts.append((start, end))
    out = text
    for start, end in sorted(cuts, reverse=True):
        out = out[:start] + " " + out[end:]
    return re.sub(r"\s+([,:;?.])", r"\1", " ".join(out.split()))


def fold_chars(text: str) -> str:
    """``text`` lowercased without diacritics, one character for one, so offsets match."""
    return "".join((fold(ch.lower()) or ch)[:1] for ch in text)

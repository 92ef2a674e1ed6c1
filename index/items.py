"""Numbered elements a question names and a document does not have ("nhiệm vụ 3.47" of a plan whose
appendix stops at 3.30, "Điều 12" of a decision with four articles).

A fact about the corpus, read from the units themselves (their labels, breadcrumbs and text), so it
holds for any document an admin adds: when the question names an element by its number and none of
the documents it is about carries that number, the documents cannot answer it.

Example:
    >>> asked_items("Nhiệm vụ 3.7 trong phụ lục do cơ quan nào chủ trì?")
    ('3.7',)
    >>> sorted(item_numbers(["Phụ lục I, nhiệm vụ 3.6", "mục III.5", "Nhiệm vụ cụ thể 3.16: Rà soát"]))
    ['16', '3', '3.16', '3.6', '5', '6', 'i', 'iii', 'iii.5']
"""

from __future__ import annotations

import re
from typing import Iterable

from corpus.text import fold, match_form
from corpus.vocab import NUMBERED_ITEM

_LABEL_NUMBER = re.compile(r"(?<![\w.])((?:\d{1,3}|[ivxl]{1,6})(?:\.\d{1,3})*)(?![\w/])")
_HEAD_NUMBER = re.compile(r"^\s*((?:\d{1,3}|[ivxl]{1,6})(?:\.\d{1,3})*)[.:)]\s")


def asked_items(question: str) -> tuple[str, ...]:
    """The numbers of the elements ``question`` names with their word ("nhiệm vụ 3.7" → "3.7"), folded."""
    return tuple(dict.fromkeys(m.group(1) for m in NUMBERED_ITEM.finditer(fold(match_form(question)))))


def _with_parts(number: str) -> list[str]:
    parts = number.split(".")
    return [number, *parts, *(".".join(parts[:i]) for i in range(2, len(parts)))]


def item_numbers(texts: Iterable[str]) -> frozenset[str]:
    """Every element number that labels, breadcrumbs or unit texts carry: after an element word anywhere,
    a label's numbers ("mục III.5" → "iii.5", "iii", "5"), a heading's leading number ("2. Sở …" → "2")."""
    out: set[str] = set()
    for text in texts:
        folded = fold(match_form(text))
        for m in NUMBERED_ITEM.finditer(folded):
            out.update(_with_parts(m.group(1)))
        head = _HEAD_NUMBER.match(folded)
        if head:
            out.update(_with_parts(head.group(1)))
    return frozenset(out)


def label_numbers(label: str) -> frozenset[str]:
    """The numbers of a unit label ("Phụ lục I, nhiệm vụ 3.6" → "i", "3.6", "3", "6")."""
    out: set[str] = set()
    for m in _LABEL_NUMBER.finditer(fold(match_form(label))):
        out.update(_with_parts(m.group(1)))
    return frozenset(out)


def unit_item_numbers(units) -> frozenset[str]:
    """The element numbers of a document's units (:class:`index.versions.UnitRecord`)."""
    texts: list[str] = []
    numbers: set[str] = set()
    for unit in units:
        numbers |= label_numbers(unit.label)
        texts.extend(unit.breadcrumb)
        texts.append(unit.text)
    return frozenset(numbers | item_numbers(texts))


def missing_items(asked: tuple[str, ...], held: Iterable[frozenset[str]]) -> tuple[str, ...]:
    """The asked numbers that none of the documents' number sets holds (empty when no document is given)."""
    sets = list(held)
    if not sets:
        return ()
    return tuple(n for n in asked if not any(n in s for s in sets))

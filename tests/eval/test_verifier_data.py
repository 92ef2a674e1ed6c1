"""The verifier's training pairs: deterministic, and each hard negative really is one (the swapped year,
province or number is not in the clause; a swapped phrase is not either)."""

from __future__ import annotations

import re

import pytest

from corpus.store import Store
from corpus.text import fold
from eval import verifier_data as data


@pytest.fixture(scope="module")
def units(corpus_store: Store) -> list[data.Unit]:
    return data.units_of(corpus_store)


@pytest.fixture(scope="module")
def pairs(units: list[data.Unit]) -> list[data.Pair]:
    return data.synthetic_pairs(units, 2, data.doc_split, data.Similar(units))


def test_pairs_are_the_same_on_every_run(units: list[data.Unit], pairs: list[data.Pair]) -> None:
    again = data.synthetic_pairs(units, 2, data.doc_split, data.Similar(units))
    assert again == pairs


def test_every_kind_of_hard_negative_is_made(pairs: list[data.Pair]) -> None:
    kinds = {p.source for p in pairs}
    assert {"synthetic", "neighbour", "other_doc", "swap_year", "swap_province", "swap_phrase"} <= kinds
    positives = sum(p.label for p in pairs)
    assert 0 < positives < len(pairs) / 2


def test_swapped_years_and_provinces_are_not_in_the_clause(units: list[data.Unit], pairs: list[data.Pair]) -> None:
    by_id = {u.id: u for u in units}
    for pair in pairs:
        passage = fold(by_id[pair.unit].passage).lower()
        if pair.source == "swap_year":
            years = re.findall(r"(?<![\d/.])((?:19|20)\d{2})(?![\d/])", pair.question)
            assert any(y not in passage for y in years), pair
        if pair.source == "swap_province":
            named = [p for p in data._PROVINCES if fold(p).lower() in fold(pair.question).lower()]
            assert any(fold(p).lower() not in passage for p in named), pair


def test_a_positive_question_comes_from_its_clause(units: list[data.Unit], pairs: list[data.Pair]) -> None:
    by_id = {u.id: u for u in units}
    for pair in (p for p in pairs if p.label == 1):
        words = set(re.findall(r"\w+", fold(pair.question).lower()))
        held = set(re.findall(r"\w+", fold(by_id[pair.unit].passage).lower()))
        asked = words - set(re.findall(r"\w+", fold(" ".join(data._ASK_WORDS) + " theo co khong van ban noi gi ve "
                                                        "bao nhieu nam").lower()))
        assert len(asked - held) <= 1, pair  # "bao nhiêu" stands for the number it replaced

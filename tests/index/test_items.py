"""Numbered elements a question names and its documents lack (index.items and the ``missing_item`` veto)."""

from __future__ import annotations

import pytest

from core.settings import Settings
from hoidap.answer import AnswerService
from index.items import asked_items, item_numbers, label_numbers, missing_items
from index.search import Searcher
from tests.conftest import shared_embedder


def test_the_numbers_a_question_names_with_their_element_word() -> None:
    assert asked_items("Nhiệm vụ 3.7 trong phụ lục do cơ quan nào chủ trì?") == ("3.7",)
    assert asked_items("dieu 12 quyet dinh 1601 quy dinh gi") == ("12",)
    assert asked_items("Mục II.2 và khoản 3 nói gì") == ("ii.2", "3")
    # a target, a document number or a year is not an element
    assert asked_items("mục tiêu năm 2025 là 80%, theo Quyết định 1601/QĐ-UBND") == ()
    assert asked_items("Điểm 10/2025 là gì") == ()


def test_the_numbers_units_carry_in_labels_headings_and_text() -> None:
    held = item_numbers(["2. Hoàn thiện chương trình bồi dưỡng", "thực hiện theo nhiệm vụ 4.12 của Phụ lục"])
    assert {"2", "4.12", "4", "12"} <= held
    assert label_numbers("Phụ lục I, nhiệm vụ 3.6") == {"i", "3.6", "3", "6"}
    assert missing_items(("3.47",), [held, label_numbers("mục III.5")]) == ("3.47",)
    assert missing_items(("4.12",), [held]) == ()
    assert missing_items(("9",), []) == ()  # no document to look in: nothing is missing


@pytest.fixture(scope="module")
def service(indexed_settings: Settings) -> AnswerService:
    return AnswerService(indexed_settings, Searcher(indexed_settings, shared_embedder(indexed_settings)))


def test_a_task_number_the_appendix_lacks_is_refused_one_it_has_is_answered(service: AnswerService) -> None:
    plan = "kế hoạch công tác cải cách hành chính năm 2022 của tỉnh Quảng Nam"
    missing = service.answer(f"Nhiệm vụ 3.47 trong phụ lục {plan} do cơ quan nào chủ trì?", record=False)
    assert missing.abstained and missing.reason == "missing_item"
    assert "nhiệm vụ 3.47" in missing.answer
    held = service.answer(f"Nhiệm vụ 3.16 trong phụ lục {plan} do cơ quan nào chủ trì?", record=False)
    assert not held.abstained
    assert held.citations and "3.16" in held.citations[0].label

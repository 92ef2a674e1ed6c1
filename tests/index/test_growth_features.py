"""The answerability features that stay meaningful when the corpus grows (how the top unit stands out of
the pool the search found), and a document's number as what a "số mấy" question asks, on the shipped corpus."""

from __future__ import annotations

import pytest

from core.settings import Settings
from index.answerability.features import GROWTH_FEATURES, QUESTION_FEATURES, asks_doc_number, kind_met
from index.query import analyse
from index.search import Searcher
from tests.conftest import shared_embedder


@pytest.fixture(scope="module")
def searcher(indexed_settings: Settings) -> Searcher:
    return Searcher(indexed_settings, shared_embedder(indexed_settings))


def test_a_document_number_answers_a_question_asking_for_one() -> None:
    asked = analyse("KH CCHC 2022 Quảng Nam được ban hành theo tờ trình số mấy của Sở Nội vụ")
    assert asks_doc_number(asked) and "number" in asked.kinds
    line = "Xét đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 2872/TTr-SNV ngày 10/12/2021"
    assert kind_met(("number",), line, quantity=False, doc_number=True)
    assert not kind_met(("number",), line, quantity=False)  # a count asked is not met by a number of a document
    assert not asks_doc_number(analyse("Có bao nhiêu lớp bồi dưỡng về CCHC"))


def test_growth_features_are_part_of_every_search(searcher: Searcher) -> None:
    for question in ("kinh phi de an 1601 lay tu dau", "giá vàng SJC hôm nay bao nhiêu"):
        features = searcher.search(question).features
        assert set(QUESTION_FEATURES + GROWTH_FEATURES) <= set(features)
        assert 0.2 <= features["doc_spread"] <= 1.0
        assert 0.0 <= features["rerank_top"] <= 1.0 and -1.0 <= features["rerank_gap"] <= 1.0


def test_the_unit_that_answers_stands_out_of_its_pool_more_than_one_that_does_not(searcher: Searcher) -> None:
    answered = searcher.search("Kinh phí thực hiện Đề án 1601 lấy từ nguồn nào").features
    unanswered = searcher.search("Cách làm món phở bò Hà Nội").features
    assert answered["coverage_standout"] > unanswered["coverage_standout"]
    assert answered["rerank_top"] > unanswered["rerank_top"]
    assert answered["doc_spread"] < unanswered["doc_spread"]  # one document holds it, not several holding bits

"""A near miss that qualifies what a unit names ("công chức đã nghỉ hưu" of a unit about "công chức") is
refused; the same question as the unit says it, or reworded, is answered (hoidap.shape.qualifier_unstated)."""

from __future__ import annotations

import pytest

from core.settings import Settings
from hoidap.answer import AnswerService
from hoidap.shape import qualifier_unstated
from index.query import analyse
from index.search import Searcher
from tests.conftest import shared_embedder

ASKED = "Đề án năng lực CCHC của Quảng Nam: bao nhiêu % công chức {} tham mưu CCHC có khả năng tham mưu, triển khai hiệu quả?"


@pytest.fixture(scope="module")
def service(indexed_settings: Settings) -> AnswerService:
    return AnswerService(indexed_settings, Searcher(indexed_settings, shared_embedder(indexed_settings)))


@pytest.mark.slow
def test_an_indicator_the_plan_names_only_without_the_qualifier_is_refused(service: AnswerService) -> None:
    stated = service.answer(ASKED.format("").replace("  ", " "), record=False)
    assert not stated.abstained and "90%" in (stated.direct or "")
    for qualifier in ("đã nghỉ hưu", "là người dân tộc thiểu số"):
        near = service.answer(ASKED.format(qualifier), record=False)
        assert near.abstained and near.reason == "qualifier_unstated", near.answer
        assert f"“{qualifier}”" in near.answer and "90%" not in near.answer


def test_an_insertion_is_a_qualifier_and_a_rewording_is_not() -> None:
    unit = "Tổ chức ít nhất 10 lớp bồi dưỡng về cải cách hành chính cho cán bộ, công chức tham mưu."
    asked = "Đề án tổ chức ít nhất bao nhiêu lớp bồi dưỡng {} cải cách hành chính?"
    assert qualifier_unstated(analyse(asked.format("ngoại ngữ về")), unit, "") == "ngoại ngữ"
    assert qualifier_unstated(analyse(asked.format("về")), unit, "") is None
    # "đào tạo ngắn hạn" for "bồi dưỡng": the unit's own words stand between its neighbours
    assert qualifier_unstated(analyse("Đề án tổ chức bao nhiêu lớp đào tạo ngắn hạn về cải cách hành chính?"),
                              unit, "") is None
    # the question's frame between two of the unit's neighbours is no qualifier; abbreviations are spelt out
    assert qualifier_unstated(analyse("CBCC tham mưu được bồi dưỡng ở đâu, khi nào?"), unit, "") is None
    # what names the document (its title, headings) is no qualifier either
    assert qualifier_unstated(analyse("lớp bồi dưỡng tỉnh Quảng Nam về cải cách hành chính"), unit,
                              "Đề án của UBND tỉnh Quảng Nam") is None

"""Which unit a quote comes from: the pieces' words and the rerank model's probabilities together."""

from __future__ import annotations

from hoidap.compose import unit_prior
from hoidap.quotes import select_quotes
from index.search import SearchHit


def _hit(rerank: float | None) -> SearchHit:
    return SearchHit(unit=None, doc=None, score=1.0, position=0, rerank=rerank)  # only the rerank is read


QUESTION = "tăng trưởng kinh tế 9 tháng 2025 của tỉnh ước đạt bao nhiêu"
UNITS = [("Tăng trưởng kinh tế 9 tháng của Tỉnh ước đạt 8,19%, thuộc nhóm cao nhất cả nước.", False),
         ("Về điều chuyển số vốn dư trong năm 2025 (khoảng 1.500 tỷ đồng) của tỉnh: rà soát 9 tháng kinh tế.", False)]


def test_the_rerank_models_choice_leads_the_quote_when_it_is_sure() -> None:
    prior = unit_prior([_hit(0.95), _hit(0.05)])
    assert prior[0] == 0.0 and prior[1] < -4
    quotes = select_quotes(QUESTION, UNITS, ["number"], prior=prior)
    assert quotes[0].unit_index == 0 and "8,19%" in quotes[0].text
    # without a rerank the fused order's step: both units stay in play
    assert unit_prior([_hit(None), _hit(0.5)]) is None
    # the rerank equally unsure of both: the words decide, as before
    assert unit_prior([_hit(0.5), _hit(0.5)]) == [0.0, 0.0]


def test_a_figure_is_about_what_its_headings_say_and_the_city_however_it_is_named() -> None:
    from hoidap.shape import _claim, figure_unstated
    from index.query import analyse

    query = analyse("Kế hoạch bình đẳng giới của TP HCM: lĩnh vực chính trị bao nhiêu phần trăm")
    context = "Kế hoạch số 174/KH-UBND của UBND Thành phố Hồ Chí Minh về bình đẳng giới"
    assert not {"tp", "hcm"} & set(_claim(query, context))
    piece = "- Chỉ tiêu 1: Năm 2025 đạt 60% các cơ quan quản lý nhà nước có lãnh đạo chủ chốt là nữ."
    assert figure_unstated(query, piece, "60%", [piece], context, "II. MỤC TIÊU 1. Lĩnh vực chính trị") is None
    # the same figure under headings that say nothing of it: its clause names too little of what is asked
    assert figure_unstated(query, piece, "60%", [piece], context, "II. MỤC TIÊU") == ""


def test_a_notes_reference_is_not_a_figure() -> None:
    from hoidap.facts import direct_fact
    from index.query import analyse

    unit = ("Triển khai các giải pháp theo chỉ đạo của Chính phủ[2], Bộ Y tế[3]; phấn đấu tổng tỷ suất sinh "
            "đạt 2,1 con/phụ nữ.")
    fact = direct_fact(["number"], analyse("phấn đấu tổng tỷ suất sinh bao nhiêu"), [(unit, unit)])
    assert fact is not None and "2,1" in fact.text and fact.text not in ("2", "3")

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

"""Which units hold a gold question's evidence (eval.gold.relevant_units)."""

from __future__ import annotations

from eval.gold import GoldQuestion, normalize, relevant_units

UNITS = {
    "d.001": ("d", "Điều 2. Quyết định này có hiệu lực kể từ ngày 05/12/2025;"),
    "d.002": ("d", "Chánh Văn phòng Ủy ban nhân dân tỉnh; Giám đốc Sở Tư pháp chịu trách nhiệm thi hành Quyết định này."),
    "e.001": ("e", "Quyết định này có hiệu lực kể từ ngày 05/12/2025; Giám đốc Sở Nội vụ thi hành."),
}


def _question(evidence: str, fact: str | None) -> GoldQuestion:
    return GoldQuestion(id="t1", question="Quyết định có hiệu lực từ ngày nào?", doc_id="d", evidence=[evidence],
                        fact=fact, out_of_scope=False)


def test_a_snippet_copied_across_two_units_is_found_by_its_clause_stating_the_fact():
    units = {uid: (doc, normalize(text)) for uid, (doc, text) in UNITS.items()}
    across = "Điều 2. Quyết định này có hiệu lực kể từ ngày 05/12/2025; Chánh Văn phòng Ủy ban nhân dân tỉnh"
    assert relevant_units(_question(across, "05/12/2025"), units) == {"d.001"}  # not the other document's
    assert relevant_units(_question(across, None), units) == set()  # without a fact, no clause is chosen
    assert relevant_units(_question("Giám đốc Sở Tư pháp chịu trách nhiệm", "Sở Tư pháp"), units) == {"d.002"}

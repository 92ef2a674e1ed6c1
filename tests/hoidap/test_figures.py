"""What a number question's figure is: the clause and headings that say what it is about, not a note's reference."""

from __future__ import annotations


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

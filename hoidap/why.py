"""Saying why the documents do not answer: the province, year, document or detail they lack.

Pure functions over a :class:`index.search.SearchResult` that abstained (:func:`refusal` is the
answer every refusal starts from); the reason codes are the vetoes of :mod:`index.answerability.vetoes`
(plus ``low_confidence`` and ``no_hits``).
"""

from __future__ import annotations

from corpus.text import fold, match_form
from corpus.vocab import CITIES as _CITIES
from corpus.vocab import NUMBERED_ITEM, PLACES, TARGET, TYPE_WORDS
from corpus.vocab import DOC_NUMBER_MENTION as DOC_NUMBER
from index.answerability.evidence import canonical_place, single_years
from index.answerability.vetoes import asked_details
from hoidap.model import Answer
from hoidap.shape import asks_yes_no
from index.query import Query
from index.search import SearchResult

NO_ANSWER = "Chưa tìm thấy nội dung trả lời trong các văn bản hiện có."
_DETAIL_WORDS = {"person": "họ tên người giữ chức vụ", "contact": "số điện thoại, địa chỉ liên hệ",
                 "money": "số tiền cụ thể"}



def _place(query: Query, known: bool | None = None, result: SearchResult | None = None) -> str:
    """The province the question names, with "tỉnh" or "thành phố" ("thành phố Hà Nội", "Thành phố Hồ Chí
    Minh"); the first one the hits' documents do not name, when ``known`` is False."""
    served = {canonical_place(fold(match_form(h.doc.province))) for h in result.hits if h.doc.province} \
        if result else set()
    chosen = next((key for key in query.places if known is None or (canonical_place(key) in served) == known),
                  query.places[0] if query.places else None)
    if chosen is None:
        return ""
    name = PLACES[chosen]
    if name.lower().startswith("thành phố"):
        return name
    return f"thành phố {name}" if canonical_place(chosen) in _CITIES else f"tỉnh {name}"


def _when(query: Query) -> str:
    """" năm 2024" for the single year the question names ("" for a period or a document number's year)."""
    years = single_years(query)
    return f" năm {years[0]}" if years else ""


def _document_kind(query: Query) -> str:
    return next((name for key, name in TYPE_WORDS.items() if key in query.folded), "văn bản")


def _item(query: Query) -> str:
    """The element the question names by its number, as written ("nhiệm vụ 3.47", "Điều 12")."""
    written = match_form(query.text)
    found = NUMBERED_ITEM.search(fold(written))
    return written[found.start():found.end()] if found and len(fold(written)) == len(written) else \
        (found.group(0) if found else "mục được hỏi")


def explain(result: SearchResult) -> str:
    """One Vietnamese sentence: what the documents lack, as plainly as the reason allows.

    Example: "Các văn bản hiện có không có Kế hoạch năm 2023 của tỉnh Đồng Tháp."
    """
    query, reason = result.query, result.reason
    province = f" của {_place(query)}" if query.places else ""
    if reason == "vague":
        return ("Câu hỏi chưa đủ rõ để tra cứu; hãy nêu nội dung cần hỏi (việc gì, văn bản nào, tỉnh nào, năm nào).")
    if reason == "missing_number":
        written = DOC_NUMBER.search(query.text)  # "1999/TTr-SNV" first, then a bare number that is not a year
        number = written.group(1) if written else \
            next((n for n in query.numbers if len(n) >= 3 and not (n.startswith(("19", "20")) and len(n) == 4)), "")
        return f"Các văn bản hiện có không có và không nhắc đến văn bản số {number}.".replace(" số .", ".")
    if reason == "missing_item":
        return f"Các văn bản được hỏi không có {_item(query)}."
    if reason == "unknown_place":
        return f"Các văn bản hiện có không có văn bản nào của {_place(query, known=False, result=result)}."
    if reason == "doc_year_missing":
        return f"Các văn bản hiện có không có {_document_kind(query)}{_when(query)}{province}."
    if reason == "missing_year":
        return f"Các văn bản hiện có không nêu nội dung này cho{_when(query) or ' thời gian được hỏi'}{province}."
    if reason == "place_mismatch":
        return f"Các văn bản hiện có của {_place(query)} không nêu nội dung này."
    if reason == "detail_unmet":
        asked = next((_DETAIL_WORDS[name] for name in asked_details(query)), "chi tiết này")
        return f"Các văn bản hiện có không nêu {asked}."
    if reason == "result_asked":
        if any(TARGET.search(fold(match_form(h.unit.text))) for h in result.hits[:3]):
            return ("Các văn bản hiện có chỉ nêu chỉ tiêu (mức phải đạt), không nêu kết quả thực tế đã đạt được.")
        return "Các văn bản hiện có không nêu kết quả thực tế đã đạt được."
    return NO_ANSWER


def refusal(question: str, result: SearchResult) -> Answer:
    """The answer that the documents do not answer ``question``: why (:func:`explain`) and the nearest documents."""
    suggestions = []
    for hit in result.hits:
        if any(s["doc_id"] == hit.doc.id for s in suggestions):
            continue
        suggestions.append({"doc_id": hit.doc.id, "title": hit.doc.title, "citation": hit.doc.citation,
                            "validity": hit.doc.validity})
        if len(suggestions) == 3:
            break
    text = explain(result) if result is not None else NO_ANSWER
    if result is not None and asks_yes_no(result.query) and "không nêu" not in text:
        text = f"Văn bản không nêu nội dung này. {text}"  # a yes/no question is told so first
    text += nearest(suggestions)
    return Answer(question=question, answer=text, abstained=True, citations=[], suggestions=suggestions)


def nearest(suggestions: list[dict]) -> str:
    """The sentence naming the documents nearest to a question the documents do not answer ("" for none)."""
    if not suggestions:
        return ""
    return " Các văn bản gần nhất với câu hỏi: " + "; ".join(s["citation"] for s in suggestions) + "."

"""Follow-up questions: what to search for "còn năm 2022 thì sao?", "Bình Định thì sao?",
"còn đề án 1601?", "cơ quan nào chủ trì việc đó?", and which documents to prefer.

A follow-up that names another province, year or document keeps the previous question's topic with
the new entity swapped in, and prefers the new entity's documents; one that names none continues
the previous question and prefers the previous answer's document.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hoidap.parts import document_spans, fold_chars
from hoidap.querylog import Turn
from corpus.vocab import FOLLOWUP_FILLER as _FILLER
from corpus.vocab import PLACES
from corpus.vocab import YEAR as _YEAR
from index.query import Query, analyse

__all__ = ["rewrite_followup"]

_FOLLOWUP = re.compile(r"^(con|the con|vay con|con ve)\b|thi sao\W*$|\b(viec do|viec nay|cai do|van ban do|"
                       r"noi dung do|nhiem vu do|de an do|ke hoach do|van ban nay|o do|nhu the nao nua)\b")

Named = Callable[[Query], dict[str, int]]


def rewrite_followup(query: Query, previous: Turn | None, named: Named | None = None) -> tuple[str, dict[str, int]]:
    """The text to search for a follow-up question, and documents to prefer (doc id → weight).

    ``named`` gives the documents a text names (``index.filters.named_documents`` on the serving
    snapshot); without it a switched entity prefers nothing but what the search finds named itself.

    Example:
        >>> turn = Turn("Mục tiêu CCHC năm 2025 của Quảng Nam", "Mục tiêu CCHC năm 2025 của Quảng Nam", "d", [])
        >>> rewrite_followup(analyse("còn năm 2022 thì sao?"), turn)[0]
        'Mục tiêu CCHC năm 2022 của Quảng Nam'
        >>> rewrite_followup(analyse("Bình Định thì sao?"), turn)[0]
        'Mục tiêu CCHC năm 2025 của Bình Định'
    """
    question = query.text
    if previous is None:
        return question, {}
    marked = bool(_FOLLOWUP.search(query.folded))
    if not marked and len(query.folded.split()) > 6:
        return question, {}
    before = analyse(previous.search_query)
    places = [p for p in query.places if p not in before.places]
    years = [y for y in query.years if y not in before.years]
    docs = [span for span in document_spans(fold_chars(question)) if span[0] not in _numbers(before)]
    if places or years or docs:
        own = [w for w in re.findall(r"\w+", query.folded) if w not in _FILLER and not w.isdigit()
               and not any(w in p.split() for p in query.places)]
        if not marked and len(own) >= 3:
            return question, {}  # a question of its own that names its entity: "QĐ 1601 ban hành ngày nào"
        entity = ", ".join([PLACES[p] for p in places] + [f"năm {y}" for y in years] +
                           [question[start:end] for _, start, end in docs])
        swapped = _swap(previous.search_query, before, places, years, [question[s:e] for _, s, e in docs])
        text = f"{question} {swapped}" if own else swapped
        prefer = {}
        if named is not None:
            wanted, context = named(analyse(entity)), named(analyse(text))
            prefer = {d: 2 for d in wanted if d in context} or {d: 2 for d in wanted}
        return text, prefer
    if query.years and _YEAR.search(previous.search_query):
        return _YEAR.sub(query.years[0], previous.search_query, count=1), {}
    prefer = {previous.top_doc: 2} if previous.top_doc else {}
    return f"{question} {previous.question}", prefer


def _numbers(query: Query) -> set[str]:
    return {number for number, _, _ in document_spans(fold_chars(query.text))}


def _swap(text: str, before: Query, places: list[str], years: list[str], docs: list[str]) -> str:
    """``text`` with the new province, year or document in place of the old one (appended when the
    text named none); a new document drops the old province, a new province or year the old document."""
    folded = fold_chars(text)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement)

    def replace(spans: list[tuple[int, int]], new: list[str]) -> None:
        for i, (start, end) in enumerate(spans):
            edits.append((start, end, ", ".join(new) if i == 0 and new else ""))
        if not spans and new:
            edits.append((len(text), len(text), " " + ", ".join(new)))

    place_spans = [(m.start(), m.end()) for key in before.places
                   for m in re.finditer(rf"(?<!\w){re.escape(key)}(?!\w)", folded)]
    doc_spans = [(start, end) for _, start, end in document_spans(folded)]
    if places or docs:
        replace(sorted(place_spans), [PLACES[p] for p in places])
    if years:
        replace([(m.start(), m.end()) for m in _YEAR.finditer(folded)][:1], [f"năm {y}" if not before.years else y
                                                                             for y in years])
    if docs or places or years:
        replace(sorted(doc_spans), docs)
    out = text
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        out = out[:start] + new + out[end:]
    return re.sub(r"\s+([,:;?.])", r"\1", " ".join(out.split()))

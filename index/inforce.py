"""Questions about the present prefer the document in force.

A question asks about the present when it says so ("hiện nay", "năm nay", "hiện hành") or names no
year. Then, when the best hit comes from a replaced document (``DocRecord.replaced_by``) and a hit
of the document that replaced it answers about as well, that hit goes first. A question that names
the replaced document more than its successor ("Kế hoạch CCHC năm 2022") keeps its order, and so
does a question whose answer only the replaced document holds: it is cited with its mark.
"""

from __future__ import annotations

import re
from typing import Protocol, Sequence, TypeVar

from index.query import Query

_PRESENT = re.compile(r"\b(hien nay|hien hanh|hien tai|nam nay|bay gio|moi nhat|dang ap dung|con hieu luc)\b")
# a successor's hit answers "about as well" when its rerank probability (or, without the rerank
# model, its fused score) is at least this share of the replaced document's best hit
COMPARABLE = 0.5


class _Hit(Protocol):
    doc: object
    score: float
    rerank: float | None


H = TypeVar("H", bound=_Hit)


def asks_present(query: Query) -> bool:
    """Does the question ask about what holds now?

    Example:
        >>> from index.query import analyse
        >>> asks_present(analyse("Mục tiêu CCHC hiện nay")), asks_present(analyse("chỉ tiêu năm 2022"))
        (True, False)
        >>> asks_present(analyse("hien nay nam 2022 chi tieu"))
        True
    """
    return bool(_PRESENT.search(query.folded)) or not query.years


def prefer_in_force(hits: Sequence[H], query: Query, named: dict[str, int]) -> list[H]:
    """``hits`` with the successor's best hit first when the question asks about the present and
    the first hit's document was replaced; otherwise unchanged. ``named`` is the weight of each
    document the question names (:func:`index.filters.named_documents`)."""
    out = list(hits)
    if not out or not asks_present(query):
        return out
    for _ in range(5):  # a chain: 2022 replaced by 2023, replaced by 2025
        top = out[0]
        successors = {link["doc_id"] for link in top.doc.replaced_by}
        if top.doc.in_force or not successors:
            return out
        if named.get(top.doc.id, 0) > max(named.get(s, 0) for s in successors):
            return out  # the question names the replaced document itself
        j = next((j for j, hit in enumerate(out[1:], 1) if hit.doc.id in successors and _comparable(hit, top)), None)
        if j is None:
            return out
        out.insert(0, out.pop(j))
    return out


def _comparable(hit: _Hit, top: _Hit) -> bool:
    if hit.rerank is not None and top.rerank is not None:
        return hit.rerank >= COMPARABLE * top.rerank
    return hit.score >= COMPARABLE * top.score

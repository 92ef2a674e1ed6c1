"""A list question's items, wherever the document keeps them: the units under the heading the best unit
belongs to, the items an introducing sentence ("… gồm những nội dung sau:") opens, every unit under a
parent heading the question names, and, for an agency the question names, the units under the heading
that is that agency together with the table rows whose lead column holds it.

Pure functions over served units (:class:`index.versions.UnitRecord`) and the analysed question; the
answer service's :func:`hoidap.compose.compose_list` writes them out. Nothing here adds a word no unit has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from corpus.text import fold, match_form
from corpus.vocab import AGENCY_NAME, DATE_SPANS, DEPARTMENT_ABBREVIATIONS
from corpus.vocab import LIST_DUTIES, LIST_GLUE, LIST_GLUE_TONED, LIST_PHRASE, LIST_WORDS, NOT_LISTS
from corpus.vocab import QUESTION_WORDS as _WH
from hoidap.shape import row_fields
from index.query import Query

__all__ = ["LIST_POOL", "Gathered", "asks_list", "gather_list", "list_members", "shown"]

LIST_POOL = 8  # the best units a list question's list is looked for in
ITEM_KINDS = ("bullet", "subbullet", "point", "clause", "table_row", "paragraph")
_AGENCY = re.compile(AGENCY_NAME.pattern, re.IGNORECASE)  # a question is often typed in lower case
_NUMBERING = re.compile(r"^\s*(?:[IVX]+|\d+(?:\.\d+)*|[a-zđ])[.)]\s*")
_INTRO = re.compile(r":\s*$")
_NOTE = re.compile(r"^\s*\(.*\)\s*$")  # "(Chi tiết tại Phụ lục đính kèm)"


def _fold(text: str) -> str:
    return fold(match_form(text))


def list_noun(query: Query) -> str | None:
    """What a list question lists, folded ("nhiem vu", "giai phap thuc hien"; "" for "gồm những gì"), or
    None when it asks no list."""
    m = LIST_PHRASE.search(query.folded)
    return None if m is None else next((g.strip() for g in m.groups() if g), "")


def asks_list(query: Query) -> bool:
    """Whether the question asks for the items of a list ("Sở Nội vụ có những nhiệm vụ gì",
    "đặt ra những chỉ tiêu cụ thể nào", "gồm những gì"): a list phrase whose noun is not an agency or a time
    (one cell: "những cơ quan nào phối hợp"), and no other question word outside it ("cơ quan nào chủ trì
    những nhiệm vụ nào" asks who).

    Example:
        >>> from index.query import analyse
        >>> [asks_list(analyse(q)) for q in ("Sở Nội vụ có những nhiệm vụ gì?", "Những cơ quan nào phối hợp?",
        ...                                  "Kinh phí lấy từ đâu?", "Sở Tài chính có trách nhiệm gì")]
        [True, False, False, True]
    """
    folded = query.folded
    m = LIST_PHRASE.search(folded)
    if m is None:
        return False
    noun = next((g for g in m.groups() if g), "")
    if NOT_LISTS.match(noun):
        return False
    rest = folded[:m.start()] + " " + folded[m.end():]
    return not _WH.search(rest)


def agency_key(name: str) -> str:
    """An agency's name as compared: folded, "UBND" spelt out, without "(qua …)" and a trailing "tỉnh".

    Example:
        >>> agency_key("UBND Tỉnh (qua Sở Nội vụ)"), agency_key("Trường Chính trị tỉnh")
        ('uy ban nhan dan', 'truong chinh tri')
    """
    for short, full in DEPARTMENT_ABBREVIATIONS.items():  # "Sở TTTT" is "Sở Thông tin và Truyền thông"
        name = re.sub(rf"(?<!\w){re.escape(short)}(?!\w)", full, name, flags=re.IGNORECASE)
    key = re.sub(r"\(.*?\)", " ", _fold(name))
    key = re.sub(r"\bubnd\b", "uy ban nhan dan", key)
    key = " ".join(re.findall(r"\w+", key))
    return re.sub(r"(?: tinh)+$", "", key)


def named_agencies(query: Query) -> set[str]:
    """The agencies the question names (as :func:`agency_key`)."""
    text = query.searched or query.text
    return {agency_key(m.group()) for m in _AGENCY.finditer(text)}


def _heading(crumb: str) -> str:
    return _NUMBERING.sub("", crumb).strip()


def _agency_heading(crumb: str) -> set[str]:
    """The agencies a heading is about, when the heading is essentially their names ("1. Sở Nội vụ",
    "4. Các Sở, Ban, ngành; Ủy ban nhân dân các huyện"), not a task that mentions one."""
    text = _heading(crumb)
    spans = [m for m in AGENCY_NAME.finditer(text)]
    covered = sum(m.end() - m.start() for m in spans)
    if not spans or covered < 0.5 * len(text.rstrip(" .:…")) or len(text) > 120:
        return set()
    return {agency_key(m.group()) for m in spans}


def _is_item(unit) -> bool:
    return unit.kind in ITEM_KINDS and not _NOTE.match(unit.text) and not _INTRO.search(unit.text)


def list_members(lead, units: list) -> list:
    """The items of the list ``lead`` belongs to, in order: the units of its document under the same
    heading and of the same kind (bullets, points, clauses, rows), of any kind of item when ``lead`` is a
    note or an introducing sentence; just ``[lead]`` when it stands alone."""
    if lead.kind not in ITEM_KINDS:
        return [lead]
    if _is_item(lead):
        same = [u for u in units if u.breadcrumb == lead.breadcrumb and u.kind == lead.kind and not _NOTE.match(u.text)]
    else:
        same = [u for u in units if u.breadcrumb == lead.breadcrumb and _is_item(u)]
    return same if len(same) >= 2 else [lead]


def shown(items: list, limit: int) -> list:
    """The items a list answer shows when there are more than ``limit``: as many of each heading's as the
    limit allows (so a list under several sub-headings shows each of them), then the next ones, in order."""
    if len(items) <= limit:
        return list(items)
    groups: dict[tuple, list] = {}
    for unit in items:
        groups.setdefault(unit.breadcrumb[:1] if unit.kind == "table_row" else unit.breadcrumb, []).append(unit)
    quota = max(1, limit // len(groups))
    keep = {u.id for members in groups.values() for u in members[:quota]}
    for unit in items:
        if len(keep) >= limit:
            break
        keep.add(unit.id)
    return [u for u in items if u.id in keep][:limit]


@dataclass(frozen=True)
class Gathered:
    """The items of one document that answer a list question, in the order shown.

    ``how`` says where they were found: "siblings" (under the lead's heading), "intro" (opened by the
    lead's sentence), "parent" (under a parent heading the question names), "agency" (under the heading
    that is the agency asked about, and the rows it leads); ``where`` names the place for the answer's head.
    """

    doc_id: str
    items: list
    how: str
    where: str


def _under(units: list, path: tuple[str, ...]) -> list:
    """The items directly under the heading ``path``; the items deeper under it when none is direct."""
    direct = [u for u in units if u.breadcrumb == path and _is_item(u)]
    return direct or [u for u in units if u.breadcrumb[:len(path)] == path and _is_item(u)]


def _led_rows(units: list, agencies: set[str], query: Query) -> list:
    """The table rows whose lead column (the first column after the task that names agencies) holds an
    agency the question names; the column the question names ("phối hợp") instead, when it names one."""
    asked = set(re.findall(r"\w+", query.folded))
    matched: dict[str, list] = {}
    order: dict[str, int] = {}
    for unit in units:
        if unit.kind != "table_row":
            continue
        for position, col in enumerate(row_fields(unit.text)[1:], 1):
            names = {agency_key(m.group()) for m in AGENCY_NAME.finditer(col.value)}
            if not names:
                continue
            header = _fold(col.header)
            order[header] = min(order.get(header, position), position)
            if names & agencies:
                matched.setdefault(header, []).append(unit)
    if not matched:
        return []
    named = [h for h in matched if set(h.split()) - {"co", "quan", "don", "vi"} <= asked]
    lead_column = min(order, key=order.get)
    header = named[0] if named else lead_column
    return matched.get(header, [])


def _dated_rows(units: list, query: Query, context: str) -> list:
    """The table rows whose time column holds the time the question names ("Quý II/2022"), not a year
    that names the document."""
    folded, ctx = query.folded, _fold(context)
    out = []
    for unit in units:
        if unit.kind != "table_row":
            continue
        for col in row_fields(unit.text)[1:]:
            if "thoi" not in _fold(col.header):
                continue
            spans = [_fold(m.group()) for _, pattern in DATE_SPANS for m in pattern.finditer(col.value)]
            if any(len(s) >= 6 and re.search(rf"(?<!\w){re.escape(s)}(?!\w)", folded) and s not in ctx for s in spans):
                out.append(unit)
                break
    return out


def _toned(query: Query) -> bool:
    """Whether the question, as searched (its diacritics restored when typed without), has diacritics."""
    text = query.searched or query.text
    return fold(text) != text


def _words(text: str, toned: bool) -> set[str]:
    return set(re.findall(r"\w+", match_form(text) if toned else _fold(text)))


def _content(text: str, toned: bool, known: set[str]) -> set[str]:
    """The words of ``text`` that say what it is about: not glue, not numbers, not in ``known``."""
    glue = LIST_GLUE_TONED if toned else LIST_GLUE | LIST_WORDS
    return {w for w in _words(text, toned) if w not in glue and w not in known and len(w) > 1 and not w.isdigit()}


def _topic(query: Query, context: str) -> set[str]:
    """The words a list question says its list is about, less those naming its document (toned when the
    question was typed with diacritics)."""
    toned = _toned(query)
    asked = re.sub(r"\([^()]*\)", " ", query.expanded or query.text)  # "cải cách hành chính (CCHC)": once
    return _content(asked, toned, _words(context, toned))


def _score(heading: str, topic: set[str]) -> int:
    toned = any(fold(w) != w for w in topic)
    return len(topic & _words(_heading(heading), toned))


def _named_heading(units: list, topic: set[str], context: str) -> tuple[str, ...] | None:
    """The heading of the document every content word of which the question names (at least two), the
    one naming most; None when there is none."""
    toned = any(fold(w) != w for w in topic)
    known = _words(context, toned)
    best, best_score = None, 1
    for path in dict.fromkeys(u.breadcrumb for u in units):
        for k in range(1, len(path) + 1):
            words = _content(_heading(path[k - 1]), toned, known)
            if words and words <= topic and len(words) > best_score:
                best, best_score = path[:k], len(words)
    return best


def _from_lead(lead, units: list, query: Query, context: str) -> Gathered | None:
    """The list the best unit opens or belongs to, or the one under a parent heading the question names."""
    topic = _topic(query, context)
    path = lead.breadcrumb
    own = _score(path[-1], topic) if path else 0
    near = max((_score(h, topic) for h in path), default=0)
    # a heading elsewhere in the document that the question names whole ("mục tiêu" → "1. Mục tiêu")
    named = _named_heading(units, topic, context)
    if named is not None and _score(named[-1], topic) > near:
        items = _under(units, named)
        items = [u for u in units if u.breadcrumb[:len(named)] == named and _is_item(u)] if len(items) < 2 else items
        if len(items) >= 2:
            return Gathered(lead.doc_id, items, "parent", _heading(named[-1]))
    if _INTRO.search(lead.text):
        # "… tập trung vào những nội dung trọng tâm sau:": the units that follow it, under its heading
        at = next(i for i, u in enumerate(units) if u.id == lead.id)
        run = []
        for unit in units[at + 1:]:
            if unit.breadcrumb[:len(lead.breadcrumb)] != lead.breadcrumb:
                break
            run.append(unit)
        items = [u for u in run if u.breadcrumb == lead.breadcrumb and _is_item(u)] or \
            [u for u in run if len(u.breadcrumb) == len(lead.breadcrumb) + 1 and _is_item(u)]
        if len(items) >= 2:
            return Gathered(lead.doc_id, items, "intro", lead.label)
    # a parent heading the question names better than the lead's own ("nhiệm vụ trọng tâm" over "1. Cải cách thể chế")
    best = max(range(2, len(path)), key=lambda k: (_score(path[k - 1], topic), k), default=None)
    if best is not None and _score(path[best - 1], topic) >= max(2, own + 1):
        items = [u for u in units if u.breadcrumb[:best] == path[:best] and _is_item(u)]
        if len(items) >= 2:
            return Gathered(lead.doc_id, items, "parent", _heading(path[best - 1]))
    members = list_members(lead, units)
    if len(members) >= 2:
        return Gathered(lead.doc_id, members, "siblings", lead.label)
    return None


def gather_list(query: Query, leads: list, units_of: Callable[[str], list], context: Callable[[str], str]) -> Gathered | None:
    """The items that answer a list question, or None when the best unit stands alone.

    ``leads`` are the best units, best first; ``units_of(doc_id)`` a document's units in order;
    ``context(doc_id)`` what names a document (title, citation), so its words do not choose a heading.
    An agency the question names is looked for, in the documents of the best units in turn, as a heading
    and in the rows it leads; else the rows whose time column holds the time it names; else the list of
    the best unit (:func:`_from_lead`).
    """
    if not leads:
        return None
    # an agency's duties ("Sở Nội vụ có những nhiệm vụ gì"), not a list one of its tasks holds ("… cho những lĩnh vực nào")
    agencies = named_agencies(query) if LIST_DUTIES.match(list_noun(query) or "") else set()
    docs = list(dict.fromkeys(u.doc_id for u in leads))[:3]
    if agencies:
        for doc_id in docs:
            units = units_of(doc_id)
            paths = list(dict.fromkeys(p[:k] for p in (u.breadcrumb for u in units) for k in range(1, len(p) + 1)))
            headed = [p for p in paths if _agency_heading(p[-1]) & agencies]
            items = [u for p in headed for u in _under(units, p)]
            rows = [u for u in _led_rows(units, agencies, query) if u not in items]
            if items or rows:
                tables = list(dict.fromkeys(u.label.split(",")[0] for u in rows))
                where = "; ".join([_heading(p[-1]) for p in headed] + tables)
                return Gathered(doc_id, items + rows, "agency", where)
    lead = leads[0]
    units = units_of(lead.doc_id)
    # "những nhiệm vụ nào phải hoàn thành trong Quý II/2022": the rows whose time column says so
    dated = _dated_rows(units, query, context(lead.doc_id))
    if dated:
        tables = "; ".join(dict.fromkeys(u.label.split(",")[0] for u in dated))
        return Gathered(lead.doc_id, dated, "column", tables)
    return _from_lead(lead, units, query, context(lead.doc_id))

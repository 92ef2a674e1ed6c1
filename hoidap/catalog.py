"""The document catalogue as the library (/vanban) and the console list it: the year a document is about,
whole-word search without diacritics, filters, sort and paging; a document named in a few words (quiz items,
chat footers). Pure functions over :class:`DocRecord`.

A plan's year is the year it plans ("Kế hoạch cải cách hành chính năm 2025", issued in December 2024, is a
2025 document) or its period ("giai đoạn 2021-2025"); a document naming neither is dated by its issue.
Search matches whole words of the number, title, citation and id, so "so hoa ho so" finds "số hóa hồ sơ"
and not every "kế hoạch … hồ sơ" ("hoa" is a word, not the start of "hoạch").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.errors import InvalidQuery
from corpus.text import fold
from index.versions import DocRecord

SORTS = ("relevance", "title", "year", "-year", "id", "units", "-units")
MAX_PAGE = 500
_WORD = re.compile(r"[0-9a-z]+")
_PERIOD = re.compile(r"\b((?:19|20)\d{2})\s*(?:-|–|den|toi)\s*(?:nam\s*)?((?:19|20)\d{2})\b")
_YEAR = re.compile(r"\bnam\s+((?:19|20)\d{2})\b")


def words(text: str) -> list[str]:
    """The folded words of ``text``: lowercase, no diacritics, numbers split at their separators.

    Example:
        >>> words("Số hóa hồ sơ; QĐ 1601/QĐ-UBND")
        ['so', 'hoa', 'ho', 'so', 'qd', '1601', 'qd', 'ubnd']
    """
    return _WORD.findall(fold(text).lower())


def period(doc: DocRecord) -> tuple[int, int] | None:
    """The years a document is about: its title's period or year, else the year it was issued.

    Example:
        >>> from index.versions import DocRecord as D
        >>> base = dict(type="Kế hoạch", types=(), number=None, number_display="", date="2024-12-20", date_text=None,
        ...             province=None, issuer=None, signer=None, citation="")
        >>> period(D(id="a", year=2024, title="Kế hoạch cải cách hành chính năm 2025", **base))
        (2025, 2025)
        >>> period(D(id="b", year=2021, title="Đề án giai đoạn 2021 - 2025", **base))
        (2021, 2025)
        >>> period(D(id="c", year=2022, title="Kế hoạch tuyên truyền", **base))
        (2022, 2022)
    """
    title = " ".join(fold(doc.title).lower().split())
    found = _PERIOD.search(title)
    if found and int(found.group(1)) <= int(found.group(2)):
        return int(found.group(1)), int(found.group(2))
    found = _YEAR.search(title)
    if found:
        return int(found.group(1)), int(found.group(1))
    return (doc.year, doc.year) if doc.year else None


def period_text(span: tuple[int, int] | None) -> str:
    """ "2025", "2021–2025", or "" when unknown."""
    if span is None:
        return ""
    return str(span[0]) if span[0] == span[1] else f"{span[0]}–{span[1]}"


@dataclass(frozen=True)
class CatalogQuery:
    """What the library or the console asks for: words, filters, sort and a page.

    Raises:
        InvalidQuery: an unknown sort, a page outside 1 to ``MAX_PAGE`` or a negative offset.
    """

    q: str = ""
    province: str = ""
    kind: str = ""
    year: int | None = None
    in_force: bool | None = None
    sort: str = "relevance"
    offset: int = 0
    limit: int = 50

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise InvalidQuery(f"sort='{self.sort}' không hợp lệ; chọn một trong: {', '.join(SORTS)}",
                               code="invalid_sort")
        if not 1 <= self.limit <= MAX_PAGE:
            raise InvalidQuery(f"limit={self.limit} không hợp lệ; chọn từ 1 đến {MAX_PAGE}", code="invalid_page")
        if self.offset < 0:
            raise InvalidQuery(f"offset={self.offset} không hợp lệ; phải từ 0 trở lên", code="invalid_page")


@dataclass
class CatalogPage:
    """One page of matching documents (``total`` in all), and the filter values of the whole catalogue."""

    total: int
    offset: int
    items: list[dict]
    facets: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"total": self.total, "offset": self.offset, "items": self.items, "facets": self.facets}


@dataclass(frozen=True)
class _Entry:
    doc: DocRecord
    span: tuple[int, int] | None
    title: tuple[str, ...]
    number: tuple[str, ...]
    rest: frozenset[str]


class Catalog:
    """The documents of one serving version, folded once, searched many times.

    Example:
        >>> Catalog([]).search(CatalogQuery(q="1601")).total
        0
    """

    def __init__(self, docs: list[DocRecord]) -> None:
        self._entries = [_Entry(d, period(d), tuple(words(d.title)), tuple(words(f"{d.number or ''} {d.number_display}")),
                                frozenset(words(f"{d.citation} {d.id} {d.type} {d.province or ''}")))
                         for d in docs]
        years: set[int] = set()
        for entry in self._entries:
            if entry.span:
                years.update(range(entry.span[0], entry.span[1] + 1))
        self.facets = {"provinces": sorted({d.province for d in docs if d.province}, key=fold),
                       "kinds": sorted({d.type for d in docs if d.type}, key=fold),
                       "years": sorted(years, reverse=True),
                       "validity": any(not d.in_force for d in docs)}

    def search(self, query: CatalogQuery) -> CatalogPage:
        """The matching documents, ranked (or sorted), one page of them."""
        wanted = words(query.q)
        scored = []
        for entry in self._entries:
            doc = entry.doc
            if query.province and doc.province != query.province or query.kind and doc.type != query.kind:
                continue
            if query.in_force is not None and doc.in_force != query.in_force:
                continue
            if query.year is not None and not (entry.span and entry.span[0] <= query.year <= entry.span[1]):
                continue
            score = _score(entry, wanted) if wanted else 0.0
            if score is not None:
                scored.append((score, entry))
        scored.sort(key=_order(query.sort if wanted or query.sort != "relevance" else "-year"))
        page = scored[query.offset:query.offset + query.limit]
        return CatalogPage(len(scored), query.offset, [listing(e.doc, e.span) for _, e in page], self.facets)


def _score(entry: _Entry, wanted: list[str]) -> float | None:
    """None unless every word is a whole word of the document; more for words of the number and the title, most
    for the title holding them in the order asked."""
    known = set(entry.title) | set(entry.number) | entry.rest
    if any(w not in known for w in wanted):
        return None
    score = sum(3.0 if w in entry.number else 2.0 if w in entry.title else 1.0 for w in wanted)
    if len(wanted) > 1 and _in_order(entry.title, wanted):
        score += 2.0 * len(wanted)
    return score + 1.0 / (1 + len(entry.title))  # the shorter title of two equal matches says it more directly


def _in_order(title: tuple[str, ...], wanted: list[str]) -> bool:
    n = len(wanted)
    return any(list(title[i:i + n]) == wanted for i in range(len(title) - n + 1))


def _order(sort: str):
    def key(pair):
        score, entry = pair
        doc, start = entry.doc, entry.span[0] if entry.span else 0
        return {"relevance": (-score, -start, doc.id), "title": (fold(doc.title).lower(), doc.id),
                "year": (start, doc.id), "-year": (-start, doc.id), "id": (doc.id,),
                "units": (doc.units, doc.id), "-units": (-doc.units, doc.id)}[sort]
    return key


def listing(doc: DocRecord, span: tuple[int, int] | None = None) -> dict:
    """A document as the library lists it: its public fields, the years it is about, its successors as
    {doc_id, citation} links (never a bare object)."""
    out = {k: v for k, v in doc.public().items() if k not in ("references", "cites", "cited_by", "amends")}
    span = span if span is not None else period(doc)
    out["period"] = period_text(span)
    out["period_start"] = span[0] if span else None
    out["period_end"] = span[1] if span else None
    out["replaced_by"] = [{"doc_id": link.get("doc_id", ""), "citation": link.get("citation") or link.get("doc_id", "")}
                          for link in doc.replaced_by]
    return out


_KINDS = r"Kế hoạch|Đề án|Chương trình|Quyết định|Nghị quyết|Chỉ thị|Quy chế|Quy định|Công văn|Thông báo|Báo cáo"


def brief(citation: str) -> str:
    """A document named in a few words, for a question: its kind and number, else its kind, subject and year.

    Example:
        >>> brief("Đề án kèm theo Quyết định số 1601/QĐ-UBND-HC ngày 21/10/2021 của UBND tỉnh Đồng Tháp")
        'Quyết định 1601/QĐ-UBND-HC'
        >>> brief("Quyết định ban hành Kế hoạch công tác cải cách hành chính năm 2025 (tháng 12/2024) của UBND tỉnh Quảng Nam")
        'Kế hoạch CCHC năm 2025, Quảng Nam'
        >>> brief("Quyết định ban hành thực hiện Đề án “Tăng cường năng lực đội ngũ cán bộ, công chức thực hiện công tác "
        ...       "cải cách hành chính giai đoạn 2022 – 2030” trên địa bàn tỉnh (tháng 12/2022) của UBND tỉnh Bình Định")
        'Đề án CCHC giai đoạn 2022 – 2030, Bình Định'
    """
    numbered = re.search(rf"({_KINDS})\s+số\s+(\S+)", citation)
    if numbered:
        return f"{numbered.group(1)} {numbered.group(2)}"
    place = re.search(r"(?:tỉnh|thành phố)\s+([^,()]+?)\s*$", citation)
    core = re.sub(r"\s*\(tháng [^)]*\)|\s+của\s+(?:UBND|Ủy ban|Uỷ ban).*$", "", citation)
    kinds = re.findall(rf"\b({_KINDS.lower()}|{_KINDS})\b", core)
    kind = next((k for k in kinds if k.lower() not in ("quyết định",)), kinds[0] if kinds else "Văn bản")
    kind = kind[:1].upper() + kind[1:]
    subject = " CCHC" if re.search(r"cải cách hành chính|CCHC", core, re.I) else ""
    when = re.search(r"(?:giai đoạn\s+)?(?:19|20)\d{2}(?:\s*[-–]\s*(?:19|20)\d{2})?(?!.*(?:19|20)\d{2})", core)
    year = f" {when.group(0)}" if when else ""
    if when and not when.group(0).startswith("giai") and "–" not in when.group(0) and "-" not in when.group(0):
        year = f" năm {when.group(0)}"
    return f"{kind}{subject}{year}" + (f", {place.group(1)}" if place else "")

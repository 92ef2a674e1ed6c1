"""Composing a short Vietnamese answer from retrieved units: pick the sentences that answer the
question's kind, quote them verbatim, cite them. Pure functions; no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.text import fold, match_form

KINDS = ("number", "agency", "date", "list", "general")

_KIND_PATTERNS = [
    ("agency", r"\b(co quan nao|don vi nao|so nao|ai chu tri|ai phu trach|ai thuc hien|ai la|chu tri|phoi hop|"
               r"cua ai|giao cho ai|ai chiu trach nhiem|trach nhiem cua|ai ky|nguoi ky)\b"),
    ("date", r"\b(khi nao|bao gio|thoi han|han chot|thoi gian|ngay nao|nam nao|luc nao|den khi|truoc ngay|"
             r"hoan thanh (vao|trong)|thang nao|quy nao|bao lau|giai doan nao)\b"),
    ("number", r"\b(bao nhieu|ty le|may|so luong|muc|phan tram|it nhat|toi thieu|chi tieu)\b|%"),
    ("list", r"\b(gom nhung|nhung gi|nhung nao|cac .{0,30} nao|liet ke|gom co|bao gom|nhung noi dung|"
             r"nhung nhiem vu|cac giai phap|cac nhiem vu)\b"),
]
_AGENCY = re.compile(r"\b(Sở|Ủy ban|Uỷ ban|UBND|Văn phòng|Trường|Ban|Bộ|Phòng|Trung tâm|Công an|Chủ tịch|Giám đốc)\b")
_DATE = re.compile(r"\b(\d{1,2}/\d{1,2}/\d{4}|\d{1,2}/\d{4}|[Qq]uý\s+[IV]+|[Nn]ăm\s+\d{4}|\d{4}\s*[-–]\s*\d{4}|"
                   r"[Hh][àằ]ng năm|[Tt]hường xuyên|trước ngày|tháng\s+\d{1,2})")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?\s?%|\b\d+\b")
_SENTENCES = re.compile(r"(?<=[.;!?])\s+(?=[\"“(]?[A-ZĐÀ-Ỹ0-9\-–])|\n+")
_STOP = set("cua va la cac co nhung duoc trong cho voi ve theo tai nao gi khong thi sao nhu the hay bao".split())


@dataclass
class Quote:
    text: str  # verbatim from the unit
    unit_index: int  # index into the candidate units
    score: float


def question_kind(question: str) -> str:
    """number, agency, date, list or general.

    Example:
        >>> question_kind("Cơ quan nào chủ trì việc số hóa kết quả TTHC?"), question_kind("han chot nop ke hoach")
        ('agency', 'date')
    """
    folded = fold(match_form(question))
    for kind, pattern in _KIND_PATTERNS:
        if re.search(pattern, folded):
            return kind
    return "general"


def _terms(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", fold(match_form(text))) if w not in _STOP and len(w) > 1}


def pieces(text: str, is_table_row: bool) -> list[str]:
    """A unit cut into quotable pieces: sentences, or a table row's "Header: value" fields."""
    if is_table_row:
        return [p.strip() for p in text.split("; ") if p.strip()]
    out = [p.strip() for p in _SENTENCES.split(text) if p and p.strip()]
    return [re.sub(r"^[-–•+]\s*", "", p) for p in out if len(p) > 2]


def _kind_bonus(piece: str, kind: str) -> float:
    head = piece.split(":", 1)[0].lower() if ":" in piece[:40] else ""
    if kind == "agency":
        return 1.5 * bool(_AGENCY.search(piece)) + 2.0 * ("chủ trì" in head) + 0.5 * ("phối hợp" in head)
    if kind == "date":
        return 1.5 * bool(_DATE.search(piece)) + 2.0 * ("thời gian" in head)
    if kind == "number":
        return 1.5 * bool(_NUMBER.search(piece))
    return 0.0


def select_quotes(question: str, units: list[tuple[str, bool]], kind: str, per_unit: int = 2) -> list[Quote]:
    """The pieces of each unit that best answer ``question``; ``units`` are (text, is_table_row)."""
    wanted = _terms(question)
    quotes: list[Quote] = []
    for index, (text, is_row) in enumerate(units):
        scored = []
        for order, piece in enumerate(pieces(text, is_row)):
            overlap = len(wanted & _terms(piece)) / (len(wanted) or 1)
            scored.append((overlap * 3 + _kind_bonus(piece, kind) - 0.01 * order, order, piece))
        scored.sort(reverse=True)
        chosen = scored[:per_unit]
        if is_row and kind in ("agency", "date"):
            # the task itself, so the answer says what the agency or date is for
            first = pieces(text, True)[0]
            if all(first != c[2] for c in chosen):
                chosen = chosen[:per_unit - 1] + [(0.0, -1, first)]
        for score, order, piece in sorted(chosen, key=lambda c: c[1]):
            if piece in text:  # verbatim only
                quotes.append(Quote(piece, index, score))
    return quotes


def verbatim(quote: str, unit_text: str) -> bool:
    """True if ``quote`` appears in the unit exactly as written."""
    return bool(quote) and quote in unit_text

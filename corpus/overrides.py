"""Admin corrections of what a document's text leaves blank or gets wrong: its number, its date,
its title (trích yếu) and kind (loại văn bản), whether it is in force, which documents replace it. Kept by document id apart from the document
(``Store.set_overrides``), so they survive re-ingesting or replacing its file.

Example:
    >>> check_overrides({"number": " 12/QĐ-UBND ", "date": "5/1/2020", "in_force": False}, known={"a"})
    {'number': '12/QĐ-UBND', 'date': '2020-01-05', 'date_text': '05/01/2020', 'in_force': False}
"""

from __future__ import annotations

import re
from dataclasses import replace

from corpus.metadata import DOC_TYPES
from corpus.vocab import DOC_NUMBER_FORM as NUMBER
from corpus.model import CORRECTED, Metadata
from corpus.text import nfc
from core.errors import InvalidMetadata

FIELDS = ("number", "date", "title", "doc_type", "in_force", "replaced_by")
MAX_TITLE = 500
_ACCEPTED = ("number (số hiệu, ví dụ '12/QĐ-UBND'), date (ngày ban hành: '21/10/2021', 'tháng 10/2021' viết '10/2021', "
             "'2021' hoặc '2021-10-21'), title (trích yếu), doc_type (loại văn bản, ví dụ 'Kế hoạch'), "
             "in_force (true/false: còn hiệu lực hay không), replaced_by (danh sách mã văn bản thay thế nó, "
             "[] nếu không có); null xóa điều chỉnh của trường đó")


def parse_date(value: str) -> tuple[str, str]:
    """(ISO or partial ISO, as written) of a date typed by an admin.

    Example:
        >>> parse_date("21/10/2021"), parse_date("12/2024"), parse_date("2022"), parse_date("2021-10")
        (('2021-10-21', '21/10/2021'), ('2024-12', 'tháng 12/2024'), ('2022', 'năm 2022'), ('2021-10', 'tháng 10/2021'))
    """
    text = value.strip()
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
        d, mo, y = (int(g) for g in m.groups())
    elif m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        y, mo, d = (int(g) for g in m.groups())
    elif m := re.fullmatch(r"(?:(\d{1,2})/(\d{4}))|(?:(\d{4})-(\d{1,2}))", text):
        mo, y = (int(m.group(1)), int(m.group(2))) if m.group(1) else (int(m.group(4)), int(m.group(3)))
        d = None
    elif re.fullmatch(r"\d{4}", text):
        y, mo, d = int(text), None, None
    else:
        raise InvalidMetadata(f"ngày '{value}' không hợp lệ; chấp nhận '21/10/2021', '10/2021', '2021' hoặc '2021-10-21'")
    if not 1900 <= y <= 2100 or (mo is not None and not 1 <= mo <= 12) or (d is not None and not 1 <= d <= 31):
        raise InvalidMetadata(f"ngày '{value}' không có thật; chấp nhận '21/10/2021', '10/2021', '2021' hoặc '2021-10-21'")
    if d is not None:
        return f"{y:04d}-{mo:02d}-{d:02d}", f"{d:02d}/{mo:02d}/{y}"
    if mo is not None:
        return f"{y:04d}-{mo:02d}", f"tháng {mo}/{y}"
    return f"{y:04d}", f"năm {y}"


def check_overrides(changes: dict, *, known: set[str], doc_id: str | None = None) -> dict:
    """Validated changes: the number's spaces removed, the date parsed, ``replaced_by`` a list of
    stored ids other than ``doc_id``; a None value stays None (it clears that field's override).

    Raises:
        InvalidMetadata: an unknown field or a bad value, naming what is accepted.
    """
    if not isinstance(changes, dict) or not changes:
        raise InvalidMetadata(f"không có gì để điều chỉnh; gửi một đối tượng JSON với {_ACCEPTED}")
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise InvalidMetadata(f"trường '{', '.join(unknown)}' không điều chỉnh được; chấp nhận: {_ACCEPTED}")
    out: dict = {}
    for key, value in changes.items():
        if value is None:
            out[key] = None
        elif key == "number":
            number = re.sub(r"\s+", "", nfc(str(value)))
            if not re.fullmatch(NUMBER, number):
                raise InvalidMetadata(f"số hiệu '{value}' không hợp lệ; cần dạng '12/QĐ-UBND' hoặc '05/2021/QĐ-UBND'")
            out[key] = number
        elif key == "date":
            if not isinstance(value, str):
                raise InvalidMetadata(f"ngày phải là chuỗi như '21/10/2021', không phải {value!r}")
            out["date"], out["date_text"] = parse_date(value)
        elif key == "title":
            title = " ".join(nfc(str(value)).split())
            if not title or len(title) > MAX_TITLE:
                raise InvalidMetadata(f"trích yếu phải có chữ và dài tối đa {MAX_TITLE} ký tự, không phải {value!r}")
            out[key] = title
        elif key == "doc_type":
            out[key] = _doc_type(value)
        elif key == "in_force":
            if not isinstance(value, bool):
                raise InvalidMetadata(f"in_force phải là true hoặc false, không phải {value!r}")
            out[key] = value
        elif key == "replaced_by":
            ids = [value] if isinstance(value, str) else value
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise InvalidMetadata(f"replaced_by phải là danh sách mã văn bản, ví dụ [\"kh-2025\"], không phải {value!r}")
            missing = [i for i in ids if i not in known]
            if missing:
                raise InvalidMetadata(f"replaced_by: không có văn bản mã '{', '.join(missing)}'; hãy dùng mã trong "
                                      "GET /api/documents hoặc `hoidap documents`")
            if doc_id in ids:
                raise InvalidMetadata(f"văn bản '{doc_id}' không thể tự thay thế chính nó")
            out[key] = list(dict.fromkeys(ids))
    if "date" in out and out["date"] is None:
        out["date_text"] = None
    return out


def _doc_type(value) -> str:
    """A kind of document as the admin typed it, in its usual spelling ("kế hoạch" → "Kế hoạch")."""
    typed = " ".join(nfc(str(value)).split())
    for kind in DOC_TYPES:
        if typed.lower() == kind.lower():
            return kind
    if not typed or len(typed) > 40 or not re.fullmatch(r"[^\W\d_]+(?: [^\W\d_]+){0,4}", typed):
        raise InvalidMetadata(f"loại văn bản '{value}' không hợp lệ; ví dụ: {', '.join(DOC_TYPES[:8])}")
    return typed[:1].upper() + typed[1:]


def apply_overrides(meta: Metadata, overrides: dict | None) -> Metadata:
    """``meta`` with the admin's number, date, title and kind in place of what the text gave; those
    fields' sources become ``corrected``."""
    if not overrides:
        return meta
    changes = {k: overrides[k] for k in ("number", "date", "date_text", "title", "doc_type") if k in overrides}
    if not changes:
        return meta
    sources = dict(meta.sources)
    for key in changes:
        if key != "date_text":
            sources[key] = CORRECTED
    return replace(meta, **changes, sources=sources)

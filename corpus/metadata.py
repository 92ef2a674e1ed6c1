"""Metadata: what a document says about itself (type, number, issuer, province, date, title,
signer, the documents its "Căn cứ" lines cite), completed by an optional sidecar
``<file>.meta.json`` for what the text does not state. A blank number stays unknown (None).
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from corpus.header import Header, issuer_from_number, read_header, read_signer
from corpus.model import GUESSED, READ, SOURCED_FIELDS, Metadata, Reference
from corpus.text import match_form
from corpus.vocab import HEADER_KINDS as DOC_TYPES
from corpus.vocab import ATTACHED_TO as _ATTACHED
from corpus.vocab import DOC_NUMBER_FORM as _NUMBER
from corpus.vocab import ISSUE_DATE_FULL as _DATE_FULL
from corpus.vocab import ISSUE_DATE_MONTH as _DATE_MONTH
from corpus.vocab import ISSUE_DATE_YEAR as _DATE_YEAR
from corpus.vocab import PROVINCES, REF_KINDS
from corpus.vocab import REFERENCE_DATE as _REF_DATE
from corpus.vocab import REFERENCE_ISSUER as _REF_ISSUER
from corpus.vocab import SIGNER_TITLE as _SIGN_TITLE

log = logging.getLogger(__name__)

_SO_LINE = re.compile(r"^Số\s*:\s*(.*)$", re.M)
_REF_KINDS = REF_KINDS
_REF = re.compile(rf"(?P<kind>{_REF_KINDS})\b(?P<body>.*?)(?=(?:;|\.$|$|,\s*(?:{_REF_KINDS})\b))", re.S)
_REF_NUMBER = re.compile(rf"số\s*:?\s*({_NUMBER})")
_NAME = re.compile(r"^[A-ZĐÀ-Ỹ][a-zà-ỹđ]+(?:\s+[A-ZĐÀ-Ỹ][a-zà-ỹđ]+){1,4}$")


def _title_case(text: str) -> str:
    return text[:1].upper() + text[1:].lower() if text.isupper() else text


def _squash(text: str) -> str:
    return " ".join(text.split())


def _doc_type(head_lines: list[str]) -> str:
    for line in head_lines:
        plain = line.strip().rstrip(":").strip()
        for kind in DOC_TYPES:
            if plain == kind.upper():
                return kind
    return "Văn bản"


def _province(text: str) -> str | None:
    folded = match_form(text)
    counts = {name: folded.count(match_form(name)) for name in PROVINCES}
    best = max(counts, key=counts.get)
    return best if counts[best] else None


def _number(head: str) -> str | None:
    match = _SO_LINE.search(head)
    if match:
        value = _squash(match.group(1))
        found = re.match(rf"({_NUMBER})", value)
        return re.sub(r"\s+", "", found.group(1)) if found else None
    attached = _ATTACHED.search(head)
    if attached:
        found = re.match(rf"({_NUMBER})", _squash(attached.group(2)))
        return re.sub(r"\s+", "", found.group(1)) if found else None
    return None


def _date(head: str) -> tuple[str | None, str | None]:
    """(ISO or partial ISO, as written) from the place-and-date line or the attachment line."""
    candidates = [ln for ln in head.split("\n") if re.search(r",\s*ngày|^\(?(?:Ban hành )?[Kk]èm theo|ngày\s.*năm\s*\d{4}\)?$", ln)]
    for line in candidates:
        full = _DATE_FULL.search(line)
        if full:
            d, m, y = (int(g) for g in full.groups())
            return f"{y:04d}-{m:02d}-{d:02d}", f"{d:02d}/{m:02d}/{y}"
    for line in candidates:
        month = _DATE_MONTH.search(line)
        if month:
            m, y = (int(g) for g in month.groups())
            return f"{y:04d}-{m:02d}", f"tháng {m}/{y}"
        year = _DATE_YEAR.search(line)
        if year:
            return year.group(1), f"năm {year.group(1)}"
    return None, None


def _title(head_lines: list[str], doc_type: str) -> str:
    for index, line in enumerate(head_lines):
        if line.strip().rstrip(":") == doc_type.upper():
            parts = []
            for follow in head_lines[index + 1:]:
                text = follow.strip()
                if not text or text.isupper() and "ỦY BAN" in text or "UỶ BAN" in text or text.startswith("("):
                    break
                parts.append(text)
                if len(" ".join(parts)) > 60 and not text.isupper():
                    break
            if parts:
                return _title_case(_squash(" ".join(parts)))
    return ""


def _signer(text: str) -> str | None:
    lines = [ln.strip() for ln in text.split("\n")]
    for index, line in enumerate(lines):
        if _SIGN_TITLE.match(line):
            for follow in lines[index + 1:index + 4]:
                if _NAME.match(follow):
                    return follow
    return None


def parse_references(lines: list[str]) -> list[Reference]:
    """Structured references of the "Căn cứ" and "Theo đề nghị" lines.

    Example:
        >>> parse_references(["Căn cứ Nghị quyết số 76/NQ-CP ngày 15/7/2021 của Chính phủ ban hành Chương trình;"])[0].number
        '76/NQ-CP'
    """
    refs: list[Reference] = []
    for line in lines:
        body = re.sub(r"^(?:Căn cứ|Theo đề nghị của .*? tại|Xét đề nghị của .*? tại)\s*", "", line.strip())
        for match in _REF.finditer(body):
            kind = match.group("kind")
            text = _squash(kind + match.group("body")).rstrip(" ;,.")
            number = _REF_NUMBER.search(text)
            date = _REF_DATE.search(text)
            issuer = _REF_ISSUER.search(text)
            issuer_name = re.sub(r"\s+(?:ban hành|về|thực hiện|phê duyệt|quy định)$", "", issuer.group(1)) if issuer else None
            if not number and not date:
                continue
            refs.append(Reference(
                kind=kind,
                number=re.sub(r"\s+", "", number.group(1)) if number else None,
                date=_normalize_date(date.group(1)) if date else None,
                issuer=issuer_name,
                title=text,
            ))
    return refs


def _normalize_date(text: str) -> str:
    parts = re.findall(r"\d+", text)
    return f"{int(parts[0])}/{int(parts[1])}/{parts[2]}" if len(parts) == 3 else text


def _from_header(header: Header, lines: list[str], found: tuple, sources: dict) -> tuple:
    """The fields the header block states (read), else what was found before (kept with its source),
    else the portal's box (guessed); a national body has no province."""
    doc_type, title, number, date, date_text, issuer, province, signer = found
    hints = header.hints
    if header.kind:
        doc_type, sources["doc_type"] = header.kind, READ
    elif hints.get("Loại văn bản") in DOC_TYPES:
        doc_type, sources["doc_type"] = hints["Loại văn bản"], GUESSED
    if header.title:
        title, sources["title"] = header.title, READ
    if header.number:
        number, sources["number"] = header.number, READ
    elif header.agency and number is None:  # a header without "Số: …" states no number; the box's is a guess
        hint = re.match(rf"({_NUMBER})", hints.get("Số hiệu", ""))
        number = re.sub(r"\s+", "", hint.group(1)) if hint else None
        sources["number"] = GUESSED
    if header.date:
        date, date_text, sources["date"] = header.date, header.date_text, READ
    elif header.agency and date is None:
        hint = re.match(r"(\d{1,2})/(\d{1,2})/(\d{4})$", hints.get("Ngày ban hành", ""))
        date = date_text = None
        if hint:
            d, m, y = (int(g) for g in hint.groups())
            date, date_text = f"{y:04d}-{m:02d}-{d:02d}", f"{d:02d}/{m:02d}/{y}"
        sources["date"] = GUESSED
    if header.issuer and (header.province or header.national):  # an agency named without its place is half read
        issuer, sources["issuer"] = header.issuer, READ
        authority = header.authority or ""
        if issuer.startswith("UBND") and authority.startswith("CHỦ TỊCH"):
            issuer = "Chủ tịch " + issuer
    national_by_number = issuer_from_number(number) if not (header.issuer and (header.province or header.national)) else None
    if national_by_number:
        issuer, sources["issuer"] = national_by_number, GUESSED
    if header.national:
        province, sources["province"] = None, READ
    elif national_by_number:
        province, sources["province"] = None, GUESSED
    elif header.province:
        province, sources["province"] = header.province, READ
    signed = read_signer(lines[header.end:])
    if signed:
        signer, sources["signer"] = signed, READ
    elif hints.get("Người ký") and not signer:
        signer, sources["signer"] = hints["Người ký"], GUESSED
    return doc_type, title, number, date, date_text, issuer, province, signer


def extract_metadata(text: str, *, appendix_start: int, sidecar: dict | None = None) -> Metadata:
    """Metadata of one cleaned document; ``sidecar`` values fill what the text leaves blank."""
    body = text[:appendix_start]
    lines = body.split("\n")
    first_structure = next((i for i, ln in enumerate(lines) if re.match(r"^(?:Căn cứ|Điều \d|[IVX]+\.\s)", ln)), len(lines))
    head_lines = lines[:first_structure]
    head = "\n".join(head_lines)
    doc_type = _doc_type(head_lines)
    province = _province(text)
    number = _number(head)
    if number is None and appendix_start < len(text):
        number = _number(text[appendix_start:appendix_start + 600])
    date, date_text = _date(head)
    if date is None and appendix_start < len(text):
        date, date_text = _date(text[appendix_start:appendix_start + 600])
    title = _title(head_lines, doc_type)
    attachments = [kind for kind in ("Đề án", "Kế hoạch", "Quy định", "Quy chế", "Chương trình")
                   if re.match(rf"^Ban hành (?:thực hiện )?(?:kèm theo )?{kind}", title, re.I) or f"Ban hành Kế hoạch thực hiện {kind}" in title]
    issuer = None
    if re.search(r"(?:ỦY|UỶ) BAN NHÂN DÂN|Ủy ban nhân dân tỉnh", head + text[appendix_start:appendix_start + 600]):
        issuer = f"UBND tỉnh {province}" if province else "Ủy ban nhân dân tỉnh"
    reference_lines = [ln for ln in lines if re.match(r"^(?:Căn cứ|Theo đề nghị|Xét đề nghị)", ln)]
    signer = _signer(body)
    sources = {"doc_type": READ if doc_type != "Văn bản" else GUESSED, "title": READ, "number": READ, "date": READ,
               "issuer": GUESSED, "province": GUESSED, "signer": READ}
    # a header table read as rows ("agency<TAB>motto"): its cells are the header's lines
    header = read_header([cell.strip() for line in lines[:200] for cell in line.split("\t")])
    if header.agency or header.kind:
        doc_type, title, number, date, date_text, issuer, province, signer = _from_header(
            header, lines, (doc_type, title, number, date, date_text, issuer, province, signer), sources)
    meta = Metadata(doc_type=doc_type, number=number, issuer=issuer, province=province, date=date,
                    date_text=date_text, title=title, signer=signer, references=parse_references(reference_lines),
                    attachments=attachments)
    # a national body's "no province" is read too: the header says so
    meta.sources = {k: v for k, v in sources.items() if getattr(meta, k) or (k == "province" and header.national)}
    for key, value in (sidecar or {}).items():
        if key.startswith("_") or key == "note":
            continue
        if not hasattr(meta, key):
            log.warning("sidecar key %r is not a metadata field; ignored", key)
            continue
        if key == "references":
            value = [Reference(**ref) for ref in value]
        setattr(meta, key, value)
        if key in SOURCED_FIELDS:
            meta.sources[key] = GUESSED
    return meta


def read_sidecar(path: Path) -> dict:
    """The ``<name>.meta.json`` beside a document, or {}."""
    sidecar = path.with_name(path.stem + ".meta.json")
    if not sidecar.exists():
        return {}
    try:
        return json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        log.warning("%s: sidecar not readable (%s); ignored", sidecar.name, exc)
        return {}

"""The header block of an official document, read from its cleaned lines: who issued it, its number,
place and date, its kind and its subject (trích yếu), and the signer under it.

The block is found by its form, not by a list of any portal's phrases: the agency lines and the
national motto side by side ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc"),
"Số: …", "<place>, ngày … tháng … năm …", then the kind in capitals ("KẾ HOẠCH") and the subject
lines, up to the first "Căn cứ", "Kính gửi", article or heading. A Công văn names its subject on its
"V/v …" line. Whatever stands before the agency lines (a portal's notices, its metadata box) is not
the header; a box of "Label: value" lines there is returned apart, as :attr:`Header.hints`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus.vocab import HEADER_KINDS, resolve_place
from corpus.vocab import NATIONAL_MOTTO as _MOTTO

_END = re.compile(r"^(?:Căn cứ|Kính gửi|Điều\s+\d|[IVX]{1,5}\.\s|Theo đề nghị|Xét đề nghị|Thực hiện\s|Trong\s|Ngày\s\d)")
_NUMBER = re.compile(r"^(?:Luật |Nghị quyết |Pháp lệnh )?(?:[Ss]ố|SỐ)\s*:?\s*(\d{1,5}\s*[/-]\s*(?:\d{4}\s*/\s*)?[A-ZĐ][\wĐđ&]*(?:\s*[-/]\s*[\wĐđ&]+)*)")
_SO_LINE = re.compile(r"^(?:Luật |Nghị quyết )?(?:[Ss]ố|SỐ)\s*:")
_PLACE_DATE = re.compile(r"^(?P<place>[^\d,]{2,40}),\s*ngày\s*(?P<d>\d{1,2})?\s*(?:tháng|/)\s*(?P<m>\d{1,2})?\s*(?:năm|/)\s*(?P<y>\d{4})")
_VV = re.compile(r"^(?:V/v|V/V|v/v)\s*[:.]?\s*(.+)$")
_NATIONAL = re.compile(r"^(?:BỘ|CỤC|TỔNG CỤC|CHÍNH PHỦ|THỦ TƯỚNG|QUỐC HỘI|ỦY BAN THƯỜNG VỤ QUỐC HỘI|VĂN PHÒNG CHÍNH PHỦ|"
                       r"KIỂM TOÁN NHÀ NƯỚC|THANH TRA CHÍNH PHỦ|NGÂN HÀNG NHÀ NƯỚC|TÒA ÁN NHÂN DÂN TỐI CAO|"
                       r"VIỆN KIỂM SÁT NHÂN DÂN TỐI CAO|BẢO HIỂM XÃ HỘI VIỆT NAM|BAN CHỈ ĐẠO)\b")
# the first words of an agency's name, in capitals, longest first: where one agency's name starts
_AGENCY_HEADS = ("ỦY BAN THƯỜNG VỤ QUỐC HỘI", "VĂN PHÒNG CHÍNH PHỦ", "VĂN PHÒNG QUỐC HỘI",
                 "ỦY BAN NHÂN DÂN", "UỶ BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN", "THỦ TƯỚNG CHÍNH PHỦ", "CHÍNH PHỦ",
                 "TỔNG CỤC", "BỘ", "CỤC", "SỞ", "UBND", "HĐND", "VĂN PHÒNG", "BAN", "KIỂM TOÁN NHÀ NƯỚC", "THANH TRA",
                 "QUỐC HỘI", "CÔNG AN", "TRUNG TÂM", "KHO BẠC", "NGÂN HÀNG", "BẢO HIỂM")
_GLUE = "\x00"  # joins the words of a many-word head so that "BAN" inside "ỦY BAN NHÂN DÂN" starts nothing
_SPLIT_AGENCY = re.compile(r"(?<!\bVÀ)(?<!,)\s+(?=(?:" + "|".join(re.escape(h.replace(" ", _GLUE)) for h in _AGENCY_HEADS) + r")(?![\w\x00]))")
_PLACE_AFTER = re.compile(r"\b(TỈNH|THÀNH PHỐ|TP\.?)\s+(.+)$")
_HINT = re.compile(r"^(Số hiệu|Loại văn bản|Nơi ban hành|Người ký|Ngày ban hành)\s*:\s*(.+)$")
_SIGN_TITLE = re.compile(r"(?:TRƯỞNG|TỊCH|ĐỐC|TƯỚNG|NHIỆM|THƯ|TRA|BAN)\s*$")
_NAME = re.compile(r"^(?:[A-ZĐÀ-Ỹ][a-zà-ỹđ]+)(?:\s+[A-ZĐÀ-Ỹ][a-zà-ỹđ]+){1,4}$")
_CITIES = ("Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Thành phố Hồ Chí Minh", "Thừa Thiên Huế")
_FIXED_NAMES = {"CHÍNH PHỦ": "Chính phủ", "QUỐC HỘI": "Quốc hội", "VĂN PHÒNG CHÍNH PHỦ": "Văn phòng Chính phủ",
                "VĂN PHÒNG QUỐC HỘI": "Văn phòng Quốc hội", "KIỂM TOÁN NHÀ NƯỚC": "Kiểm toán nhà nước",
                "ỦY BAN THƯỜNG VỤ QUỐC HỘI": "Ủy ban Thường vụ Quốc hội"}
_KIND_CAPS = sorted(((kind.upper(), kind) for kind in HEADER_KINDS), key=lambda k: -len(k[0]))
_RULE_LINE = re.compile(r"^[\s\-–_=*|.]*$")
_AUTHORITY = re.compile(r"^(?:CHỦ TỊCH|BỘ TRƯỞNG|THỦ TƯỚNG|ỦY BAN|UỶ BAN|HỘI ĐỒNG|GIÁM ĐỐC|TỔNG|CỤC TRƯỞNG|TRƯỞNG BAN|"
                        r"VIỆN TRƯỞNG|CHÁNH|BAN CHẤP HÀNH|BAN THƯỜNG VỤ|QUỐC HỘI|CHÍNH PHỦ)")
_KIND_IN_TITLE = re.compile(r"^(?:QUYẾT ĐỊNH|KẾ HOẠCH|NGHỊ QUYẾT|CHỈ THỊ|THÔNG BÁO|CÔNG ĐIỆN)\s*:?$")


@dataclass
class Header:
    """What the header block states; a field left None is not stated there."""

    start: int = 0  # line index where the document proper starts (its agency lines)
    end: int = 0  # line index after the header block
    agency: list[str] = field(default_factory=list)  # the agency lines as written, highest first
    issuer: str | None = None
    province: str | None = None
    national: bool = False
    number: str | None = None
    date: str | None = None
    date_text: str | None = None
    kind: str | None = None
    title: str | None = None
    authority: str | None = None  # "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH …" above the "Căn cứ" lines
    hints: dict[str, str] = field(default_factory=dict)  # a portal's "Label: value" box before the document


def _agency_name(words: str) -> str:
    """'BỘ TÀI CHÍNH' → 'Bộ Tài chính', 'SỞ KHOA HỌC VÀ CÔNG NGHỆ' → 'Sở Khoa học và Công nghệ'."""
    out: list[str] = []
    capital_next = True
    for word in words.split():
        if word.lower() in ("và", "và"):
            out.append("và")
            capital_next = True
            continue
        out.append(word[:1] + word[1:].lower() if capital_next else word.lower())
        capital_next = len(out) == 1
    return " ".join(out)


def read_issuer(agency_text: str) -> tuple[str | None, str | None, bool]:
    """(issuer as officers write it, province, national body?) from the agency lines in capitals.

    Example:
        >>> read_issuer("ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH")
        ('UBND Thành phố Hồ Chí Minh', 'Thành phố Hồ Chí Minh', False)
        >>> read_issuer("BỘ TÀI CHÍNH CỤC THUẾ")
        ('Cục Thuế', None, True)
        >>> read_issuer("HỘI ĐỒNG NHÂN DÂN TỈNH NGHỆ AN")
        ('HĐND tỉnh Nghệ An', 'Nghệ An', False)
    """
    text = re.split(r"\s(?:SỐ|Số)\s*:", agency_text.replace("UỶ", "ỦY"))[0]
    text = " ".join(re.sub(r"[-_=*|]{2,}|\|", " ", text).split()).strip(" -_|")
    if not text:
        return None, None, False
    glued = text
    for head in sorted(_AGENCY_HEADS, key=len, reverse=True):
        if " " in head:
            glued = glued.replace(head, head.replace(" ", _GLUE))
    parts = [p.replace(_GLUE, " ") for p in _SPLIT_AGENCY.split(glued) if p.strip()]
    national = bool(_NATIONAL.match(parts[0]))
    province = None
    for part in parts:
        place = _PLACE_AFTER.search(part)
        if place and not national:
            province = resolve_place(place.group(2)) or province
    last = parts[-1]
    head = next((h for h in _AGENCY_HEADS if last.startswith(h)), "")
    rest = last[len(head):].strip()
    if head in ("ỦY BAN NHÂN DÂN", "UBND", "HỘI ĐỒNG NHÂN DÂN", "HĐND"):
        short = "UBND" if head in ("ỦY BAN NHÂN DÂN", "UBND") else "HĐND"
        place = _PLACE_AFTER.search(last)
        if place and resolve_place(place.group(2)):
            name = resolve_place(place.group(2))
            if place.group(1) == "TỈNH" and name not in _CITIES:
                return f"{short} tỉnh {name}", name, False
            shown = name if name.startswith("Thành phố") else f"thành phố {name}"
            return f"{short} {shown}", name, False
        return (f"{short} {_agency_name(rest).lower()}".strip() if rest else short), province, False
    if head == "THỦ TƯỚNG CHÍNH PHỦ":
        return "Thủ tướng Chính phủ", None, True
    if last in _FIXED_NAMES:
        return _FIXED_NAMES[last], None, True
    return _agency_name(last), province, national


def _letters(line: str) -> int:
    return sum(ch.isalpha() for ch in line)


def _is_caps(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)


def read_header(lines: list[str]) -> Header:
    """The header block among the first lines of a cleaned document (see the module docstring)."""
    header = Header()
    motto = next((i for i, ln in enumerate(lines[:120]) if _MOTTO.search(ln)), None)
    start = 0
    if motto is not None:
        start = motto
        while start > 0 and motto - start < 4 and not _HINT.match(lines[start - 1]) and (
                _is_caps(lines[start - 1]) or _RULE_LINE.match(lines[start - 1])):
            start -= 1
        while start < motto and _RULE_LINE.match(lines[start]):
            start += 1
        header.agency = [ln for ln in lines[start:motto + 1] if not _MOTTO.search(ln) and not _RULE_LINE.match(ln)]
        if not header.agency:  # the motto first, the agency after it (a table read across)
            header.agency = [lines[motto + 1]] if motto + 1 < len(lines) and _is_caps(lines[motto + 1]) else []
        # the motto and the agency on one line: "UBND TỈNH X CỘNG HÒA XÃ HỘI …"
        same = _MOTTO.search(lines[motto])
        if same and same.start() > 3:
            header.agency.append(lines[motto][:same.start()])
    for line in lines[:start]:
        hint = _HINT.match(line.strip())
        if hint and not re.match(r"^(?:Đã biết|Đang cập nhật|Không xác định)", hint.group(2)):
            header.hints[hint.group(1)] = hint.group(2).strip()
    header.start = start
    index = start
    limit = min(len(lines), start + 40)
    title_lines: list[str] = []
    while index < limit:
        line = lines[index].strip()
        if _END.match(line) and (header.kind or index > start + 2):
            break
        index += 1
        if not line or _MOTTO.search(line) or line in header.agency:
            if title_lines:
                break
            continue
        number = _NUMBER.match(line)
        if number and header.number is None:
            header.number = re.sub(r"\s+", "", number.group(1))
            vv = _VV.match(line[number.end():].strip())
            if vv:
                header.kind, header.title = "Công văn", vv.group(1).strip()
            continue
        if _SO_LINE.match(line):
            continue
        place_date = _PLACE_DATE.match(line)
        if place_date and header.date is None:
            d, m, y = place_date.group("d"), place_date.group("m"), place_date.group("y")
            if d and m:
                header.date, header.date_text = f"{int(y):04d}-{int(m):02d}-{int(d):02d}", f"{int(d):02d}/{int(m):02d}/{y}"
            elif m:
                header.date, header.date_text = f"{int(y):04d}-{int(m):02d}", f"tháng {int(m)}/{y}"
            else:
                header.date, header.date_text = y, f"năm {y}"
            if title_lines:
                break
            continue
        vv = _VV.match(line)
        if vv and not header.title:
            header.kind = header.kind or "Công văn"
            header.title = vv.group(1).strip()
            continue
        if header.kind is None or (header.kind == "Công văn" and header.title and not title_lines and _is_caps(line)
                                   and _kind_of(line)):
            kind = _kind_of(line)
            if kind:
                header.kind = kind[0]
                rest = kind[1]
                if rest:
                    title_lines.append(rest)
                continue
            continue
        if header.kind and header.kind != "Công văn" or header.kind == "Công văn" and not header.title:
            if _is_caps(line) and _AUTHORITY.match(line) and title_lines:
                header.authority = line
                break
            if line.startswith("(") or len(title_lines) >= 4:
                break
            if title_lines and (_is_caps(title_lines[0]) != _is_caps(line) and _letters(line) >= 4
                                and _letters(title_lines[0]) >= 4 or len(line) > 300):
                break  # a title in capitals ends where the text in lower case starts (and the reverse)
            if title_lines and line == title_lines[-1]:
                continue  # the same line twice (a title repeated by the converter)
            title_lines.append(line)
    header.end = index
    if title_lines and not (header.kind == "Công văn" and header.title):
        header.title = _sentence_case(" ".join(title_lines))
    if header.agency:
        header.issuer, header.province, header.national = read_issuer(" ".join(header.agency))
    if header.issuer is None and header.authority:  # the issuing body named only above the preamble
        header.issuer, header.province, header.national = read_issuer(header.authority)
    return header


def _kind_of(line: str) -> tuple[str, str] | None:
    """(kind, the rest of the line) when ``line`` starts with a kind of document in capitals."""
    plain = line.strip().rstrip(":").strip()
    for caps, kind in _KIND_CAPS:
        if plain == caps:
            return kind, ""
        if plain.startswith(caps + " ") and _is_caps(plain[len(caps):]) and len(plain) > len(caps) + 3:
            return kind, plain[len(caps):].strip()
        if plain.startswith(caps) and plain[len(caps):len(caps) + 1].isupper() and plain[len(caps) + 1:len(caps) + 2].islower():
            return kind, plain[len(caps):]  # "NGHỊ ĐỊNHQuy định về …": the kind glued to its subject
    return None


def _sentence_case(text: str) -> str:
    """A title in capitals as a sentence ("QUY ĐỊNH TRÌNH TỰ…" → "Quy định trình tự…"); one in mixed case as is."""
    text = " ".join(text.split())
    return text[:1].upper() + text[1:].lower() if _is_caps(text) else text[:1].upper() + text[1:]


def read_signer(lines: list[str]) -> str | None:
    """The name under the last signature title ("KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / Nguyễn Văn A")."""
    found = None
    for index, line in enumerate(lines):
        text = line.strip()
        if len(text) <= 120 and _is_caps(text) and _SIGN_TITLE.search(text):
            for follow in lines[index + 1:index + 4]:
                name = follow.strip()
                if _NAME.match(name):
                    found = name
                    break
    return found


# the issuing body a number's suffix names for the national bodies (the part after the kind's abbreviation)
_NUMBER_ISSUERS = (("UBTVQH", "Ủy ban Thường vụ Quốc hội"), ("QH", "Quốc hội"), ("TTg", "Thủ tướng Chính phủ"),
                   ("CP", "Chính phủ"), ("VPCP", "Văn phòng Chính phủ"))


def issuer_from_number(number: str | None) -> str | None:
    """The national body whose documents carry this number's suffix, when the header lost its agency.

    Example:
        >>> issuer_from_number("25/2025/NĐ-CP"), issuer_from_number("80/2025/QH15"), issuer_from_number("9/QĐ-UBND")
        ('Chính phủ', 'Quốc hội', None)
    """
    last = re.split(r"[-/]", number or "")[-1]
    for suffix, name in _NUMBER_ISSUERS:
        if re.fullmatch(rf"{suffix}\d*", last):
            return name
    return None

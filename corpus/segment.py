"""Segmentation: cut cleaned text where the document itself is cut, into citable units.

Legal text: Phần/Chương/Mục/Điều/Khoản/Điểm. Plans: Roman (I.), Arabic (1., 1.1) and letter
(a)) headings and dash bullets. Appendices (Phụ lục): one unit per task row (see
:mod:`corpus.tables`). Every unit knows its breadcrumb, a label a civil servant would write
("Điều 1, mục I.1, ý 2", "Phụ lục I, nhiệm vụ 3.31") and its span in the cleaned text.

No unit is a fragment: a line too short to stand alone (the source broke it out of its sentence)
joins its neighbour in the same section (:func:`_tidy`), an element whose line is only its number
("Điều 1.", "2.") takes the paragraph after it, and what is not the document's content is left out:
the signature block (signing authority, "(Đã ký)", the signer's name), the recipients list ("Nơi
nhận", or its "- Lưu: VT" end when the label was lost). Text a page puts before the document proper
(:func:`corpus.boilerplate.document_span`) is a unit of its own ("Trước văn bản"), not the header.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from corpus import tables
from corpus.boilerplate import document_span
from corpus.clean import APPENDIX_HEADING, appendix_heads
from corpus.model import Segment
from corpus.vocab import ATTACHED_TO, HEADER_KINDS

log = logging.getLogger(__name__)

# level, pattern; lower level = higher in the tree
_LEVELS: list[tuple[str, int, re.Pattern[str]]] = [
    ("part", 1, re.compile(r"^(?:Phần|PHẦN|Chương|CHƯƠNG)\s+([0-9IVXLC]+)\b[.:]?\s*(.*)$")),
    ("legal_section", 2, re.compile(r"^(?:Mục|MỤC)\s+(\d+)\b[.:]?\s*(.*)$")),
    ("article", 3, re.compile(r"^Điều\s+(\d+)\s*[.:]\s*(.*)$")),
    ("roman", 4, re.compile(r"^([IVXL]{1,6})\s*[.)]\s*(\S.*)?$")),
    ("decimal", 6, re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,3})(?:\.?\s+(\S.*)|\.)$")),
    ("arabic", 5, re.compile(r"^(\d{1,2})\s*[.)]\s*(\S.*)?$")),
    ("letter", 7, re.compile(r"^([a-zđ])\s*\)\s*(\S.*)?$")),
    ("bullet", 8, re.compile(r"^([-–•])\s*(\S.*)$")),
    ("subbullet", 9, re.compile(r"^([+*])\s*(\S.*)$")),
]
_SKIP = re.compile(
    r"^(?:CỘNG HÒA XÃ HỘI|CỘNG HOÀ XÃ HỘI|Độc lập\s*[-–]?\s*Tự do|Số\s*:|QUYẾT ĐỊNH\s*:|TM\.|KT\.|"
    r"(?:PHÓ\s+)?CHỦ TỊCH$|GIÁM ĐỐC$)"
)
# the signature block: the signing authority's lines ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH" or "KT GIÁM ĐỐC",
# "PHÓ CHỦ TỊCH"), then
# the mark of the signature ("(Đã ký)") and the signer's name: none of them is content
_SIGN_TITLE = re.compile(r"^(?:(?:(?:TM|KT|TL|TUQ|Q)\.|T/M|K/T|T/L)\s*\S|(?:TM|KT|TL|TUQ)\s+[A-ZĐ]|"
                         r"(?:PHÓ\s+)?(?:CHỦ TỊCH|CHỦ NHIỆM|BỘ TRƯỞNG|THỨ TRƯỞNG|THỦ TƯỚNG|"
                         r"GIÁM ĐỐC|CỤC TRƯỞNG|VỤ TRƯỞNG|CHÁNH VĂN PHÒNG|TRƯỞNG BAN|TỔNG GIÁM ĐỐC|BÍ THƯ)\b)")
_SIGNED = re.compile(r"^\(\s*(?:[Đđ]ã ký|[Kk]ý(?:\s+(?:tên|số))?)(?:[,\s]+(?:và\s+)?(?:ghi rõ họ tên|đóng dấu))*\s*\)\.?|^[Đđ]ã ký\b\.?")
_RECIPIENTS = re.compile(r"^[\W_]*Nơi nhận\b")
_ARCHIVED = re.compile(r"(?:^|[;.]\s*)[-–+]\s*Lưu\s*:?\s*(?:VT|Văn thư)\b")
_PREAMBLE = re.compile(r"^[*_\s]*(?:Căn cứ|Theo đề nghị|Xét đề nghị)")  # also in Markdown emphasis ("*Căn cứ")
# the title block's line that names the document ("CÔNG ĐIỆN", "QUYẾT ĐỊNH", "V/v …", "Kính gửi: …"): the title
# block ends with it, its trích yếu and addressees; the first prose paragraph after it begins the body
_TITLE_LINE = re.compile(r"^(?:" + "|".join(k.upper() for k in HEADER_KINDS) + r")\b|^(?:V/v|V/V|Kính gửi)\b")
MIN_PROSE_CHARS = 100  # a paragraph of the body, not a title block's line (the longest trích yếu is a capitalised line)
_DOC_TITLE = re.compile(r"^(KẾ HOẠCH|ĐỀ ÁN|QUY ĐỊNH|QUY CHẾ|CHƯƠNG TRÌNH|HƯỚNG DẪN)$")
_ROOT_TITLE = re.compile(r"^(QUYẾT ĐỊNH|NGHỊ QUYẾT|CHỈ THỊ|KẾ HOẠCH|ĐỀ ÁN|QUY ĐỊNH|QUY CHẾ|CHƯƠNG TRÌNH|HƯỚNG DẪN|THÔNG BÁO)$")
_SENTENCE_END = re.compile(r"(?<=[.;!?…])\s+(?=[\"“(]?[A-ZĐÀ-Ỹ0-9\-–])")
_TERMINATED = re.compile(r"[.;:!?…)]\s*$")


@dataclass
class _Node:
    kind: str
    level: int
    number: str
    text: str  # the whole line
    start: int
    end: int
    children: list["_Node"] = field(default_factory=list)
    joined: bool = False  # text joined from several lines: ``start``/``end`` bound it, not one verbatim slice
    absorbed: int = 0  # paragraphs of its own body taken into its text (a heading that was only its number)
    own_unit: bool = False  # a unit of its own even if its text now reads as a heading (a fragment joined its end)


@dataclass
class _Para:
    text: str
    start: int
    end: int


def _paragraphs(text: str, start: int, stop: int) -> list[_Para]:
    out: list[_Para] = []
    position = start
    for line in text[start:stop].split("\n"):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            out.append(_Para(stripped, position + lead, position + lead + len(stripped)))
        position += len(line) + 1
    return out


def _is_sign_title(line: str) -> bool:
    """A signing authority's line in capitals: "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "BỘ TRƯỞNG"."""
    return bool(_SIGN_TITLE.match(line)) and not any(c.islower() for c in line)


def _bare(line: str) -> str:
    """``line`` without the table-rule and markup debris a converter leaves at its ends ("| … |", "*")."""
    return line.strip(" |*_")


def _signed(line: str) -> str | None:
    """What follows the mark of a signature at the start of ``line`` ("(Đã ký) Lê Thành Long" → the name, "(Đã
    ký)" → ""), or None when the line is something else."""
    bare = _bare(line)
    match = _SIGNED.match(bare)
    if match is None:
        return None
    rest = bare[match.end():].strip()
    return rest if not rest or _is_person(rest) else None


def _is_person(line: str) -> bool:
    """A person's name as signed: two to five capitalised words and nothing else ("Trần Nam Hưng")."""
    words = line.split()
    return 2 <= len(words) <= 5 and all(w.isalpha() and w[0].isupper() and w[1:].islower() for w in words)


def classify(line: str) -> tuple[str, int, str, str] | None:
    """(kind, level, number, rest) of a structural line, or None for a plain paragraph."""
    for kind, level, pattern in _LEVELS:
        match = pattern.match(line)
        if match:
            return kind, level, match.group(1), match.group(2) or ""
    return None


def split_long(text: str, limit: int) -> list[tuple[int, int]]:
    """Spans of ``text`` no longer than ``limit``, cut at sentence (else clause) boundaries."""
    if len(text) <= limit:
        return [(0, len(text))]
    # never right after a leading number ("1. Chi …"): a piece must be able to stand alone
    cuts = [m.start() for m in _SENTENCE_END.finditer(text) if m.start() >= MIN_UNIT_CHARS]
    if not cuts:
        cuts = [m.end() for m in re.finditer(r"[;,]\s+", text)]
    spans: list[tuple[int, int]] = []
    begin = 0
    last_ok = None
    for cut in cuts + [len(text)]:
        if cut - begin <= limit:
            last_ok = cut
            continue
        if last_ok is None or last_ok == begin:
            # one sentence longer than the limit: cut at the last space before it
            last_ok = text.rfind(" ", begin, begin + limit) or begin + limit
        spans.append((begin, last_ok))
        begin = last_ok
        while begin < len(text) and text[begin] == " ":
            begin += 1
        last_ok = cut if cut - begin <= limit else None
    if begin < len(text):
        end = len(text)
        if end - begin > limit:  # the tail alone is too long
            mid = text.rfind(" ", begin, begin + limit)
            spans.append((begin, mid))
            begin = mid + 1
        spans.append((begin, end))
    return [s for s in spans if s[1] > s[0]]


class Segmenter:
    """Cuts one cleaned document into :class:`Segment` units.

    Args:
        max_chars: longest unit; longer ones are split at sentence boundaries (≤ 2000).

    Example:
        >>> units = Segmenter().segment("doc", "Điều 1. Quyết định này có hiệu lực kể từ ngày ký.\\n", 60)
        >>> units[0].label
        'Điều 1'
    """

    def __init__(self, max_chars: int = 1200) -> None:
        if not 200 <= max_chars <= 2000:
            raise ValueError(f"max_chars={max_chars}: must be between 200 and 2000")
        self.max_chars = max_chars

    def segment(self, doc_id: str, text: str, appendix_start: int) -> list[Segment]:
        units: list[Segment] = []
        self._body(doc_id, text, appendix_start, units)
        self._appendices(doc_id, text, appendix_start, units)
        units = _merge_fragments(doc_id, units)
        for ordinal, unit in enumerate(units):
            unit.ordinal = ordinal
            unit.id = f"{doc_id}.{ordinal:03d}"
        return units

    # --- body ---------------------------------------------------------------------------------

    def _body(self, doc_id: str, text: str, stop: int, units: list[Segment]) -> None:
        paras = _paragraphs(text, 0, stop)
        # what a page puts before the document proper (its agency lines and motto: a portal's summary of it) is not
        # the document's header; it is cut on its own, after the header (the first unit stays the document's header)
        proper = _proper_start(text[:stop])
        lead = [p for p in paras if p.start < proper]
        paras = paras[len(lead):]
        root = _Node("root", 0, "", "", 0, 0)
        stack = [root]
        header: list[_Para] = []
        preamble: list[_Para] = []
        part_title = ""
        root_crumb = ""
        seen_structure = False
        in_recipients = False
        in_signature = False
        attached = False  # just after the signature that ended a recipients list
        table = _BodyTable()
        index = 0
        while index < len(paras):
            para = paras[index]
            line = para.text
            index += 1
            if _RECIPIENTS.match(line):
                in_recipients = True
                continue
            if in_recipients:
                # the recipients list and signature block end where a new document part begins, or with the
                # signer's name when the signature stands beside the list: what follows is attached to the document
                if _DOC_TITLE.match(line) or classify(line) and classify(line)[0] in ("roman", "article", "part"):
                    in_recipients = False
                elif _is_sign_title(line):
                    in_signature = True
                    continue
                elif in_signature and (_is_person(_bare(line)) or _signed(line)):
                    in_recipients = in_signature = False
                    attached = True
                    continue
                else:
                    continue
            if attached and line.isupper() and len(line.split()) >= 3 and not _is_sign_title(line):
                # the title of what is attached after the signature ("BẢNG TIÊU CHÍ ĐÁNH GIÁ …"): a part of its own
                attached = False
                part_title = line.capitalize()
                subtitle = []
                while index < len(paras) and not classify(paras[index].text) and not _PREAMBLE.match(paras[index].text) \
                        and (ATTACHED_TO.search(paras[index].text) or paras[index].text.isupper()):
                    subtitle.append(paras[index].text)
                    index += 1
                node = _Node("part", 1, part_title, " ".join([part_title] + subtitle), para.start, paras[index - 1].end)
                root.children.append(node)
                stack = [root, node]
                seen_structure = True
                continue
            attached = False
            if seen_structure and _is_sign_title(line):
                in_signature = True  # the signing authority after the body; its mark and the signer's name follow
                continue
            signed = _signed(line) if seen_structure else None
            if signed is not None:
                in_signature = not signed  # "(Đã ký)", then the name unless it is on the same line
                continue
            if in_signature and _is_person(_bare(line)):
                in_signature = False  # the name ends the block
                continue
            in_signature = False
            if seen_structure and _ARCHIVED.search(line):
                # the last item of a recipients list whose "Nơi nhận:" label was lost ("- Lưu: VT, NC."),
                # or the whole list on one line: the list's items before it go too
                siblings = stack[-1].children
                while siblings and siblings[-1].kind == "bullet" and _bare(siblings[-1].text).endswith(";"):
                    siblings.pop()
                continue
            if _SKIP.match(line):
                continue
            if _DOC_TITLE.match(line) and seen_structure:
                # a plan or scheme attached after the decision's articles
                part_title = line.capitalize()
                subtitle: list[str] = []
                while index < len(paras) and not classify(paras[index].text) and not _PREAMBLE.match(paras[index].text):
                    subtitle.append(paras[index].text)
                    index += 1
                node = _Node("part", 1, part_title, " ".join([part_title] + subtitle), para.start, paras[index - 1].end)
                root.children.append(node)
                stack = [root, node]
                continue
            info = classify(line)
            if not root_crumb and _ROOT_TITLE.match(line):
                root_crumb = line.capitalize()
            if info is None and not seen_structure and not preamble and not _PREAMBLE.match(line) \
                    and _opens_body(line) and any(_TITLE_LINE.match(p.text) for p in header):
                seen_structure = True  # a Công điện's, Chỉ thị's or Công văn's prose after its title block: the body
            if info is None and not seen_structure:
                (preamble if _PREAMBLE.match(line) or preamble else header).append(para)
                continue
            if info is None and "\t" in line:
                row = table.read(line)  # a table in the body: its header, then rows with their header cells
                if row is not None:
                    stack[-1].children.append(_Node("table_row", 99, row[0], row[1], para.start, para.end))
                continue
            table.reset()
            if info is None:
                siblings = stack[-1].children
                if stack[-1].kind in ("part", "legal_section") and not siblings and line.isupper():
                    stack[-1].text += " " + line  # "Chương I" + "QUY ĐỊNH CHUNG"
                    continue
                if siblings and siblings[-1].kind == "bullet" and siblings[-1].text.endswith(":"):
                    # "- ... đối với lĩnh vực:" followed by its enumeration "(1) ...; (2) ..."
                    siblings[-1].text += " " + line
                    siblings[-1].end = para.end
                    siblings[-1].joined = True
                    continue
                siblings.append(_Node("paragraph", 99, "", line, para.start, para.end))
                continue
            kind, level, number, _rest = info
            if kind in ("bullet", "subbullet") and not seen_structure:
                header.append(para)
                continue
            seen_structure = True
            node = _Node(kind, level, number, line, para.start, para.end)
            if kind in ("bullet", "subbullet"):
                parent = stack[-1]
                if kind == "subbullet" and parent.children and parent.children[-1].kind == "bullet":
                    parent.children[-1].children.append(node)
                else:
                    parent.children.append(node)
                continue
            while len(stack) > 1 and stack[-1].level >= level:
                stack.pop()
            stack[-1].children.append(node)
            stack.append(node)
        if not header:
            header, lead = lead, []  # nothing of a header after it: what comes first is the header
        if header:
            self._emit(units, doc_id, "header", "Phần mở đầu", ["Phần mở đầu"], header, "")
        if lead:
            self._emit(units, doc_id, "header", LEAD_LABEL, [LEAD_LABEL], lead, "")
        if preamble:
            self._emit(units, doc_id, "preamble", "Căn cứ ban hành", ["Căn cứ ban hành"], preamble, "")
        _tidy(root)
        self._walk(units, doc_id, root, [], [root_crumb or "Nội dung"])

    def _walk(self, units: list[Segment], doc_id: str, node: _Node, path: list[_Node], crumbs: list[str]) -> None:
        paragraph_children = [c for c in node.children if c.kind == "paragraph"]
        bullets = 0
        paragraphs = node.absorbed  # "đoạn 2" stays the node's second paragraph when the first is in its heading
        for child in node.children:
            child_path = path + [child]
            if child.kind == "table_row":
                label = _label(path, f"dòng {child.number}")
                self._emit(units, doc_id, "table_row", label, crumbs, [_Para(child.text, child.start, child.end)],
                           _context(crumbs), verbatim=False)
                continue
            if child.kind in ("paragraph", "bullet", "subbullet"):
                if child.kind == "paragraph":
                    paragraphs += 1
                    suffix = f"đoạn {paragraphs}" if len(paragraph_children) + node.absorbed > 1 else ""
                else:
                    bullets += 1
                    suffix = f"ý {bullets}"
                label = _label(path, suffix)
                self._emit(units, doc_id, child.kind, label, crumbs, [_Para(child.text, child.start, child.end)], _context(crumbs),
                           verbatim=not child.joined)
                for sub_index, sub in enumerate(child.children, 1):
                    sub_label = f"{label}.{sub_index}"  # "ý 1.2": the second "+" under the first "-"
                    self._emit(units, doc_id, "subbullet", sub_label, crumbs + [_short(child.text)],
                               [_Para(sub.text, sub.start, sub.end)], _context(crumbs + [_short(child.text)]))
                continue
            has_body = bool(child.children)
            is_heading = has_body and (len(child.text) <= 120 and not _TERMINATED.search(child.text) or child.text.endswith(":") and len(child.text) <= 300)
            crumb = _short(child.text)
            if _leads_into_its_paragraphs(child, self.max_chars):
                # "1. Thanh tra tỉnh chủ trì, phối hợp …:" over the sentences of its task: one unit, so that who and
                # what are quoted together
                paras = [_Para(child.text, child.start, child.end), *(_Para(k.text, k.start, k.end) for k in child.children)]
                self._emit(units, doc_id, _KIND_NAMES.get(child.kind, child.kind), _label(child_path, ""), crumbs, paras,
                           _context(crumbs), verbatim=False)
                continue
            if (child.own_unit or not is_heading or not has_body or len(child.text) > 120) and not _LABEL_ONLY.match(child.text):
                # (a heading that is only its number, "Điều 2." over its clauses, names its body; it holds nothing)
                self._emit(units, doc_id, _KIND_NAMES.get(child.kind, child.kind), _label(child_path, ""), crumbs,
                           [_Para(child.text, child.start, child.end)], _context(crumbs), verbatim=not child.joined)
            self._walk(units, doc_id, child, child_path, [crumb] if child.kind == "part" else crumbs + [crumb])

    # --- appendices ---------------------------------------------------------------------------

    def _appendices(self, doc_id: str, text: str, start: int, units: list[Segment]) -> None:
        if start >= len(text):
            return
        lines = text[start:].split("\n")
        offsets = []
        position = start
        for line in lines:
            offsets.append(position)
            position += len(line) + 1
        offsets.append(position)
        heads = appendix_heads(lines, signed=-1)
        for n, head in enumerate(heads):
            stop = heads[n + 1] if n + 1 < len(heads) else len(lines)
            block = lines[head:stop]
            headed = bool(APPENDIX_HEADING.match(block[0].strip()))
            name = _appendix_name(block[0]) if headed else "Phụ lục"
            table_at = next((i for i, line in enumerate(block) if "\t" in line or re.match(r"^(?:STT|TT)\b", line.strip())), len(block))
            # an attached table's title is its first line ("DANH MỤC THỦ TỤC HÀNH CHÍNH …"), not a "PHỤ LỤC" heading
            title_lines = [ln.strip() for ln in block[0 if not headed else 1:table_at]
                           if ln.strip() and not ln.strip().startswith(("(Ban hành", "(Kèm theo"))]
            title = " ".join(title_lines)
            crumb = _short(f"{name}: {title}" if title else name, 120)
            table_lines = block[table_at:]
            rows = self._read_rows(table_lines)
            task_like = bool(re.search(r"NHIỆM VỤ|Nhiệm vụ|Nội dung thực hiện", title + " ".join(table_lines[:12])))
            noun = "nhiệm vụ" if task_like else "mục"
            if not rows and table_lines:
                log.warning("%s: %s has no readable table rows; kept as text", doc_id, name)
            for row in rows:
                # a target row ("Kết quả 1.14") is cited as such and quoted as prose, not as a task row
                kind, row_noun = ("target", "kết quả") if row.kind == "target" else ("table_row", noun)
                label = f"{name}, {row_noun} {row.number}" + (f" (hoạt động {row.part})" if row.part > 1 else "")
                begin = offsets[head + table_at + row.start]
                end = offsets[head + table_at + row.end] - 1
                crumbs = [crumb] + row.sections
                self._emit(units, doc_id, kind, label, crumbs, [_Para(row.text(), begin, max(begin, end))], _context(crumbs), verbatim=False)
            if not rows and title_lines:
                paras = _paragraphs(text, offsets[head], offsets[stop] - 1)
                self._emit(units, doc_id, "paragraph", name, [crumb], paras[1:] or paras, crumb)

    @staticmethod
    def _read_rows(table_lines: list[str]) -> list[tables.TableRow]:
        tabbed = [ln for ln in table_lines if "\t" in ln]
        if not tabbed:
            return tables.read_pdf_table(table_lines)
        if sum(1 for ln in tabbed if len(ln.strip("\n").split("\t")) >= 4) >= len(tabbed) / 2:
            return tables.read_tsv_table(table_lines)
        return tables.read_cell_table(table_lines)

    # --- units --------------------------------------------------------------------------------

    def _emit(self, units: list[Segment], doc_id: str, kind: str, label: str, crumbs: list[str],
              paras: list[_Para], context: str, *, verbatim: bool = True) -> None:
        """Add one unit (several if longer than the limit); ``paras`` are consecutive."""
        text = "\n".join(p.text for p in paras) if kind in ("header", "preamble") else " ".join(p.text for p in paras)
        start, end = paras[0].start, paras[-1].end
        spans = split_long(text, self.max_chars)
        for part, (a, b) in enumerate(spans, 1):
            part_label = label if len(spans) == 1 else f"{label} (phần {part})"
            # offsets are exact for one paragraph; for joined ones they bound the whole span
            s = start + a if verbatim and len(paras) == 1 else start
            e = start + b if verbatim and len(paras) == 1 else end
            units.append(Segment(id="", doc_id=doc_id, ordinal=0, kind=kind, label=part_label,
                                 breadcrumb=list(crumbs), text=text[a:b].strip(), start=s, end=e, context=context))


class _BodyTable:
    """Tab-separated rows met in the body (a table rebuilt by the cleaner): the first row without a
    row number is the header; each later row becomes "Header: value; …"."""

    _ROW_NUMBER = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*\.?|[IVXL]{1,6}\.?|[a-zđ]\))$")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.header: list[str] = []
        self.rows = 0

    def read(self, line: str) -> tuple[str, str] | None:
        """(row number, row text), or None for the header row."""
        cells = [" ".join(c.split()) for c in line.split("\t")]
        numbered = bool(self._ROW_NUMBER.match(cells[0]))
        if not self.header and not numbered and self.rows == 0:
            self.header = cells
            return None
        self.rows += 1
        number = cells[0].rstrip(".") if numbered else str(self.rows)
        values = cells[1:] if numbered else cells
        names = (self.header[1:] if numbered else self.header) if self.header else []
        if len(names) == len(values):
            text = "; ".join(f"{n}: {v}" for n, v in zip(names, values) if v)
        else:
            text = "; ".join(v for v in values if v)
        return number, text


LEAD_LABEL = "Trước văn bản"  # the label of the text a page puts before the document proper
MIN_UNIT_CHARS = 20  # a paragraph shorter than this is a fragment, unless it is a whole item or row
# a line that is only an element's number ("1.", "Điều 5.", "“a)", "[3]"): it names what follows
_LABEL_ONLY = re.compile(r"^[\"“(]?(?:Điều\s+\d+[a-zđ]?|[IVXL]{1,6}|\d{1,2}(?:\.\d{1,2})*|[a-zđ]\d?)\s*[.):]?[\"”]?$|^\[\d{1,3}\]$")
_MIN_SENTENCE_CHARS = 40  # a line ending in "." or ":" this long is a sentence, not a title
_ENDS = re.compile(r"(?:[.;!?…]|\./\.)[\"”’)]*$")
_LEAF_TARGETS = ("paragraph", "bullet", "subbullet", "article", "roman", "arabic", "decimal", "letter", "part",
                 "legal_section")


def _leads_into_its_paragraphs(node: _Node, limit: int) -> bool:
    """A numbered element whose line leads into the plain paragraphs under it ("1. Thanh tra tỉnh chủ trì, phối
    hợp …:" / "Rà soát, xây dựng quy trình …" / "Thời hạn chậm nhất 05 ngày …"), all of them fitting one unit."""
    kids = node.children
    return node.kind in ("arabic", "decimal", "letter", "roman") and node.text.endswith(":") and bool(kids) \
        and all(k.kind == "paragraph" and not k.children for k in kids) and len(kids) <= 4 \
        and len(node.text) + sum(len(k.text) + 1 for k in kids) <= limit and not _LABEL_ONLY.match(node.text)


def _tidy(node: _Node) -> None:
    """Paragraphs too short to stand alone joined to their neighbour in the same section, bottom-up.

    A fragment (a paragraph under :data:`MIN_UNIT_CHARS`) is a line the source broke out of its
    paragraph: one that is only a number, or that does not end a sentence ("Trong thời hạn", "Trong
    đó:", "Tên nhiệm vụ:"), leads into the paragraph after it; one that ends a sentence or starts in
    lower case ("Hà Nội.", "Nghị quyết này.") ends the text before it — the previous unit of the
    same section, or the heading it belongs to. Then an element whose line is only its number
    ("Điều 1.", "2.") takes its first paragraph as its text.
    """
    for child in node.children:
        _tidy(child)
    kids = node.children
    index = 0
    while index < len(kids):
        kid = kids[index]
        if kid.kind != "paragraph" or len(kid.text) >= MIN_UNIT_CHARS:
            index += 1
            continue
        if not re.search(r"[^\W_]", kid.text):
            del kids[index]  # punctuation alone (a checkbox "□", a stray quote "…”"): nothing to join
            continue
        after = kids[index + 1] if index + 1 < len(kids) else None
        leads = bool(_LABEL_ONLY.match(kid.text)) or not (_ENDS.search(kid.text) or kid.text[0].islower())
        if leads and after is not None and after.kind == "paragraph":
            _join(kid, after, before=True)
            del kids[index]
            continue
        target = _last_leaf(kids[index - 1]) if index else (node if node.kind != "root" else None)
        if target is not None and target.kind in _LEAF_TARGETS:
            _join(kid, target, before=False)
            del kids[index]
            continue
        index += 1
    if node.kind in _LEAF_TARGETS and _LABEL_ONLY.match(node.text) and kids and kids[0].kind == "paragraph":
        first = kids.pop(0)
        _join(first, node, before=False)
        node.absorbed += 1
        # a sentence that opens the body ("Quyết định này có hiệu lực từ ngày … và thay thế:") stays a unit; a
        # short title ("Hiệu lực thi hành:", "Sắp xếp các đơn vị hành chính cấp xã") names the body, as a heading
        node.own_unit = len(first.text) >= _MIN_SENTENCE_CHARS and bool(_TERMINATED.search(first.text))


def _join(piece: _Node, into: _Node, *, before: bool) -> None:
    """Put ``piece``'s text into ``into``, before or after its own; the span covers both. A unit that ended a
    sentence stays a unit when the piece after it does not ("2. Số lượng hồ sơ: 01 bộ." + "Thời hạn giải quyết")."""
    into.own_unit = into.own_unit or (not before and bool(_TERMINATED.search(into.text)) and not _LABEL_ONLY.match(into.text)
                                      and not _TERMINATED.search(piece.text))
    into.text = f"{piece.text} {into.text}" if before else f"{into.text} {piece.text}"
    into.start, into.end = min(into.start, piece.start), max(into.end, piece.end)
    into.joined = True


def _last_leaf(node: _Node) -> _Node:
    """The last unit-bearing node of ``node``'s subtree in document order (the text just before what follows it)."""
    while node.children:
        node = node.children[-1]
    return node


_WHOLE = ("bullet", "subbullet", "table_row", "target", "point", "clause", "article", "section", "part", "header")


def _merge_fragments(doc_id: str, units: list[Segment]) -> list[Segment]:
    """No unit of punctuation alone (a checkbox "□", a stray quote: dropped, logged); a paragraph
    under :data:`MIN_UNIT_CHARS` joins the unit before it under the same heading."""
    out: list[Segment] = []
    for unit in units:
        if not re.search(r"[^\W_]", unit.text):
            log.debug("%s: unit %r of punctuation only dropped", doc_id, unit.text)
            continue
        previous = out[-1] if out else None
        if (unit.kind == "paragraph" and len(unit.text) < MIN_UNIT_CHARS and previous is not None
                and previous.breadcrumb == unit.breadcrumb and previous.kind not in ("header", "preamble")):
            previous.text = f"{previous.text} {unit.text}"
            previous.end = max(previous.end, unit.end)
            continue
        out.append(unit)
    return out


_KIND_NAMES = {"article": "article", "roman": "section", "arabic": "clause", "decimal": "clause", "letter": "point",
               "part": "part", "legal_section": "section"}


def _opens_body(line: str) -> bool:
    """A prose paragraph: long, mostly in lower case and ending a sentence (a title block's lines are short,
    capitalised, or a trích yếu that ends without a full stop).

    Example:
        >>> _opens_body("Vừa qua tại khu vực Nam Trung Bộ đã xảy ra mưa lũ đặc biệt lớn, dài ngày, gây ngập lụt "
        ...             "lịch sử tại nhiều địa phương.")
        True
        >>> _opens_body("VỀ VIỆC KHẨN TRƯƠNG CHUẨN BỊ TỔ CHỨC LỄ KHÁNH THÀNH, KHỞI CÔNG CÁC DỰ ÁN, CÔNG TRÌNH QUY MÔ LỚN")
        False
    """
    letters = [c for c in line if c.isalpha()]
    return len(line) >= MIN_PROSE_CHARS and sum(c.islower() for c in letters) >= 0.6 * len(letters) \
        and bool(re.search(r"[.:;!?…]\s*$", line))


def _proper_start(text: str) -> int:
    """Offset in ``text`` where the document proper begins (:func:`corpus.boilerplate.document_span`)."""
    lines = text.split("\n")
    first, _after = document_span(lines)
    return sum(len(line) + 1 for line in lines[:first])


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: text.rfind(" ", 0, limit)] + "…"


def _context(crumbs: list[str]) -> str:
    return " > ".join(crumbs)


def _appendix_name(line: str) -> str:
    words = line.strip().rstrip(".:").split()
    suffix = " ".join(words[2:])
    return "Phụ lục" + (f" {suffix}" if suffix else "")


def _label(path: list[_Node], suffix: str) -> str:
    """'Điều 1, mục I.1, điểm a, ý 2' from the nodes above a unit."""
    parts: list[str] = []
    chain: list[str] = []
    has_roman = any(n.kind == "roman" for n in path)
    legal_clause = any(n.kind == "article" for n in path) and not has_roman
    for node in path:
        if node.kind == "part":
            word = node.text.split()[0].capitalize()
            parts.append(f"{word} {node.number}" if word in ("Phần", "Chương") else node.number)
        elif node.kind == "legal_section":
            parts.append(f"Mục {node.number}")
        elif node.kind == "article":
            parts.append(f"Điều {node.number}")
        elif node.kind in ("roman", "arabic", "decimal"):
            if legal_clause and node.kind == "arabic":
                parts.append(f"khoản {node.number}")
            elif node.kind == "decimal":
                chain = chain[:1]  # "1.2" already names its Arabic parent: keep only the Roman one
                chain.append(node.number)
            else:
                chain.append(node.number)
        elif node.kind == "letter":
            if chain:
                parts.append("mục " + ".".join(chain))
                chain = []
            parts.append(f"điểm {node.number}")
    if chain:
        parts.append("mục " + ".".join(chain))
    if suffix:
        parts.append(suffix)
    return ", ".join(parts) or "Nội dung chung"

"""Cleaning: from loaded text to the cleaned text that units are cut from and cite into.

- Markdown and HTML markup are stripped (bold, italics, headings, links, ``<b>`` in cells).
- Page furniture is dropped: page numbers, rules of underscores, placeholders such as ``#sovb``
  or ``[daky]``, a URL alone on its line (a link pasted into the page). URLs, e-mail addresses and
  phone numbers inside a sentence stay: they are what a question about a public service asks for.
- Control characters (NUL, the C1 range, ...) are removed; tabs and line breaks stay, a vertical
  tab or form feed becomes a line break.
- Lines hard-wrapped mid-sentence are re-flowed into one line per paragraph, also across blank
  lines that fall inside a sentence: a line continues the previous one unless it starts a
  structural element (Chương/Mục/Điều, a numbered heading, a list item, a table row) or the
  previous line ends a sentence. A line ending in a word that needs a number ("Điều", "khoản",
  "ngày", "số"…) is always continued ("Điều⏎10. …"); a Markdown emphasis span open at the end of a
  line is continued ("**2. Sở⏎Khoa học và Công nghệ**") and one that closes a whole line ends a
  paragraph. Where the document separates its paragraphs by blank lines (measured on the document:
  almost no blank line falls before a lower-case continuation that is not a list item), a blank line ends
  a paragraph unless what follows cannot start one, and a break without a blank line is the file's wrap
  whatever the case of the next word ("Sở Nội vụ, Sở⏎Giáo dục và Đào tạo", "Năm 2025 đạt⏎60%").
- Tables flattened into one cell per line with ``|`` lines between cells are rebuilt
  (:func:`corpus.pipe_tables.rebuild_pipe_tables`): layout tables (the header with agency and motto side
  by side, the signature block) into paragraphs, one per cell; data tables into tab-separated rows.
  Appendix tables keep their line structure (the segmenter reads their cells).

The original text stays in the store for display; cleaned text is NFC.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from corpus.pipe_tables import HARD_BREAK, rebuild_pipe_tables
from corpus.text import nfc

log = logging.getLogger(__name__)

# --- markup -------------------------------------------------------------------------------
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:https?://|www\.)[^)]*\)")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.M)
_MD_BOLD_JOIN = re.compile(r"\*\*\*\*")  # "**I. MỤC ĐÍCH****1. Mục đích**": two headings glued
_MD_EMPH = re.compile(r"(\*\*|__)(.+?)\1", re.S)
_MD_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)([^*]+?)(?<!\s)\*(?![\w*])")
_HTML_TAG = re.compile(r"</?(?:b|i|u|strong|em|span|br|p|div|sup|sub)\b[^>]*>", re.I)

# --- control characters: everything below U+0020 but \t and \n, DEL and the C1 range ----------
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")

# --- furniture ------------------------------------------------------------------------------
_URL = re.compile(r"(?:https?://|www\.)\S+")
_LONE_URL = re.compile(r"^\s*[(<\[]?(?:https?://|www\.)\S+\s*$")
_PLACEHOLDER = re.compile(r"#[a-z]{2,10}\b|\[(?:daky|dauvanban|noinhan|sovb|nbh|chuky|kyso)\]", re.I)
_RULE = re.compile(r"^[\s_=*\-–—.]{3,}$")
_BARE_NUMBER = re.compile(r"^\s*(?:-\s*)?(\d{1,3})(?:\s*-)?\s*$")
_PAGE_WORD = re.compile(r"^\s*(?:Trang|trang)\s+\d+(?:\s*/\s*\d+)?\s*$")

# --- structure ------------------------------------------------------------------------------
STRUCTURAL = re.compile(
    r"""^(?:
        (?:Phần|PHẦN|Chương|CHƯƠNG|Mục|MỤC|Điều)\s+[0-9IVXLC]+\b
      | [IVXLC]{1,6}\s*[.)]\s*\S
      | \d{1,2}(?:\.\d{1,2}){0,3}\s*[.)]\s*\S
      | \d{1,2}\.\d{1,2}(?:\.\d{1,2})*\s+\S
      | [a-zđ]\s*\)\s*\S
      | [-–•+*]\s*\S
      | (?:Căn\ cứ|Theo\ đề\ nghị|QUYẾT\ ĐỊNH|Nơi\ nhận|TM\.|KT\.|Phụ\ lục|PHỤ\ LỤC|\(Ban\ hành\ kèm|\(Kèm\ theo)
    )""",
    re.X,
)
APPENDIX_HEADING = re.compile(r"^\s*(?:PHỤ LỤC|Phụ lục)(?:\s+[IVX]+|\s+\d+)?\s*[.:]?\s*$")
_ATTACHED = re.compile(r"^\(\s*(?:Ban hành\s+)?[Kk]èm theo\b")
_SIGNED_OFF = re.compile(r"^\W*(?:Nơi nhận\b|(?:TM|KT|TL|TUQ)\.\s*\S)")
_TABLE_LINE = re.compile(r"\t|^\s*(?:STT|TT)\b")
_ANNEX_REACH = 8  # non-blank lines after an annex's title within which its "(Kèm theo …)" line and table begin


def annex_title(lines: list[str], index: int) -> bool:
    """Whether ``lines[index]`` is the title of a table attached after the signature without a "PHỤ LỤC"
    heading: lines in capitals ("DANH MỤC" / "01 THỦ TỤC HÀNH CHÍNH …", three words at least), then its
    "(Kèm theo Quyết định số …)" line, then a table (a line with tabs, or "STT"/"TT"). Lines without a
    letter (a table's "|") are passed over."""
    def worded(chunk: list[str]) -> list[str]:
        return [ln.strip() for ln in chunk if re.search(r"[^\W\d_]", ln)]

    line = lines[index].strip()
    if not line.isupper() or APPENDIX_HEADING.match(line):
        return False
    before = next(iter(worded(lines[:index])[-1:]), "")
    if APPENDIX_HEADING.match(before) or before.isupper():
        return False  # a "PHỤ LỤC" heading's own title, or the middle of a title
    after = worded(lines[index + 1:index + 1 + 4 * _ANNEX_REACH])[:_ANNEX_REACH]
    attached = next((i for i, ln in enumerate(after) if _ATTACHED.match(ln)), None)
    if attached is None or not all(ln.isupper() for ln in after[:attached]) or \
            len(" ".join([line, *after[:attached]]).split()) < 3:
        return False
    return any(_TABLE_LINE.search(ln) for ln in after[attached + 1:])


def appendix_heads(lines: list[str], signed: int | None = None) -> list[int]:
    """Where the appendices begin: "PHỤ LỤC" headings, and the titles of tables attached after the
    signature block (:func:`annex_title`), which ``lines`` pass at ``signed`` (by default the first line of
    a recipients list or a signing authority; -1 for lines that are all after it)."""
    if signed is None:
        signed = next((i for i, ln in enumerate(lines) if _SIGNED_OFF.match(ln.strip())), len(lines))
    return [i for i, ln in enumerate(lines) if APPENDIX_HEADING.match(ln.strip()) or
            i > signed and ln.strip().isupper() and annex_title(lines, i)]
_TERMINATOR = re.compile(r"(?:[.;:!?…]|\./\.)[\"”’)]*\s*$")
# a line ending in a word that needs what follows: "Điều⏎10.", "ngày⏎26 tháng 11", "số⏎97/2025/QĐ-UBND"
_NEEDS_MORE = re.compile(r"(?:^|\s)(?:(?:Điều|điều|Khoản|khoản|Điểm|điểm|Chương|Mục|mục|Phần|Phụ lục|ngày|tháng|Tháng|"
                         r"quý|Quý|và|của|các|Các|tại|theo|với|về|cho|trong|những|Những|là)"
                         r"|(?:Luật|Nghị định|Quyết định|Thông tư|Nghị quyết|Kế hoạch|Công văn|Tờ trình|Chỉ thị|Thông báo|"
                         r"[Vv]ăn bản|công văn|Hướng dẫn|Chương trình|Đề án)\s+số|Số\s*:)\s*$")
_EMPH_PAIR = re.compile(r"\*\*|__")
_EMPH_SINGLE = re.compile(r"(?<![*\w])\*(?=\S)|(?<=\S)\*(?![*\w])")
_WHOLE_EMPH = re.compile(r"^\s*(\*\*|__|\*)\S.*\S?\1\s*$")
_EMPTY_EMPH = re.compile(r"^\s*[*_]+\s*$")
# a line that opens with a short capitalised label and a colon: "Hiệu lực: …", "Nơi nhận:", "Kính gửi: …"
_FIELD_START = re.compile(r"^[A-ZĐÀ-Ỹ][^\s:]*(?:\s+[^\s:]+){0,3}\s*:(?:\s|$)")
_LOWER_START = re.compile(r"^[\"“(]?[a-zàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]")


_PARAGRAPH_FORMATS = ("docx", "doc", "rtf", "html", "xlsx", "xls")


@dataclass
class CleanResult:
    """Cleaned text and what was dropped (for the ingest log)."""

    text: str
    appendix_start: int  # offset of the first appendix heading in ``text``, or len(text)
    dropped: list[str] = field(default_factory=list)


_UNPAIRED = re.compile(r"(?m)(?<=\S)(?<!\\)\*{1,3}[ \t]*$|^[ \t]*\*{1,3}(?=[^\s*])")


def strip_markup(text: str) -> str:
    """Remove Markdown emphasis, headings and links, and inline HTML tags."""
    text = _MD_BOLD_JOIN.sub("\n", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_HEADING.sub("", text)
    for _ in range(2):  # nested emphasis such as ***x***
        text = _MD_EMPH.sub(r"\2", text)
    text = _MD_ITALIC.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    # a marker left unpaired at a line's end or start ("Trần Thị Diệu Thúy**" after a span that a stray "**"
    # upset; "*(Ban hành kèm theo"): not text
    text = _UNPAIRED.sub("", text)
    return text.replace("\\*", "*")


def _open_emphasis(line: str) -> bool:
    """Does ``line`` leave a Markdown emphasis span open (odd number of ``**``, or of lone ``*``)?"""
    pairs = len(_EMPH_PAIR.findall(line))
    singles = len(_EMPH_SINGLE.findall(_EMPH_PAIR.sub("", line)))
    return pairs % 2 == 1 or singles % 2 == 1


def join_emphasis(text: str) -> str:
    r"""Markdown lines whose emphasis span goes on to the next line joined into one line, and a
    :data:`~corpus.pipe_tables.HARD_BREAK` after a line that is one whole emphasis span (a heading, an
    italic place-and-date line): its paragraph ends there.

    Example:
        >>> join_emphasis("**2. Sở\nKhoa học và Công nghệ**\nchủ trì").split("\n")[0]
        '**2. Sở Khoa học và Công nghệ**'
    """
    lines = _MD_BOLD_JOIN.sub("**\n**", text).split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if _EMPTY_EMPH.match(line) and line.strip():
            continue  # a stray "**" left by a converter
        joined = 0
        while _open_emphasis(line) and index < len(lines) and joined < 8:
            follow = lines[index]
            if not follow.strip() or follow.strip() == "|":
                break
            if is_structural(strip_markup(follow)) and not _NEEDS_MORE.search(strip_markup(line)):
                break  # "QUYẾT ĐỊNH:", "Điều 1." begin their own line whatever the asterisks before say
            line = line.rstrip() + " " + follow.strip()
            index += 1
            joined += 1
        whole = bool(_WHOLE_EMPH.match(line)) and not _open_emphasis(line)
        if whole and out and not _NEEDS_MORE.search(strip_markup(out[-1])):
            out.append(HARD_BREAK)
        out.append(line)
        if whole:
            out.append(HARD_BREAK)
    return "\n".join(out)


def is_structural(line: str) -> bool:
    """Does this line start a heading, an item or a bullet of its own?"""
    return bool(STRUCTURAL.match(line.strip()))


def _is_hard_wrapped(lines: list[str]) -> bool:
    """Are the lines cut at a fixed width? Three lines in four of 30 characters or more stay within
    110 characters (a page's own long notices do not move that quantile; a file with one paragraph
    a line has most of them longer)."""
    lengths = sorted(len(ln.strip()) for ln in lines if len(ln.strip()) >= 30 and "\t" not in ln)
    if not lengths:
        return False
    return lengths[int(0.75 * (len(lengths) - 1))] <= 110


def _blank_lines_end_paragraphs(lines: list[str]) -> bool:
    """Does the document separate paragraphs by blank lines? Yes when a fair share of its lines is
    followed by a blank one and almost no blank line falls before a lower-case continuation."""
    gaps = 0
    inside = 0
    content = 0
    for index, line in enumerate(lines):
        if not line.strip() or line == HARD_BREAK:
            continue
        content += 1
        if index + 1 < len(lines) and not lines[index + 1].strip():
            follow = next((ln for ln in lines[index + 1:] if ln.strip() and ln != HARD_BREAK), "")
            if follow:
                gaps += 1
                # a lower-case list item ("a) …") after a blank line is an item, not a continuation
                inside += bool(_LOWER_START.match(follow.strip())) and not is_structural(follow)
    return content > 0 and gaps >= 0.15 * content and inside <= 0.03 * gaps


def _drop_furniture(lines: list[str], dropped: list[str]) -> list[str]:
    out: list[str] = []
    in_table = False
    last_row = 0
    for raw in lines:
        if raw == HARD_BREAK:
            out.append(raw)
            continue
        line = raw.rstrip(" ")
        stripped = line.strip()
        if APPENDIX_HEADING.match(stripped):
            in_table, last_row = False, 0
        if re.match(r"^(?:STT|TT)\b", stripped):
            in_table, last_row = True, 0
        if _LONE_URL.match(line):
            dropped.append(stripped)
            continue
        if _PLACEHOLDER.search(line):
            dropped.extend(_PLACEHOLDER.findall(line))
            line = _PLACEHOLDER.sub("", line)
            stripped = line.strip()
            if not stripped:
                continue
        if _RULE.match(line) and stripped:
            dropped.append(stripped)
            continue
        bare = _BARE_NUMBER.match(line)
        if bare and "\t" not in raw:
            number = int(bare.group(1))
            # inside a table a bare number is the next row's STT; anything else is a page number
            if in_table and number == last_row + 1:
                last_row = number
                out.append(stripped)
            else:
                dropped.append(f"page {stripped}")
            continue
        if _PAGE_WORD.match(line):
            dropped.append(stripped)
            continue
        out.append(line if "\t" in line else stripped)
    return out


def _reflow(lines: list[str], hard_wrapped: bool, blank_ends: bool = False) -> list[str]:
    """Join lines that continue the same sentence. A :data:`HARD_BREAK` line (a table cell's end) and
    a table row always end a paragraph; a blank line does when ``blank_ends`` (else it is only a
    hint) unless the paragraph cannot end there ("… tại Điều", "… số")."""
    paragraphs: list[str] = []
    hard = True  # the last paragraph may not be continued at all
    blank = False  # a blank line came after the last paragraph
    for line in lines:
        if line == HARD_BREAK:
            hard = True
            continue
        if not line.strip():
            blank = True
            continue
        prev = paragraphs[-1] if paragraphs and not hard else None
        if blank and blank_ends:
            joined = prev is not None and _lower_continuation(prev, line)
        else:
            joined = prev is not None and _continues(prev, line, hard_wrapped, wrapped_here=blank_ends)
        if joined:
            paragraphs[-1] = prev.rstrip() + " " + line.strip()
        else:
            paragraphs.append(line if "\t" in line else line.strip())
        hard = "\t" in line
        blank = False
    return paragraphs


def _lower_continuation(prev: str, line: str) -> bool:
    """After a blank line that ends paragraphs: only what cannot start one continues ("… về giải⏎⏎quyết thủ tục")."""
    return _must_continue(prev, line) or ("\t" not in prev and "\t" not in line and not is_structural(line)
                                          and bool(_LOWER_START.match(line.strip())))


def _must_continue(prev: str, line: str) -> bool:
    """A line that cannot start a paragraph of its own after ``prev``: "Điều" + "10. …", "ngày" + "26 tháng"."""
    return "\t" not in prev and "\t" not in line and bool(_NEEDS_MORE.search(prev))


def _continues(prev: str, line: str, hard_wrapped: bool, wrapped_here: bool = False) -> bool:
    """Does ``line`` continue ``prev``'s sentence? ``wrapped_here``: the document ends its paragraphs with
    blank lines and none came between them, so the break is the file's wrap, whatever the next word's case."""
    if "\t" in prev or "\t" in line:
        return False  # table rows stay rows
    if _must_continue(prev, line):
        return True
    if is_structural(line):
        return False
    if prev.endswith(",") or _LOWER_START.match(line):
        return True  # a sentence never starts in lower case, even after ";"
    if _TERMINATOR.search(prev):
        return False
    if not hard_wrapped:
        return False
    if line.isupper() != prev.isupper():
        return False  # a title in capitals starts or ends here
    if prev.isupper() and line.isupper():
        return True  # a title in capitals over two lines
    if wrapped_here:  # "- Cơ quan chủ trì: Sở Nội vụ, Sở⏎Giáo dục và Đào tạo", "Năm 2025 đạt⏎60% các cơ quan"
        return not _FIELD_START.match(line)  # but a field of its own starts here: "Ngày ban hành: 21/11/2025"
    # a capitalised word after a full-width line is a wrapped proper noun, not a new paragraph
    return len(prev) >= 45 and not is_structural(prev[:40]) or (len(prev) >= 60)


def clean_text(text: str, *, fmt: str = "txt") -> CleanResult:
    """Clean loaded text; see the module docstring for what is done.

    Example:
        >>> clean_text("Kế thừa, phát huy kinh nghiệm \\n\\nhành chính giai đoạn 2016-2020.\\n").text
        'Kế thừa, phát huy kinh nghiệm hành chính giai đoạn 2016-2020.\\n'
    """
    text = nfc(text).replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\u200b", "")
    text = _CONTROL.sub("", text.replace("\f", "\n").replace("\v", "\n"))
    # measured on the lines as the file wraps them; a Word, web or spreadsheet file has one paragraph a line
    hard_wrapped = fmt not in _PARAGRAPH_FORMATS and _is_hard_wrapped(text.split("\n"))
    if fmt in ("md", "html") or "**" in text or "<b>" in text:
        text = strip_markup(join_emphasis(text))
    dropped: list[str] = []
    raw_lines = text.split("\n")
    lines = rebuild_pipe_tables(raw_lines, lambda cell: _reflow(cell, True))
    lines = _drop_furniture(lines, dropped)
    blank_ends = _blank_lines_end_paragraphs(lines)
    non_blank = [i for i, ln in enumerate(lines) if ln.strip()]
    followed_by_blank = sum(1 for i in non_blank if i + 1 < len(lines) and not lines[i + 1].strip())
    # PDF text with a blank line after almost every line: blank lines carry no structure
    double_spaced = bool(non_blank) and followed_by_blank / len(non_blank) > 0.8

    split_at = next(iter(appendix_heads(lines)), len(lines))
    body = _reflow(lines[:split_at], hard_wrapped, blank_ends)
    appendix = _clean_appendix(lines[split_at:], hard_wrapped, double_spaced, blank_ends)
    body_text = "\n".join(body)
    cleaned = body_text + ("\n\n" + appendix if appendix else "")
    if dropped:
        log.debug("dropped page furniture: %s", dropped[:20])
    text = cleaned.strip("\n") + "\n"
    # a file that is only an appendix (a spreadsheet) has no body: its appendix starts the text
    appendix_start = (len(body_text) + 2 if body_text.strip("\n") else 0) if appendix else len(cleaned)
    return CleanResult(text=text, appendix_start=appendix_start, dropped=dropped)


def _clean_appendix(lines: list[str], hard_wrapped: bool, double_spaced: bool, blank_ends: bool = False) -> str:
    """Keep table lines as they are; re-flow only the prose between tables."""
    out: list[str] = []
    prose: list[str] = []
    in_table = False

    def flush() -> None:
        if prose:
            out.extend(_reflow(prose, hard_wrapped, blank_ends))
            prose.clear()

    heads = set(appendix_heads(lines, signed=-1))
    for index, line in enumerate(lines):
        stripped = line.strip()
        if index in heads:
            flush()
            in_table = False
            if out:
                out.append("")
            out.append(stripped)
            continue
        if "\t" in line or re.match(r"^(?:STT|TT)\b", stripped):
            in_table = True
        if in_table:
            flush()
            if not stripped and "\t" not in line:
                if out and out[-1] != "" and not double_spaced:
                    out.append("")
                continue
            out.append(line.rstrip(" ") if "\t" in line else stripped)
        else:
            prose.append(line)
    flush()
    return "\n".join(out).strip("\n")

"""Cleaning: from loaded text to the cleaned text that units are cut from and cite into.

- Markdown and HTML markup are stripped (bold, italics, headings, links, ``<b>`` in cells).
- Page furniture is dropped: page numbers, rules of underscores, placeholders such as ``#sovb``
  or ``[daky]``, URLs pasted into the body.
- Control characters (NUL, the C1 range, ...) are removed; tabs and line breaks stay, a vertical
  tab or form feed becomes a line break.
- Lines hard-wrapped mid-sentence are re-flowed into one line per paragraph, also across blank
  lines that fall inside a sentence. Appendix tables keep their line structure (the segmenter
  reads their cells).

The original text stays in the store for display; cleaned text is NFC.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

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
_TERMINATOR = re.compile(r"(?:[.;:!?…]|\./\.)[\"”’)]*\s*$")
_LOWER_START = re.compile(r"^[\"“(]?[a-zàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]")


@dataclass
class CleanResult:
    """Cleaned text and what was dropped (for the ingest log)."""

    text: str
    appendix_start: int  # offset of the first appendix heading in ``text``, or len(text)
    dropped: list[str] = field(default_factory=list)


def strip_markup(text: str) -> str:
    """Remove Markdown emphasis, headings and links, and inline HTML tags."""
    text = _MD_BOLD_JOIN.sub("\n", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_HEADING.sub("", text)
    for _ in range(2):  # nested emphasis such as ***x***
        text = _MD_EMPH.sub(r"\2", text)
    text = _MD_ITALIC.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    return text.replace("\\*", "*")


def is_structural(line: str) -> bool:
    """Does this line start a heading, an item or a bullet of its own?"""
    return bool(STRUCTURAL.match(line.strip()))


def _is_hard_wrapped(lines: list[str]) -> bool:
    body = [ln for ln in lines if len(ln.strip()) >= 30 and "\t" not in ln]
    if not body:
        return False
    long_share = sum(1 for ln in body if len(ln.strip()) > 130) / len(body)
    return long_share < 0.05


def _drop_furniture(lines: list[str], dropped: list[str]) -> list[str]:
    out: list[str] = []
    in_table = False
    last_row = 0
    for raw in lines:
        line = raw.rstrip(" ")
        stripped = line.strip()
        if APPENDIX_HEADING.match(stripped):
            in_table, last_row = False, 0
        if re.match(r"^(?:STT|TT)\b", stripped):
            in_table, last_row = True, 0
        if _URL.search(line):
            urls = _URL.findall(line)
            dropped.extend(urls)
            line = _URL.sub("", line).rstrip()
            stripped = line.strip()
            if not stripped:
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


def _reflow(lines: list[str], hard_wrapped: bool) -> list[str]:
    """Join lines that continue the same sentence; blank lines are only hints."""
    paragraphs: list[str] = []
    blank_before = False
    for line in lines:
        if not line.strip():
            blank_before = True
            continue
        if paragraphs and _continues(paragraphs[-1], line, hard_wrapped, blank_before):
            paragraphs[-1] = paragraphs[-1].rstrip() + " " + line.strip()
        else:
            paragraphs.append(line.strip())
        blank_before = False
    return paragraphs


def _continues(prev: str, line: str, hard_wrapped: bool, blank_before: bool) -> bool:
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
    if fmt in ("md", "html") or "**" in text or "<b>" in text:
        text = strip_markup(text)
    dropped: list[str] = []
    lines = _drop_furniture(text.split("\n"), dropped)
    hard_wrapped = _is_hard_wrapped(lines)
    non_blank = [i for i, ln in enumerate(lines) if ln.strip()]
    followed_by_blank = sum(1 for i in non_blank if i + 1 < len(lines) and not lines[i + 1].strip())
    # PDF text with a blank line after almost every line: blank lines carry no structure
    double_spaced = bool(non_blank) and followed_by_blank / len(non_blank) > 0.8

    split_at = next((i for i, ln in enumerate(lines) if APPENDIX_HEADING.match(ln.strip())), len(lines))
    body = _reflow(lines[:split_at], hard_wrapped)
    appendix = _clean_appendix(lines[split_at:], hard_wrapped, double_spaced)
    body_text = "\n".join(body)
    cleaned = body_text + ("\n\n" + appendix if appendix else "")
    if dropped:
        log.debug("dropped page furniture: %s", dropped[:20])
    text = cleaned.strip("\n") + "\n"
    # a file that is only an appendix (a spreadsheet) has no body: its appendix starts the text
    appendix_start = (len(body_text) + 2 if body_text.strip("\n") else 0) if appendix else len(cleaned)
    return CleanResult(text=text, appendix_start=appendix_start, dropped=dropped)


def _clean_appendix(lines: list[str], hard_wrapped: bool, double_spaced: bool) -> str:
    """Keep table lines as they are; re-flow only the prose between tables."""
    out: list[str] = []
    prose: list[str] = []
    in_table = False

    def flush() -> None:
        if prose:
            out.extend(_reflow(prose, hard_wrapped))
            prose.clear()

    for line in lines:
        stripped = line.strip()
        if APPENDIX_HEADING.match(stripped):
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

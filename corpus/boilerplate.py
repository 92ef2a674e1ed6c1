"""Boilerplate learnt from the store itself: lines that stand outside the documents of many files.

A page saved from a portal wraps the official document in the portal's own text: notices before it
(a copyright line, "Đang tải văn bản…", a box of label and value) and menus, footers and lists of
related documents after it. No list of any portal's phrases is kept here. A line is *repeated* when
its matching form (digits folded to 0) occurs in at least :data:`MIN_DOCS` documents of the store;
repeated lines, and the short lines they enclose (the box's values), are boilerplate when they stand
before the document proper (its agency lines and national motto) or after its signature block.
The document's own text between those two points is never dropped, however common a line of it is
("Căn cứ Luật Tổ chức chính quyền địa phương…").

Where an appendix runs to the end of the text, only *footer* lines end it (:func:`footer_keys`: repeated
lines that few unrepeated lines follow in most documents holding them), so that a template's common lines
inside the appendix stay. Rebuilding paragraphs may join a portal line to the line before it; such a line
counts as repeated when it starts with the repeated line or with a name of the document
(:func:`holds_repeated`), and the line naming the document just above a footer goes with it.

The decision is made again whenever the store changes (``corpus.ingest.Ingester.reevaluate_boilerplate``): the third file of a portal
makes the first two lose their boilerplate too, whether the files came as one folder or one by one.
Boilerplate lines are blanked (same length, spaces) before segmentation so that offsets into the
cleaned text stay valid; the metadata reader sees the whole text and takes the box as a hint only.
"""

from __future__ import annotations

import re
from collections import Counter

from corpus.clean import appendix_heads
from corpus.text import fold, match_form
from corpus.vocab import DOCUMENT_NAME_LINE
from corpus.vocab import NATIONAL_MOTTO as _MOTTO

MIN_DOCS = 3  # a line in this many documents of the store is repeated
MIN_JOINED_WORDS = 4  # a repeated line joined into a longer one counts from this many words
_MAX_STARTS = 40  # capitalised words of a line tried as the start of a joined repeated line
MAX_ENCLOSED = 150  # an unrepeated line between repeated ones is boilerplate only when this short
_GAP = 2  # how far (in lines) a repeated line may be for a short line to count as enclosed
_SIGNATURE_END = re.compile(r"^(?:[A-ZĐÀ-Ỹ][a-zà-ỹđ]+)(?:\s+[A-ZĐÀ-Ỹ][a-zà-ỹđ]+){1,4}$")
_SIGN_TITLE = re.compile(r"^(?:TM\.|KT\.|TL\.|Q\.|PHÓ |CHỦ TỊCH|BỘ TRƯỞNG|THỦ TƯỚNG|GIÁM ĐỐC|CỤC TRƯỞNG|TRƯỞNG BAN)")


_NUMBERED = re.compile(r"^(?:Điều\s+\d|Chương\s|[IVXL]{1,6}\s*[.)]|\d{1,2}(?:\.\d{1,2})*\s*[.)]|[a-zđ]\))")


_FORM = re.compile(r"^(?:Điều\s+\d|Chương\s|Căn cứ|[IVXL]{1,6}\s*[.)]\s|\d{1,2}(?:\.\d{1,2})*\s*[.)]\s|[a-zđ]\)\s|"
                   r"PHỤ LỤC|Phụ lục|(?:QUYẾT ĐỊNH|KẾ HOẠCH|NGHỊ QUYẾT|CHỈ THỊ|ĐỀ ÁN|THÔNG BÁO|CÔNG VĂN|HƯỚNG DẪN|"
                   r"QUY ĐỊNH|QUY CHẾ|CHƯƠNG TRÌNH|BÁO CÁO|TỜ TRÌNH|CÔNG ĐIỆN)\s*:?$)")
_PLACE_DATE = re.compile(r"^[^\d,]{2,40},\s*ngày\b|^Số\s*:")
_APPENDIX = re.compile(r"^(?:PHỤ LỤC|Phụ lục)\b")
_MIN_TRAILING = 3  # repeated lines a trailing run needs to be taken for a footer
_FOOTER_SLACK = 2  # unrepeated lines (a title the portal repeats) that may follow a footer's line


def line_key(line: str) -> str:
    """The form lines are compared in: no diacritics, lower case, digits as 0, single spaces."""
    return " ".join(re.sub(r"\d", "0", fold(match_form(line.replace("\t", " ")))).split())


def document_keys(text: str) -> set[str]:
    """The keys of a document's lines (lines without letters left out)."""
    return {line_key(ln) for ln in text.split("\n") if re.search(r"[^\W\d_]", ln)}


def repeated_keys(texts: list[str], min_docs: int = MIN_DOCS) -> set[str]:
    """Keys found in at least ``min_docs`` of ``texts``."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(document_keys(text))
    return {key for key, n in counts.items() if n >= min_docs}


def footer_keys(texts: list[str], repeated: set[str]) -> set[str]:
    """The repeated keys of a footer: in most of the documents that hold them, at most :data:`_FOOTER_SLACK`
    unrepeated lines follow them (a portal's "Văn bản liên quan", "Hiệu lực: Đã biết"), unlike a template's
    common lines, which the rest of each document follows ("Trình tự thực hiện"). Only these end a document
    whose appendix runs to its end."""
    last: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for text in texts:
        lines = [ln for ln in text.split("\n") if re.search(r"[^\W\d_]", ln)]
        keys = [line_key(ln) for ln in lines]
        unrepeated = 0
        for key in reversed(keys):
            if key in repeated:
                seen[key] += 1
                last[key] += unrepeated <= _FOOTER_SLACK
            else:
                unrepeated += 1
    return {key for key, n in last.items() if n >= MIN_DOCS and 2 * n > seen[key]}


def signature_end(lines: list[str], start: int = 0) -> int | None:
    """The line after the last signature block (its title and the signer's name) after ``start``; None when unseen."""
    titles = [i for i, ln in enumerate(lines) if i > start and _SIGN_TITLE.match(ln.strip())]
    if not titles:
        return None
    last = titles[-1]
    name = next((i for i in range(last + 1, min(len(lines), last + 6)) if _SIGNATURE_END.match(lines[i].strip())), None)
    return (name if name is not None else last) + 1


def document_span(lines: list[str]) -> tuple[int, int]:
    """(first line of the document proper, line after its signature block); (0, len) when unseen."""
    motto = next((i for i, ln in enumerate(lines[:200]) if _MOTTO.search(ln)), None)
    start = 0
    if motto is not None:
        start = motto
        while start > 0 and motto - start < 3 and lines[start - 1].strip().isupper():
            start -= 1
    # the document's own form before the motto (a file that starts with "QUYẾT ĐỊNH", "Căn cứ", "1.") ends the prefix
    start = min([start] + [i for i, ln in enumerate(lines[:start]) if _FORM.match(ln.strip()) or _PLACE_DATE.search(ln)])
    while start > 0 and lines[start - 1].strip().isupper() and (motto is None or motto - start < 3):
        start -= 1  # the agency lines above the place and date
    end = signature_end(lines, start)
    if end is None:
        end = len(lines)
    else:
        # a plan or an appendix attached after the signature is the document's too
        structure = [i for i in range(end, len(lines)) if _FORM.match(lines[i].strip()) or "\t" in lines[i]]
        end = max([end] + [i + 1 for i in structure])
    if any(_APPENDIX.match(ln.strip()) for ln in lines[start:]) or appendix_heads(lines[start:]):
        end = len(lines)  # an appendix runs to the end: its cells repeat across documents, they are still its own
    return start, end


def holds_repeated(line: str, repeated: set[str]) -> bool:
    """Whether ``line`` is a repeated line that rebuilding paragraphs joined to its neighbours: from its
    start, or after a name of a document ("Quyết định 3303/QĐ-BTP năm 2025 công bố …", as a portal heads
    its footer), a run of at least :data:`MIN_JOINED_WORDS` words up to just before a capitalised word (or
    to its end) whose key is repeated ("… Văn bản này chưa cập nhật nội dung Tiếng Anh Quyết định …")."""
    starts = [m.start() for m in re.finditer(r"(?<!\S)\w", line) if line[m.start()].isupper()][:_MAX_STARTS]
    ends = [*starts[1:], len(line)]
    for i, begin in enumerate(starts):
        for stop in ends[i:]:
            piece = line[begin:stop]
            if (begin, stop) != (0, len(line)) and len(piece.split()) >= MIN_JOINED_WORDS \
                    and line_key(piece) in repeated:
                return True
        if i == 0 and not DOCUMENT_NAME_LINE.match(line):
            return False  # the document's own text, then a repeated line: kept whole
    return False


def boilerplate_lines(text: str, repeated: set[str], footer: set[str] | None = None) -> list[int]:
    """Indices of the lines of ``text`` (split at "\\n") that are boilerplate, given the store's
    repeated keys (see the module docstring)."""
    lines = text.split("\n")
    start, end = document_span(lines)
    marks = [bool(ln.strip()) and line_key(ln) in repeated for ln in lines]
    outside = set(range(0, start)) | set(range(end, len(lines)))
    for index in sorted(outside):
        if not marks[index] and len(lines[index]) > 40:
            marks[index] = holds_repeated(lines[index].strip(), repeated)
    if end == len(lines) and not (any(_APPENDIX.match(ln.strip()) for ln in lines) or appendix_heads(lines)):
        end = _trailing_run(lines, marks, start, repeated)  # no signature block seen: the trailing run of repeated lines
    elif end == len(lines) and footer:
        # an appendix runs to the end: only a footer's lines (and lines holding one) end it, not its template's
        own = [bool(ln.strip()) and line_key(ln) in footer for ln in lines]
        end = _trailing_run(lines, own, start, footer)
        marks[end:] = own[end:]
    out: list[int] = []
    for zone in (range(0, start), range(end, len(lines))):
        for index in zone:
            line = lines[index].strip()
            if not line:
                continue
            if marks[index]:
                out.append(index)
                continue
            before = any(marks[j] for j in range(max(zone.start, index - _GAP), index)) or index == zone.start
            after = any(marks[j] for j in range(index + 1, min(zone.stop, index + 1 + _GAP)))
            # a line of any length right between two repeated ones (a title the portal repeats inside its footer)
            above = next((j for j in range(index - 1, zone.start - 1, -1) if lines[j].strip()), None)
            below = next((j for j in range(index + 1, zone.stop) if lines[j].strip()), None)
            between = above is not None and below is not None and marks[above] and marks[below]
            if len(line) <= MAX_ENCLOSED and before and after or between:
                out.append(index)
    # the line naming the document just above the footer: the portal's heading of it
    footer_start = min((i for i in out if i >= end), default=None)
    if footer_start is not None:
        above = next((i for i in range(footer_start - 1, start, -1) if lines[i].strip()), None)
        if above is not None and above not in out and DOCUMENT_NAME_LINE.match(lines[above].strip()):
            out.append(above)
            out.sort()
    return out


def _trailing_run(lines: list[str], marks: list[bool], start: int, repeated: set[str]) -> int:
    """Where the run of repeated lines (and short lines between them) that ends the text begins; ``marks``
    gain the lines of the run that hold a repeated line (:func:`holds_repeated`)."""
    end = len(lines)
    index = len(lines) - 1
    while index > start:
        line = lines[index].strip()
        if line and not re.search(r"[^\W\d_]", line):
            index -= 1  # a line without letters ("|", a page number) neither ends nor extends the run
            continue
        if line and not marks[index] and len(line) > 40:
            marks[index] = holds_repeated(line, repeated)
        near = any(marks[j] for j in range(index, min(len(lines), index + 1 + _GAP)))
        # a line of any length between two repeated ones (a title the portal repeats inside its footer)
        between = near and index > 0 and marks[index - 1]
        if line and not (marks[index] or near and (len(line) <= MAX_ENCLOSED or between)) or _NUMBERED.match(line):
            break  # the document's own text, or one of its numbered parts however common
        if line and marks[index]:
            end = index
        index -= 1
    found = sum(1 for i in range(end, len(lines)) if marks[i])
    return end if found >= _MIN_TRAILING else len(lines)


def blank_lines(text: str, indices: list[int]) -> str:
    """``text`` with the lines at ``indices`` replaced by spaces of the same length (offsets kept)."""
    lines = text.split("\n")
    for index in indices:
        lines[index] = " " * len(lines[index])
    return "\n".join(lines)

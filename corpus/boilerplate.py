"""Boilerplate learnt from the store itself: lines that stand outside the documents of many files.

A page saved from a portal wraps the official document in the portal's own text: notices before it
(a copyright line, "Đang tải văn bản…", a box of label and value) and menus, footers and lists of
related documents after it. No list of any portal's phrases is kept here. A line is *repeated* when
its matching form (digits folded to 0) occurs in at least :data:`MIN_DOCS` documents of the store;
repeated lines, and the short lines they enclose (the box's values), are boilerplate when they stand
before the document proper (its agency lines and national motto) or after its signature block.
The document's own text between those two points is never dropped, however common a line of it is
("Căn cứ Luật Tổ chức chính quyền địa phương…").

The decision is made again whenever the store changes (:func:`masks`): the third file of a portal
makes the first two lose their boilerplate too, whether the files came as one folder or one by one.
Boilerplate lines are blanked (same length, spaces) before segmentation so that offsets into the
cleaned text stay valid; the metadata reader sees the whole text and takes the box as a hint only.
"""

from __future__ import annotations

import re
from collections import Counter

from corpus.text import fold, match_form
from corpus.vocab import NATIONAL_MOTTO as _MOTTO

MIN_DOCS = 3  # a line in this many documents of the store is repeated
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
    end = len(lines)
    titles = [i for i, ln in enumerate(lines) if i > start and _SIGN_TITLE.match(ln.strip())]
    if titles:
        last = titles[-1]
        name = next((i for i in range(last + 1, min(len(lines), last + 6)) if _SIGNATURE_END.match(lines[i].strip())), None)
        end = (name if name is not None else last) + 1
        # a plan or an appendix attached after the signature is the document's too
        structure = [i for i in range(end, len(lines)) if _FORM.match(lines[i].strip()) or "\t" in lines[i]]
        end = max([end] + [i + 1 for i in structure])
    if any(_APPENDIX.match(ln.strip()) for ln in lines[start:]):
        end = len(lines)  # an appendix runs to the end: its cells repeat across documents, they are still its own
    return start, end


def boilerplate_lines(text: str, repeated: set[str]) -> list[int]:
    """Indices of the lines of ``text`` (split at "\\n") that are boilerplate, given the store's
    repeated keys (see the module docstring)."""
    lines = text.split("\n")
    start, end = document_span(lines)
    marks = [bool(ln.strip()) and line_key(ln) in repeated for ln in lines]
    if end == len(lines) and not any(_APPENDIX.match(ln.strip()) for ln in lines):
        end = _trailing_run(lines, marks, start)  # no signature block seen: the trailing run of repeated lines
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
            if len(line) <= MAX_ENCLOSED and before and after:
                out.append(index)
    return out


def _trailing_run(lines: list[str], marks: list[bool], start: int) -> int:
    """Where the run of repeated lines (and short lines between them) that ends the text begins."""
    end = len(lines)
    index = len(lines) - 1
    while index > start:
        line = lines[index].strip()
        near = any(marks[j] for j in range(index, min(len(lines), index + 1 + _GAP)))
        if line and not (marks[index] or near and len(line) <= MAX_ENCLOSED) or _NUMBERED.match(line):
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

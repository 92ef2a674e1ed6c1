"""Word 97–2003 (.doc) and RTF files through catdoc, legacy Vietnamese fonts repaired.

Why catdoc: measured on the shipped documents saved as .doc by LibreOffice, antiword and catdoc
both return the text exactly (character error rate 0.0%), but catdoc keeps a table row as one
tab-separated line (what :mod:`corpus.tables` reads) where antiword draws boxed, wrapped cells;
catdoc also reads RTF, and it is a 0.7 MB Debian package against LibreOffice's ~1 GB.
A .doc typed in a TCVN3 or VNI font comes out as windows-1252 characters ("Qu¶ng Nam"), which
:func:`corpus.legacy.repair_text` turns into Unicode by character statistics.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile

from corpus.legacy import NAMES, repair_text
from core.errors import CorruptDocument, UnsupportedFormat

log = logging.getLogger(__name__)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RTF_MAGIC = b"{\\rtf"
TIMEOUT_SECONDS = 120


def read_doc(name: str, data: bytes) -> tuple[str, str]:
    """Text of a Word 97–2003 document (or an RTF saved under a .doc name), and the legacy encoding
    it was converted from ("" for Unicode text)."""
    if not (data.startswith(OLE_MAGIC) or data.lstrip().startswith(RTF_MAGIC)):
        raise CorruptDocument(f"{name}: không phải tệp Word 97–2003 (.doc) hợp lệ; "
                              "hãy mở và lưu lại bằng Word dưới dạng .doc hoặc .docx")
    return _catdoc(name, data)


def read_rtf(name: str, data: bytes) -> tuple[str, str]:
    """Text of an RTF document, and the legacy encoding it was converted from ("" for Unicode text)."""
    if not data.lstrip().startswith(RTF_MAGIC):
        raise CorruptDocument(f"{name}: không phải tệp RTF hợp lệ (thiếu phần đầu '{{\\rtf')")
    return _catdoc(name, data)


def _catdoc(name: str, data: bytes) -> tuple[str, str]:
    tool = shutil.which("catdoc")
    if tool is None:
        raise UnsupportedFormat(f"{name}: máy chủ chưa cài công cụ đọc .doc/.rtf (catdoc); quản trị viên hãy chạy "
                                "scripts/ensure-system-packages.sh, hoặc lưu tệp dưới dạng .docx")
    fd, path = tempfile.mkstemp(suffix=".doc")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        # -w: one line per paragraph (no wrapping); -d utf-8: output charset
        done = subprocess.run([tool, "-w", "-d", "utf-8", path], capture_output=True, timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise CorruptDocument(f"{name}: đọc tệp quá {TIMEOUT_SECONDS} giây; tệp có thể hỏng") from None
    finally:
        os.unlink(path)
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        log.warning("catdoc failed on %s: %s", name, reason[0])
        raise CorruptDocument(f"{name}: tệp hỏng hoặc không đọc được ({reason[0][:120]}); "
                              "hãy mở và lưu lại bằng Word dưới dạng .docx")
    text = done.stdout.decode("utf-8", "replace")
    fixed = repair_text(text)
    if fixed.encoding == "utf-8":
        return fixed.text, ""
    log.info("%s: text in %s converted to Unicode", name, NAMES[fixed.encoding])
    return fixed.text, fixed.encoding

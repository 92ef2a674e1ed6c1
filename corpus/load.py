"""Loaders: turn a file into raw text. One function per format, chosen by extension.

Libraries: pypdf (pure Python, maintained, reads the text layer), python-docx (paragraphs and
tables in document order), BeautifulSoup with the stdlib parser (tolerant of portal HTML).
"""

from __future__ import annotations

import io
import logging
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from corpus.zipcheck import check_zip
from core.errors import CorruptDocument, EmptyDocument, EncodingError, FileTooLarge, UnsupportedFormat

log = logging.getLogger(__name__)

SUPPORTED = (".txt", ".md", ".pdf", ".docx", ".html", ".htm")
ZIPPED = (".docx",)  # containers whose declared content is checked before parsing
DEFAULT_MAX_UNZIPPED = 100 * 1024 * 1024  # the default of HOIDAP_MAX_UNZIPPED_MB


@dataclass(frozen=True)
class LoadedFile:
    """Raw text of one file and how it was read."""

    path: Path
    text: str
    fmt: str  # txt, md, pdf, docx, html
    data: bytes


def load_file(path: Path, *, max_bytes: int, max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED) -> LoadedFile:
    """Read ``path`` and return its text.

    Raises:
        UnsupportedFormat, EmptyDocument, CorruptDocument, EncodingError, FileTooLarge.

    Example:
        >>> load_file(Path("corpus/documents/dongthap-2021-de-an-1601.txt"), max_bytes=10**7).fmt
        'txt'
    """
    if path.suffix.lower() not in SUPPORTED:
        raise _unsupported(path.name, path.suffix.lower())
    size = path.stat().st_size
    if size > max_bytes:
        raise FileTooLarge(
            f"{path.name}: tệp {size / 1e6:.1f} MB vượt giới hạn {max_bytes / 1e6:.1f} MB"
        )
    if size == 0:
        raise EmptyDocument(f"{path.name}: tệp rỗng")
    data = path.read_bytes()
    return load_bytes(path.name, data, max_unzipped_bytes=max_unzipped_bytes)


def check_bytes(name: str, data: bytes, *, max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED) -> None:
    """The checks that need no parsing: a supported extension, not empty, and for a zip
    container (.docx) declared content within ``max_unzipped_bytes`` (:func:`corpus.zipcheck.check_zip`).

    Raises:
        UnsupportedFormat, EmptyDocument, FileTooLarge, CorruptDocument.
    """
    suffix = Path(name).suffix.lower()
    if suffix not in _READERS:
        raise _unsupported(name, suffix)
    if not data:
        raise EmptyDocument(f"{name}: tệp rỗng")
    if suffix in ZIPPED:
        check_zip(name, data, max_total_bytes=max_unzipped_bytes)


def load_bytes(name: str, data: bytes, *, max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED) -> LoadedFile:
    """Same as :func:`load_file` for bytes already in memory (uploads), after :func:`check_bytes`."""
    check_bytes(name, data, max_unzipped_bytes=max_unzipped_bytes)
    suffix = Path(name).suffix.lower()
    reader = _READERS[suffix]
    text = reader(name, data)
    text = unicodedata.normalize("NFC", text)
    if not text.strip():
        hint = " (PDF không có lớp chữ: cần nhận dạng OCR trước)" if suffix == ".pdf" else ""
        raise EmptyDocument(f"{name}: không có nội dung chữ{hint}")
    fmt = "html" if suffix == ".htm" else suffix.lstrip(".")
    return LoadedFile(Path(name), text, fmt, data)


def _unsupported(name: str, suffix: str) -> UnsupportedFormat:
    return UnsupportedFormat(f"{name}: định dạng '{suffix or '(không có phần mở rộng)'}' không được hỗ trợ; "
                             f"chấp nhận: {', '.join(SUPPORTED)}")


def _read_text(name: str, data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"{name}: không phải văn bản UTF-8 (byte lỗi ở vị trí {exc.start}); "
            "hãy lưu lại tệp với mã hóa UTF-8 (Unicode dựng sẵn)"
        ) from None


def _read_pdf(name: str, data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise CorruptDocument(f"{name}: tệp PDF hỏng hoặc không đọc được ({exc.__class__.__name__})") from None
    return "\n\n".join(pages)


def _read_docx(name: str, data: bytes) -> str:
    import docx
    from docx.opc.exceptions import OpcError

    try:
        document = docx.Document(io.BytesIO(data))
        return _docx_text(document)
    # malformed XML is an lxml XMLSyntaxError, a SyntaxError; a part missing from the zip a KeyError
    except (zipfile.BadZipFile, OpcError, SyntaxError, KeyError, ValueError, AttributeError, OSError) as exc:
        raise CorruptDocument(f"{name}: tệp DOCX hỏng hoặc không đọc được ({exc.__class__.__name__}); "
                              "hãy mở và lưu lại bằng Word dưới dạng .docx") from None


def _docx_text(document) -> str:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    # walk the body in order so tables stay where the author put them
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells = [" ".join(cell.text.split()) for cell in row.cells]
                lines.append("\t".join(_dedupe_merged(cells)))
            lines.append("")
    return "\n".join(lines)


def _dedupe_merged(cells: list[str]) -> list[str]:
    # python-docx repeats a horizontally merged cell once per grid column
    out: list[str] = []
    for cell in cells:
        if out and cell and cell == out[-1]:
            continue
        out.append(cell)
    return out


def _read_html(name: str, data: bytes) -> str:
    from bs4 import BeautifulSoup

    try:
        html = data.decode("utf-8")
    except UnicodeDecodeError:
        raise EncodingError(
            f"{name}: trang HTML không phải UTF-8; hãy lưu lại với mã hóa UTF-8"
        ) from None
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "form", "iframe"]):
        tag.decompose()
    body = soup.find("article") or soup.find("main") or soup.body or soup
    lines: list[str] = []
    for row in body.find_all("tr"):
        cells = [" ".join(c.get_text(" ").split()) for c in row.find_all(["td", "th"])]
        row.replace_with(soup.new_string("\n" + "\t".join(cells) + "\n"))
    for br in body.find_all("br"):
        br.replace_with("\n")
    blocks = ["p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article"]
    for block in body.find_all(blocks):
        block.insert_before("\n")
        block.insert_after("\n")
    for item in body.find_all("li"):
        if item.parent and item.parent.name == "ul":
            item.insert(0, "- ")
    text = body.get_text()
    for line in text.splitlines():
        lines.append(" ".join(line.split()) if "\t" not in line else line.strip())
    return "\n".join(lines)


_READERS = {".txt": _read_text, ".md": _read_text, ".pdf": _read_pdf, ".docx": _read_docx, ".html": _read_html,
            ".htm": _read_html}

"""Loaders: turn a file into raw text. One function per format, chosen by extension.

Libraries: pypdf (pure Python, maintained, reads the text layer), python-docx (paragraphs and
tables in document order), BeautifulSoup with the stdlib parser (tolerant of portal HTML),
catdoc for .doc/.rtf (:mod:`corpus.office`), openpyxl/xlrd for spreadsheets (:mod:`corpus.sheets`),
Tesseract for scans (:mod:`corpus.ocr`); legacy Vietnamese encodings (TCVN3, VNI, VIQR,
windows-1258) are detected and converted by :mod:`corpus.legacy`.
"""

from __future__ import annotations

import io
import logging
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from corpus import legacy, ocr
from corpus.zipcheck import check_zip
from core.errors import CorruptDocument, EmptyDocument, EncodingError, FileTooLarge, UnsupportedFormat

log = logging.getLogger(__name__)

SUPPORTED = (".txt", ".md", ".pdf", ".docx", ".doc", ".rtf", ".xlsx", ".xls", ".html", ".htm") + ocr.IMAGE_SUFFIXES
ZIPPED = (".docx", ".xlsx")  # containers whose declared content is checked before parsing
_FORMATS = {".htm": "html", ".jpeg": "jpg", ".tiff": "tif"}
DEFAULT_MAX_UNZIPPED = 100 * 1024 * 1024  # the default of HOIDAP_MAX_UNZIPPED_MB


@dataclass(frozen=True)
class LoadedFile:
    """Raw text of one file and how it was read."""

    path: Path
    text: str
    fmt: str  # txt, md, pdf, docx, doc, rtf, xlsx, xls, html, png, jpg, tif
    data: bytes
    ocr_text: str = ""  # the part of ``text`` recognised by OCR (scanned pages, images)
    ocr_pages: int = 0  # pages recognised by OCR
    encoding: str = ""  # a legacy encoding converted from (tcvn3, vni, viqr, cp1258), else ""


@dataclass
class _Read:
    """What a reader returns when there is more to tell than the text."""

    text: str
    ocr_pages: list[ocr.OcrPage] = field(default_factory=list)
    encoding: str = ""


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
    read = reader(name, data)
    read = read if isinstance(read, _Read) else _Read(read)
    text = unicodedata.normalize("NFC", read.text)
    if not text.strip():
        hint = " (bản quét hoặc ảnh: nhận dạng chữ OCR không đọc ra chữ nào)" if read.ocr_pages else ""
        raise EmptyDocument(f"{name}: không có nội dung chữ{hint}")
    fmt = _FORMATS.get(suffix, suffix.lstrip("."))
    ocr_text = "\n\n".join(page.text for page in read.ocr_pages)
    return LoadedFile(Path(name), text, fmt, data, ocr_text=ocr_text, ocr_pages=len(read.ocr_pages),
                      encoding=read.encoding)


def _unsupported(name: str, suffix: str) -> UnsupportedFormat:
    return UnsupportedFormat(f"{name}: định dạng '{suffix or '(không có phần mở rộng)'}' không được hỗ trợ; "
                             f"chấp nhận: {', '.join(SUPPORTED)}")


def _read_text(name: str, data: bytes) -> _Read:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    found = legacy.decode_bytes(data)
    if found is None:
        raise EncodingError(
            f"{name}: không nhận ra bảng mã của tệp (không phải UTF-8, cũng không đọc ra tiếng Việt theo "
            "TCVN3/ABC, VNI-Windows, VIQR hay windows-1258); hãy lưu lại tệp với mã hóa UTF-8 (Unicode dựng sẵn)"
        )
    if found.encoding != "utf-8":
        log.info("%s: %s converted to Unicode", name, legacy.NAMES[found.encoding])
    return _Read(found.text, encoding="" if found.encoding == "utf-8" else found.encoding)


def _read_pdf(name: str, data: bytes) -> _Read:
    """The text layer of each page; a page without one (a scan) is recognised by OCR."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise CorruptDocument(f"{name}: tệp PDF hỏng hoặc không đọc được ({exc.__class__.__name__})") from None
    scanned = [n for n, text in enumerate(pages, 1) if len(text.strip()) < ocr.MIN_TEXT_CHARS]
    if not scanned:
        return _Read("\n\n".join(pages))
    if len(scanned) < len(pages):
        log.info("%s: pages %s have no text layer; recognised by OCR", name, scanned)
    recognised = ocr.read_pdf_pages(name, data, scanned)
    for page in recognised:
        pages[page.number - 1] = page.text
    return _Read("\n\n".join(pages), ocr_pages=recognised)


def _read_image(name: str, data: bytes) -> _Read:
    pages = ocr.read_image(name, data)
    return _Read("\n\n".join(page.text for page in pages), ocr_pages=pages)


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


def _docx_text(document) -> _Read:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    fonts = _DocxFonts(document)
    lines: list[str] = []
    # walk the body in order so tables stay where the author put them
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(fonts.text(Paragraph(child, document)))
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells = [" ".join("\n".join(fonts.text(p) for p in cell.paragraphs).split()) for cell in row.cells]
                lines.append("\t".join(_dedupe_merged(cells)))
            lines.append("")
    text = "\n".join(lines)
    if fonts.used:
        log.info("docx runs in legacy fonts converted to Unicode: %s", ", ".join(sorted(fonts.used)))
        return _Read(text, encoding=",".join(sorted(fonts.used)))
    found = legacy.repair_text(text)  # no legacy font named, but the characters may still say so
    return _Read(found.text, encoding="" if found.encoding == "utf-8" else found.encoding)


class _DocxFonts:
    """The font of each run (its own, its character style's, its paragraph style chain's, the document
    default) and the runs typed in a legacy Vietnamese font (.VnTime → TCVN3, VNI-Times → VNI)."""

    def __init__(self, document) -> None:
        from docx.oxml.ns import qn

        self._qn = qn
        found = document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:rFonts")
        self.default = self._rfonts(found[0]) if found else None
        self.used: set[str] = set()

    def _rfonts(self, element) -> str | None:
        if element is None:
            return None
        return element.get(self._qn("w:hAnsi")) or element.get(self._qn("w:ascii"))

    def font(self, run, paragraph) -> str | None:
        rpr = run._r.rPr
        name = self._rfonts(rpr.rFonts) if rpr is not None else None
        styles = [run.style if rpr is not None and rpr.rStyle is not None else None, paragraph.style]
        for style in styles:
            while name is None and style is not None:
                rpr = style.element.rPr
                name = self._rfonts(rpr.rFonts) if rpr is not None else None
                style = style.base_style
        return name or self.default

    def text(self, paragraph) -> str:
        encodings = []
        runs = []
        for item in paragraph.iter_inner_content():
            for run in getattr(item, "runs", [item]):
                runs.append(run)
                encodings.append(legacy.font_encoding(self.font(run, paragraph)))
        if not any(encodings):
            return paragraph.text
        self.used.update(e for e in encodings if e)
        return "".join(legacy.convert(run.text, enc) if enc else run.text for run, enc in zip(runs, encodings))


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


def _read_doc(name: str, data: bytes) -> _Read:
    from corpus.office import read_doc

    text, encoding = read_doc(name, data)
    return _Read(text, encoding=encoding)


def _read_rtf(name: str, data: bytes) -> _Read:
    from corpus.office import read_rtf

    text, encoding = read_rtf(name, data)
    return _Read(text, encoding=encoding)


def _read_xlsx(name: str, data: bytes) -> str:
    from corpus.sheets import read_xlsx

    return read_xlsx(name, data)


def _read_xls(name: str, data: bytes) -> str:
    from corpus.sheets import read_xls

    return read_xls(name, data)


_READERS = {".txt": _read_text, ".md": _read_text, ".pdf": _read_pdf, ".docx": _read_docx, ".html": _read_html,
            ".htm": _read_html, ".doc": _read_doc, ".rtf": _read_rtf, ".xlsx": _read_xlsx, ".xls": _read_xls,
            **{suffix: _read_image for suffix in ocr.IMAGE_SUFFIXES}}

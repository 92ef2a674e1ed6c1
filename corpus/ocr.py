"""OCR of scans: images (.png, .jpg, .tif) and PDF pages without a text layer, through Tesseract
with its Vietnamese model (Debian ``tesseract-ocr`` + ``tesseract-ocr-vie``); pages are rendered
by poppler's ``pdftoppm``.

Before recognition a page is turned to grey and straightened: its skew is the angle whose
horizontal projection profile is sharpest (text lines fall into rows), searched over ±6° in two
passes. Tesseract's output is NFC-normalised. Nothing is downloaded: the tools and the model come
from Debian packages (``scripts/ensure-system-packages.sh``).
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass

import numpy as np

from core.errors import CorruptDocument, UnsupportedFormat

log = logging.getLogger(__name__)

LANGUAGE = "vie"
DPI = 300  # what Tesseract is trained for
TIMEOUT_SECONDS = 300
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
MIN_TEXT_CHARS = 20  # a PDF page with less text than this is taken to have no text layer


@dataclass(frozen=True)
class OcrPage:
    """One page recognised by OCR."""

    number: int  # 1-based page of the file
    text: str
    skew: float  # degrees the page was turned to straighten it


def check_tools(name: str, *, pdf: bool = False) -> None:
    """Raise :class:`UnsupportedFormat` naming what is missing when Tesseract (its Vietnamese model,
    or poppler for a PDF) is not installed."""
    missing = [tool for tool in (["tesseract"] + (["pdftoppm"] if pdf else [])) if shutil.which(tool) is None]
    if not missing and LANGUAGE not in _languages():
        missing.append("tesseract-ocr-vie")
    if missing:
        raise UnsupportedFormat(f"{name}: tệp cần nhận dạng chữ (OCR) nhưng máy chủ chưa cài {', '.join(missing)}; "
                                "quản trị viên hãy chạy scripts/ensure-system-packages.sh")


_LANGS: list[str] = []


def _languages() -> list[str]:
    if not _LANGS:
        done = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30)
        _LANGS.extend(line.strip() for line in done.stdout.splitlines()[1:])
    return _LANGS


def deskew_angle(gray: np.ndarray) -> float:
    """The angle (degrees, counter-clockwise) that straightens the text lines of a grey page.

    Example:
        >>> page = np.full((200, 300), 255, np.uint8); page[50:54, 20:280] = 0; page[120:124, 20:280] = 0
        >>> deskew_angle(page)
        0.0
    """
    from PIL import Image

    image = Image.fromarray(gray)
    scale = min(1.0, 900 / max(image.size))
    small = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    ink = Image.fromarray(((np.asarray(small) <= _threshold(np.asarray(small))) * 255).astype(np.uint8))

    def sharpness(angle: float) -> float:
        rows = np.asarray(ink.rotate(angle, resample=Image.NEAREST, fillcolor=0), dtype=np.float32).sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    best = max(np.arange(-6.0, 6.01, 0.5), key=sharpness)
    fine = max(np.arange(best - 0.5, best + 0.51, 0.1), key=sharpness)
    return round(float(fine), 1) if abs(fine) >= 0.3 else 0.0  # below 0.3° turning costs more than it helps


def _threshold(gray: np.ndarray) -> float:
    """Otsu's threshold of a grey image."""
    counts = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    total = counts.sum()
    if total == 0:
        return 128.0
    levels = np.arange(256)
    weight = np.cumsum(counts)
    mean = np.cumsum(counts * levels)
    between = (mean[-1] * weight / total - mean) ** 2 / np.maximum(weight * (total - weight), 1e-9)
    return float(np.argmax(between))


def flatten_light(gray):
    """A grey PIL image with uneven light (a phone photo, a curled page) evened out: each pixel divided
    by the paper's brightness around it (a max filter of a reduced copy, blurred)."""
    from PIL import Image, ImageFilter

    small = gray.resize((max(1, gray.width // 8), max(1, gray.height // 8)))
    paper = small.filter(ImageFilter.MaxFilter(7)).filter(ImageFilter.GaussianBlur(4)).resize(gray.size, Image.BILINEAR)
    even = np.asarray(gray, dtype=np.float32) * 255.0 / np.maximum(np.asarray(paper, dtype=np.float32), 1.0)
    return Image.fromarray(np.clip(even, 0, 255).astype(np.uint8))


def prepare(image) -> tuple:
    """Grey, evenly lit, at least 300 dpi and straightened copy of a PIL image, and the angle it was
    turned by."""
    from PIL import Image

    gray = flatten_light(image.convert("L"))
    dpi = float(image.info.get("dpi", (DPI, DPI))[0] or DPI)
    if dpi < DPI:  # Tesseract reads small type better enlarged to ~300 dpi
        factor = min(2.0, DPI / dpi)
        gray = gray.resize((round(gray.width * factor), round(gray.height * factor)), Image.LANCZOS)
    angle = deskew_angle(np.asarray(gray))
    if angle:
        gray = gray.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)
    return gray, angle


def recognise(image, *, number: int = 1) -> OcrPage:
    """Tesseract (Vietnamese) on one PIL image, after :func:`prepare`."""
    gray, angle = prepare(image)
    buffer = io.BytesIO()
    dpi = max(DPI, round(float(image.info.get("dpi", (DPI, DPI))[0] or DPI)))
    gray.save(buffer, format="PNG", dpi=(dpi, dpi))
    done = subprocess.run(["tesseract", "stdin", "stdout", "-l", LANGUAGE, "--psm", "3", "--dpi", str(int(dpi))],
                          input=buffer.getvalue(), capture_output=True, timeout=TIMEOUT_SECONDS)
    if done.returncode != 0:
        raise CorruptDocument(f"trang {number}: Tesseract không nhận dạng được "
                              f"({done.stderr.decode('utf-8', 'replace').strip()[:120]})")
    text = fix_text(done.stdout.decode("utf-8", "replace"))
    if angle:
        log.info("page %d straightened by %.1f°", number, angle)
    return OcrPage(number, text, angle)


_ETH = str.maketrans({"Ð": "Đ", "ð": "đ"})


def fix_text(text: str) -> str:
    """NFC, and the Icelandic eth Tesseract reads for Đ (no Vietnamese word has Ð, or ĐĐ).

    Example:
        >>> fix_text("Quyết định số 1601/QĐÐ-UBND, Ðồng Tháp\f")
        'Quyết định số 1601/QĐ-UBND, Đồng Tháp'
    """
    text = unicodedata.normalize("NFC", text).replace("\f", "").translate(_ETH)
    return text.replace("ĐĐ", "Đ").replace("đđ", "đ")


def read_image(name: str, data: bytes) -> list[OcrPage]:
    """Every frame of an image file (a multi-page TIFF has several) recognised by OCR."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    check_tools(name)
    try:
        image = Image.open(io.BytesIO(data))
        frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise CorruptDocument(f"{name}: tệp ảnh hỏng hoặc không đọc được ({exc.__class__.__name__}); "
                              "chấp nhận ảnh .png, .jpg, .tif") from None
    pages = []
    for number, frame in enumerate(frames, 1):
        if "dpi" in image.info and "dpi" not in frame.info:
            frame.info["dpi"] = image.info["dpi"]
        pages.append(recognise(frame, number=number))
    return pages


def render_pdf_page(data: bytes, number: int, dpi: int = DPI):
    """Page ``number`` (1-based) of a PDF as a grey PIL image, through poppler's pdftoppm."""
    from PIL import Image

    fd, path = tempfile.mkstemp(suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        done = subprocess.run(["pdftoppm", "-f", str(number), "-l", str(number), "-r", str(dpi), "-gray", "-png", path],
                              capture_output=True, timeout=TIMEOUT_SECONDS)
    finally:
        os.unlink(path)
    if done.returncode != 0 or not done.stdout:
        raise CorruptDocument(f"trang {number}: không dựng được ảnh trang PDF để nhận dạng "
                              f"({done.stderr.decode('utf-8', 'replace').strip()[:120]})")
    image = Image.open(io.BytesIO(done.stdout))
    image.info["dpi"] = (dpi, dpi)
    return image


def read_pdf_pages(name: str, data: bytes, numbers: list[int]) -> list[OcrPage]:
    """OCR of the PDF pages ``numbers`` (1-based), those without a text layer."""
    check_tools(name, pdf=True)
    return [recognise(render_pdf_page(data, number), number=number) for number in numbers]


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = [w for w in unicodedata.normalize("NFC", text).lower().split() if any(ch.isalnum() for ch in w)]
    words = ["".join(ch for ch in w if ch.isalnum()) for w in words]
    return {tuple(words[i:i + 3]) for i in range(max(1, len(words) - 2))}


def scanned_units(units: list[tuple[str, str]], ocr_text: str, text: str) -> list[str]:
    """Ids of the units (id, text) that come from the part of ``text`` recognised by OCR: all of them
    when the whole file was a scan, else those whose word trigrams are mostly in the OCR text.

    Example:
        >>> scanned_units([("u1", "Sở Nội vụ chủ trì"), ("u2", "Văn phòng UBND tỉnh")],
        ...               "Sở Nội vụ chủ trì thực hiện", "Văn phòng UBND tỉnh\\n\\nSở Nội vụ chủ trì thực hiện")
        ['u1']
    """
    if not ocr_text.strip():
        return []
    if " ".join(ocr_text.split()) == " ".join(text.split()):
        return [uid for uid, _ in units]
    grams = _trigrams(ocr_text)
    out = []
    for uid, unit_text in units:
        mine = _trigrams(unit_text)
        if mine and len(mine & grams) / len(mine) > 0.5:
            out.append(uid)
    return out

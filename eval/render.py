"""Text typeset onto page images, as a scanner or a phone camera would give them back.

Used by ``eval/bench_ocr.py`` and by ``tests/corpus/fixtures/make_fixtures.py``. Pages are A4 at
``dpi`` in DejaVu (Debian ``fonts-dejavu-core``: every Vietnamese letter), words wrapped to the
margins, one blank line between paragraphs. :func:`degrade` adds what a scan adds: a slight
rotation, a little blur and grain, uneven light.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def font_path(name: str = "DejaVuSerif.ttf") -> Path:
    """The DejaVu font file ``name``; FileNotFoundError naming the Debian package when missing."""
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(f"{name} not found in {', '.join(map(str, FONT_DIRS))}: apt-get install fonts-dejavu-core "
                            "(scripts/ensure-system-packages.sh)")


def render_pages(text: str, *, dpi: int = 300, points: float = 12, font: str = "DejaVuSerif.ttf",
                 max_pages: int | None = None) -> list[tuple[Image.Image, str]]:
    """``text`` typeset on A4 pages: (grey page image, the text it shows, line by line)."""
    face = ImageFont.truetype(str(font_path(font)), size=round(points * dpi / 72))
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    margin = round(0.8 * dpi)
    line_height = round(points * 1.5 * dpi / 72)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = paragraph.split()
        if not words:
            if lines and lines[-1]:
                lines.append("")
            continue
        current = ""
        for word in words:
            trial = f"{current} {word}".strip()
            if face.getlength(trial) <= width - 2 * margin or not current:
                current = trial
            else:
                lines.append(current)
                current = word
        lines.append(current)
    per_page = (height - 2 * margin) // line_height
    pages = []
    for start in range(0, len(lines), per_page):
        chunk = lines[start:start + per_page]
        while chunk and not chunk[0]:
            chunk = chunk[1:]
        if not any(chunk):
            continue
        image = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(image)
        for row, line in enumerate(chunk):
            draw.text((margin, margin + row * line_height), line, font=face, fill=0)
        image.info["dpi"] = (dpi, dpi)
        pages.append((image, "\n".join(chunk)))
        if max_pages and len(pages) >= max_pages:
            break
    return pages


def degrade(image: Image.Image, *, angle: float = 2.0, noise: float = 12.0, blur: float = 0.8,
            light: float = 0.15, seed: int = 0) -> Image.Image:
    """A scanned or photographed look: turned by ``angle`` degrees, blurred, Gaussian grain of
    ``noise`` grey levels, and light falling off by ``light`` across the page."""
    rng = np.random.default_rng(seed)
    random.seed(seed)
    out = image.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)
    if blur:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    pixels = np.asarray(out, dtype=np.float32)
    if light:
        ramp = np.linspace(1.0, 1.0 - light, pixels.shape[1], dtype=np.float32)
        pixels = pixels * ramp[None, :]
    pixels = pixels + rng.normal(0.0, noise, pixels.shape).astype(np.float32)
    result = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    result.info["dpi"] = image.info.get("dpi", (300, 300))
    return result

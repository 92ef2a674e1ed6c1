"""OCR of scans: an image-only PDF page, a mixed PDF (one page with a text layer, one without) and a
phone-like photo of a page, all recognised by Tesseract's Vietnamese model with diacritics intact;
the units that came from OCR are marked; skew is found and undone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from corpus.ingest import build_document
from corpus.load import load_bytes, load_file
from corpus.ocr import deskew_angle
from core.errors import UnsupportedFormat
from eval.render import degrade, render_pages

FIXTURES = Path(__file__).parent / "fixtures"
LIMIT = 10_000_000


def test_scanned_pdf_page_is_recognised_with_its_diacritics() -> None:
    loaded = load_file(FIXTURES / "quyet-dinh-scan.pdf", max_bytes=LIMIT)
    assert loaded.fmt == "pdf" and loaded.ocr_pages == 1 and loaded.ocr_text == loaded.text
    flat = " ".join(loaded.text.split())
    for phrase in ("ỦY BAN NHÂN DÂN TỈNH GIA LAI", "Thành lập Tổ công tác kiểm tra cải cách hành chính tỉnh Gia Lai",
                   "gồm 7 thành viên, do Phó Giám đốc Sở Nội vụ làm Tổ trưởng", "hoàn thành trước ngày 30/11/2024"):
        assert phrase in flat
    doc = build_document(loaded, "qd-scan", max_chars=1200)
    assert doc.metadata.ocr_pages == 1
    assert set(doc.metadata.ocr_units) == {unit.id for unit in doc.segments}  # the whole file was a scan


def test_mixed_pdf_recognises_only_the_page_without_text_layer() -> None:
    loaded = load_file(FIXTURES / "ke-hoach-kiem-tra-mixed.pdf", max_bytes=LIMIT)
    assert loaded.ocr_pages == 1
    assert "Kiểm tra công tác cải cách hành chính năm 2024 của tỉnh Bình Phước" in loaded.text  # the text layer
    assert "Đánh giá việc thực hiện" not in loaded.ocr_text
    assert "gồm 9 thành viên do Giám đốc Sở Nội vụ tỉnh Bình Phước" in " ".join(loaded.ocr_text.split())
    doc = build_document(loaded, "kh-kiem-tra", max_chars=1200)
    scanned = set(doc.metadata.ocr_units)
    by_text = {unit.id: unit.text for unit in doc.segments}
    assert any("9 thành viên" in by_text[uid] for uid in scanned)
    assert all("Đánh giá việc thực hiện" not in by_text[uid] for uid in scanned)
    assert any("Đánh giá việc thực hiện" in text for uid, text in by_text.items() if uid not in scanned)


def test_photo_of_a_page_is_straightened_and_read() -> None:
    loaded = load_file(FIXTURES / "thong-bao-anh.jpg", max_bytes=LIMIT)
    flat = " ".join(loaded.text.split())
    assert loaded.fmt == "jpg" and loaded.ocr_pages == 1
    assert "Bộ phận Một cửa của Sở Nội vụ tỉnh Lâm Đồng tiếp nhận hồ sơ từ thứ Hai đến sáng thứ Bảy" in flat
    assert "buổi chiều từ 13 giờ 30 phút đến 17 giờ" in flat


@pytest.mark.parametrize("angle", [-3.0, 2.0])
def test_skew_is_measured(angle: float) -> None:
    page, _ = render_pages("Kế hoạch cải cách hành chính năm 2024.\n" * 30, dpi=100)[0]
    turned = degrade(page, angle=angle, noise=5, blur=0, light=0)
    assert abs(deskew_angle(np.asarray(turned)) + angle) <= 0.3


def test_png_and_multipage_tiff(tmp_path: Path) -> None:
    import io

    pages = [p for p, _ in render_pages("Điều 1. Sở Nội vụ chủ trì thực hiện.\n\n" * 3, dpi=200)]
    png = io.BytesIO()
    pages[0].save(png, format="PNG", dpi=(200, 200))
    assert "Sở Nội vụ chủ trì thực hiện" in load_bytes("trang.png", png.getvalue()).text
    second, _ = render_pages("Điều 2. Văn phòng UBND tỉnh theo dõi.", dpi=200)[0]
    tif = io.BytesIO()
    pages[0].save(tif, format="TIFF", save_all=True, append_images=[second], dpi=(200, 200))
    loaded = load_bytes("hai-trang.tif", tif.getvalue())
    assert loaded.ocr_pages == 2 and "Văn phòng UBND tỉnh theo dõi" in loaded.text and loaded.fmt == "tif"


def test_without_tesseract_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without the Debian packages
    with pytest.raises(UnsupportedFormat) as caught:
        load_file(FIXTURES / "thong-bao-anh.jpg", max_bytes=LIMIT)
    assert "thong-bao-anh.jpg" in caught.value.message and "tesseract" in caught.value.message
    assert "scripts/ensure-system-packages.sh" in caught.value.message


def test_a_broken_image_is_refused_clearly() -> None:
    from core.errors import CorruptDocument

    with pytest.raises(CorruptDocument) as caught:
        load_bytes("anh.png", b"\x89PNG not really")
    assert "anh.png" in caught.value.message and ".png" in caught.value.message

"""More formats: .doc and .rtf through catdoc, .xlsx and .xls appendix tables, each from a fixture
made by a real writer of the format (tests/corpus/fixtures/make_fixtures.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.ingest import build_document
from corpus.load import SUPPORTED, load_bytes, load_file
from core.errors import CorruptDocument

FIXTURES = Path(__file__).parent / "fixtures"
LIMIT = 10_000_000


@pytest.mark.parametrize("name", ["ke-hoach-so-hoa.doc", "ke-hoach-so-hoa.rtf"])
def test_word_97_and_rtf_read_as_unicode_paragraphs(name: str) -> None:
    loaded = load_file(FIXTURES / name, max_bytes=LIMIT)
    lines = [line.strip() for line in loaded.text.splitlines() if line.strip()]
    assert lines[0] == "ỦY BAN NHÂN DÂN TỈNH KON TUM"
    assert "1. Tỷ lệ hồ sơ, kết quả giải quyết thủ tục hành chính được số hóa đạt 85% trở lên." in lines
    assert loaded.fmt == name.rsplit(".", 1)[1] and loaded.encoding == ""
    doc = build_document(loaded, "kh-so-hoa", max_chars=1200)
    assert doc.metadata.doc_type == "Kế hoạch" and doc.metadata.number == "215/KH-UBND"
    assert any("85% trở lên" in unit.text for unit in doc.segments)


@pytest.mark.parametrize("name", ["phu-luc-nhiem-vu.xlsx", "phu-luc-nhiem-vu.xls"])
def test_spreadsheet_rows_become_units_with_headers_folded_in(name: str) -> None:
    loaded = load_file(FIXTURES / name, max_bytes=LIMIT)
    doc = build_document(loaded, "phu-luc", max_chars=1200)
    rows = [unit for unit in doc.segments if unit.kind == "table_row"]
    assert [unit.label for unit in rows] == ["Phụ lục, nhiệm vụ 1", "Phụ lục, nhiệm vụ 2", "Phụ lục, nhiệm vụ 3"]
    assert rows[1].text == ("Nhiệm vụ: Xây dựng kho dữ liệu điện tử của tổ chức, cá nhân; "
                            "Cơ quan chủ trì: Sở Thông tin và Truyền thông; Cơ quan phối hợp: Văn phòng UBND tỉnh; "
                            "Thời gian thực hiện: Quý III/2024")
    assert "Gia Lai" in rows[0].breadcrumb[0]


def test_sheet_without_a_number_column_is_numbered(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Nhiệm vụ", "Cơ quan chủ trì", "Thời gian thực hiện"])
    sheet.append(["Số hóa hồ sơ", "Sở Nội vụ", "Năm 2024"])
    sheet.append(["Công khai thủ tục", "Văn phòng UBND tỉnh", "Quý I/2024"])
    path = tmp_path / "bang.xlsx"
    book.save(path)
    doc = build_document(load_file(path, max_bytes=LIMIT), "bang", max_chars=1200)
    rows = [unit.text for unit in doc.segments if unit.kind == "table_row"]
    assert rows == ["Nhiệm vụ: Số hóa hồ sơ; Cơ quan chủ trì: Sở Nội vụ; Thời gian thực hiện: Năm 2024",
                    "Nhiệm vụ: Công khai thủ tục; Cơ quan chủ trì: Văn phòng UBND tỉnh; Thời gian thực hiện: Quý I/2024"]


@pytest.mark.parametrize(("name", "payload", "words"), [
    ("cu.doc", b"just some bytes, not a Word file", "Word 97"),
    ("cu.rtf", b"not rtf", "RTF"),
    ("cu.xls", b"\xd0\xcf\x11\xe0 broken", ".xls"),
])
def test_broken_files_say_what_is_wrong(name: str, payload: bytes, words: str) -> None:
    with pytest.raises(CorruptDocument) as caught:
        load_bytes(name, payload)
    assert name in caught.value.message and words in caught.value.message


def test_every_new_format_is_accepted_by_name() -> None:
    for suffix in (".doc", ".rtf", ".xlsx", ".xls", ".png", ".jpg", ".jpeg", ".tif", ".tiff"):
        assert suffix in SUPPORTED

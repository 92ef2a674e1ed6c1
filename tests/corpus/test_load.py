"""Loaders: each format from a small real file written by the test, and every bad input."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import matplotlib
import pytest

from corpus.load import load_bytes, load_file
from corpus.zipcheck import check_zip
from core.errors import CorruptDocument, EmptyDocument, EncodingError, FileTooLarge, UnsupportedFormat

SENTENCE = "Sở Nội vụ chủ trì tổ chức bồi dưỡng công tác cải cách hành chính năm 2022."
LIMIT = 10_000_000


def _font() -> str:
    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")


def test_txt_and_md(tmp_path: Path) -> None:
    txt = tmp_path / "a.txt"
    txt.write_text(SENTENCE, encoding="utf-8")
    md = tmp_path / "b.md"
    md.write_text(f"**Điều 1.** {SENTENCE}", encoding="utf-8")
    assert load_file(txt, max_bytes=LIMIT).text == SENTENCE
    assert load_file(md, max_bytes=LIMIT).fmt == "md"


def test_txt_with_bom_and_decomposed_unicode_is_nfc(tmp_path: Path) -> None:
    import unicodedata

    path = tmp_path / "nfd.txt"
    path.write_bytes(b"\xef\xbb\xbf" + unicodedata.normalize("NFD", SENTENCE).encode("utf-8"))
    assert load_file(path, max_bytes=LIMIT).text == SENTENCE


def test_pdf_with_text_layer(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", fname=_font())
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(0, 8, "QUYẾT ĐỊNH\nĐiều 1. " + SENTENCE)
    path = tmp_path / "qd.pdf"
    pdf.output(str(path))
    text = load_file(path, max_bytes=LIMIT).text
    assert "Sở Nội vụ chủ trì" in " ".join(text.split())
    assert "cải cách hành chính" in " ".join(text.split())


def test_docx_paragraphs_and_table_in_order(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Điều 1. " + SENTENCE)
    table = document.add_table(rows=2, cols=3)
    for cell, value in zip(table.rows[0].cells, ["TT", "Nhiệm vụ", "Cơ quan chủ trì"]):
        cell.text = value
    for cell, value in zip(table.rows[1].cells, ["1", "Xây dựng sổ tay nghiệp vụ", "Sở Tư pháp"]):
        cell.text = value
    document.add_paragraph("Điều 2. Quyết định này có hiệu lực kể từ ngày ký.")
    path = tmp_path / "kh.docx"
    document.save(str(path))
    text = load_file(path, max_bytes=LIMIT).text
    assert text.index("Điều 1.") < text.index("1\tXây dựng sổ tay nghiệp vụ\tSở Tư pháp") < text.index("Điều 2.")


def test_html_drops_scripts_and_keeps_blocks(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><style>p{}</style><script>alert(1)</script></head><body><nav>Trang chủ</nav>"
        f"<article><h1>KẾ HOẠCH</h1><p>1. {SENTENCE}</p><ul><li>Rà soát TTHC</li></ul></article></body></html>",
        encoding="utf-8",
    )
    text = load_file(path, max_bytes=LIMIT).text
    assert "alert" not in text and "Trang chủ" not in text
    assert "KẾ HOẠCH" in text.splitlines()
    assert f"1. {SENTENCE}" in text.splitlines()
    assert "- Rà soát TTHC" in text.splitlines()


@pytest.mark.parametrize(
    ("name", "payload", "error", "words"),
    [
        ("a.odt", b"PK\x03\x04", UnsupportedFormat, ".odt"),
        ("a.xlsx", b"PK\x03\x04", CorruptDocument, "XLSX"),
        ("empty.txt", b"", EmptyDocument, "rỗng"),
        ("broken.pdf", b"%PDF-1.4 this is not a pdf", CorruptDocument, "PDF"),
        ("broken.docx", b"not a zip file", CorruptDocument, "DOCX"),
        ("tcvn3.txt", "Quyết định".encode("utf-16-le") + b"\xff\xfe\xc0", EncodingError, "UTF-8"),
    ],
)
def test_bad_input_names_file_and_reason(tmp_path: Path, name: str, payload: bytes, error: type, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(payload)
    with pytest.raises(error) as caught:
        load_file(path, max_bytes=LIMIT)
    assert name in caught.value.message and words in caught.value.message


def test_file_over_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text(SENTENCE * 100, encoding="utf-8")
    with pytest.raises(FileTooLarge) as caught:
        load_file(path, max_bytes=1000)
    assert "big.txt" in caught.value.message and "giới hạn" in caught.value.message


def test_pdf_without_text_layer_says_ocr_is_needed(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50)  # a drawing, no text: what a scan looks like to a text extractor
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(EmptyDocument) as caught:
        load_file(path, max_bytes=LIMIT)
    assert "OCR" in caught.value.message


def _docx_bytes(tmp_path: Path) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("Điều 1. " + SENTENCE)
    path = tmp_path / "mau.docx"
    document.save(str(path))
    return path.read_bytes()


def _rezip(data: bytes, swap: dict[str, bytes]) -> bytes:
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            out.writestr(item.filename, swap.get(item.filename, source.read(item.filename)))
    return target.getvalue()


def test_zip_container_checked_from_its_directory(tmp_path: Path) -> None:
    data = _docx_bytes(tmp_path)
    summary = check_zip("mau.docx", data, max_total_bytes=10**7)
    assert summary.members > 3 and summary.uncompressed > summary.compressed
    with pytest.raises(FileTooLarge) as caught:
        check_zip("mau.docx", data, max_total_bytes=1000)
    assert "mau.docx" in caught.value.message and "HOIDAP_MAX_UNZIPPED_MB" in caught.value.message
    # 8 MB of spaces in one part: a ratio no Word file has
    spaced = _rezip(data, {"word/styles.xml": b" " * 8 * 2**20})
    with pytest.raises(FileTooLarge) as caught:
        check_zip("mau.docx", spaced, max_total_bytes=10**9)
    assert "word/styles.xml" in caught.value.message
    with pytest.raises(FileTooLarge):
        load_bytes("mau.docx", spaced, max_unzipped_bytes=10**9)
    with pytest.raises(CorruptDocument):
        check_zip("mau.docx", data[: len(data) // 2], max_total_bytes=10**7)


def test_docx_with_malformed_xml_is_corrupt(tmp_path: Path) -> None:
    broken = _rezip(_docx_bytes(tmp_path), {"word/document.xml": b"<w:document><w:body><w:p>Dieu 1"})
    with pytest.raises(CorruptDocument) as caught:
        load_bytes("hong.docx", broken)
    assert "hong.docx" in caught.value.message and "DOCX" in caught.value.message
    missing = _rezip(_docx_bytes(tmp_path), {"[Content_Types].xml": b"<Types/>"})
    with pytest.raises(CorruptDocument):
        load_bytes("thieu.docx", missing)

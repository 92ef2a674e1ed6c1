"""Legacy Vietnamese encodings: the shipped documents round-tripped through TCVN3, VNI-Windows, VIQR
and windows-1258 come back exactly (TCVN3: capitals with a tone mark in lower case), the UTF-8
originals are never taken for a legacy encoding, and real legacy files (glibc iconv's TCVN3 and
windows-1258, a .docx typed in .VnTime and VNI-Times, the same saved as .doc) ingest as Unicode."""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

import pytest

from corpus import legacy
from corpus.ingest import Ingester
from corpus.load import load_bytes, load_file
from corpus.store import Store
from core.errors import EncodingError
from core.settings import PROJECT_ROOT, Settings
from tests.corpus.fixtures.make_fixtures import LEGACY_TEXT, lower_toned_capitals

DOCUMENTS = sorted(p for p in (PROJECT_ROOT / "corpus" / "documents").iterdir() if p.suffix in (".txt", ".md"))
FIXTURES = Path(__file__).parent / "fixtures"
LIMIT = 10_000_000
EXPECTED = LEGACY_TEXT  # what the legacy fixtures were written from


def tcvn3_reading(text: str) -> str:
    """What a TCVN3 file of ``text`` reads back as: its basic font has no toned capitals, so they come
    back in the case of their word where the word tells it ("QUYẾT ĐỊNH"), in lower case elsewhere ("ủy")."""
    return legacy.word_case(lower_toned_capitals(text))


def _original(path: Path) -> str:
    return unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))


def test_five_shipped_documents() -> None:
    assert len(DOCUMENTS) == 5


@pytest.mark.parametrize("encoding", legacy.ENCODINGS)
@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_round_trip_of_a_shipped_document(path: Path, encoding: str) -> None:
    original = _original(path)
    data = legacy.encode(original, encoding)
    assert data != original.encode("utf-8")  # really re-encoded
    found = legacy.decode_bytes(data)
    assert found is not None and found.encoding == encoding
    # TCVN3's basic font has no toned capitals: they come back in the case of their word where the
    # word tells it ("QUYẾT ĐỊNH"), in lower case where it does not ("Ủy" → "ủy")
    expected = tcvn3_reading(original) if encoding == "tcvn3" else original
    assert found.text == expected
    if encoding == "tcvn3":
        assert lower_toned_capitals(original) != original  # the shipped documents do have toned capitals
        for heading in ("QUYẾT ĐỊNH", "ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI"):
            assert (heading in found.text) == (heading in original)
    # the same text through the loader of a .txt, as a user would drop it in
    loaded = load_bytes(f"{path.stem}.txt", data)
    assert loaded.text == expected and loaded.encoding == encoding


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "cp1258"])
@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_text_a_doc_reader_gives_as_windows_1252_is_repaired(path: Path, encoding: str) -> None:
    original = _original(path)
    seen = legacy.encode(original, encoding).decode("cp1252", errors="replace")
    fixed = legacy.repair_text(seen)
    assert fixed.encoding == encoding
    assert fixed.text == (tcvn3_reading(original) if encoding == "tcvn3" else original)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_no_false_detection_on_the_utf8_originals(path: Path) -> None:
    original = _original(path)
    found = legacy.decode_bytes(original.encode("utf-8"))
    assert found.encoding == "utf-8" and found.text == original
    assert legacy.repair_text(original).encoding == "utf-8"
    assert legacy.repair_text(original).text == original
    assert legacy.detect_viqr(original) is None
    assert load_file(path, max_bytes=LIMIT).encoding == ""


@pytest.mark.parametrize(("charset", "encoding"), [("CP1258", "cp1258"), ("TCVN5712-1", "tcvn3")])
def test_glibc_iconv_output_reads_back(charset: str, encoding: str) -> None:
    """An independent writer: glibc's converters (TCVN 5712 with the capitals the basic font lacks lowered)."""
    for path in DOCUMENTS:
        original = _original(path)
        text = lower_toned_capitals(original) if encoding == "tcvn3" else original
        if encoding == "tcvn3":  # TCVN 5712 has no typographic quotes or dashes
            text = text.translate(str.maketrans({"“": '"', "”": '"', "…": "...", "–": "-"}))
        data = subprocess.run(["iconv", "-f", "UTF-8", "-t", charset], input=text.encode("utf-8"),
                              capture_output=True, check=True).stdout
        found = legacy.decode_bytes(data)
        expected = legacy.word_case(text) if encoding == "tcvn3" else text
        assert found.encoding == encoding and found.text == expected, path.name


def test_tcvn3_txt_fixture_ingests_as_unicode(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    store = Store(settings.db_path)
    report = Ingester(store, settings).ingest_paths([FIXTURES / "tcvn3.txt", FIXTURES / "cp1258.txt"])
    assert not report.failed, [r.reason for r in report.failed]
    tcvn3 = store.get_document("tcvn3")
    assert tcvn3["raw_text"].strip() == tcvn3_reading(EXPECTED)
    assert store.metadata("tcvn3").encoding == "tcvn3"
    assert any("Sở Nội vụ chủ trì, phối hợp với Đài Phát thanh" in u.text for u in store.units("tcvn3"))
    assert store.get_document("cp1258")["raw_text"].strip() == EXPECTED


def test_docx_runs_in_vntime_and_vni_times_fonts_become_unicode() -> None:
    loaded = load_file(FIXTURES / "vntime.docx", max_bytes=LIMIT)
    lines = loaded.text.strip().split("\n")
    # line 1 is a Times New Roman (Unicode) run and stays as it is; .VnTime cannot hold toned capitals
    assert lines[0] == "UBND TỈNH QUẢNG NGÃI"
    assert lines[1:-1] == tcvn3_reading(EXPECTED).split("\n")[1:-1]
    assert lines[-1] == EXPECTED.split("\n")[-1]  # the VNI-Times paragraph
    assert loaded.encoding == "tcvn3,vni"


def test_legacy_doc_from_word_97_becomes_unicode() -> None:
    loaded = load_file(FIXTURES / "vntime.doc", max_bytes=LIMIT)
    lines = [line for line in loaded.text.strip().split("\n") if line.strip()]
    assert lines[0] == "UBND TỈNH QUẢNG NGÃI"
    assert lines[1:] == tcvn3_reading(EXPECTED).split("\n")[1:-1] + [EXPECTED.split("\n")[-1]]
    assert loaded.encoding == "tcvn3"


def test_viqr_text_with_escaped_marks() -> None:
    text = "Ke^'t qua?: Quye^'t ddi.nh so^' 1601/QDD-UBND cu?a ti?nh DDo^`ng Tha'p, co' hie^.u lu+.c\\."
    assert legacy.decode_bytes(text.encode()).text == \
        "Kết quả: Quyết định số 1601/QĐ-UBND của tỉnh Đồng Tháp, có hiệu lực."


def test_what_still_cannot_be_read_gets_a_clear_error() -> None:
    with pytest.raises(EncodingError) as caught:
        load_bytes("la.txt", bytes(range(0x80, 0x100)) * 4)
    message = caught.value.message
    assert "la.txt" in message and "TCVN3" in message and "VNI" in message and "UTF-8" in message

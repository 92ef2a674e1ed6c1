"""Metadata of the shipped documents, as `hoidap documents --json` reports it."""

from __future__ import annotations

from corpus.metadata import parse_references
from corpus.store import Store

EXPECTED = {
    "quangnam-2022-de-an-nang-luc-cchc": ("Quyết định", "Quảng Nam", "2022-05", None),
    "quangnam-2025-ke-hoach-cchc": ("Quyết định", "Quảng Nam", "2024-12", None),
    "binhdinh-2022-ke-hoach-de-an-905": ("Quyết định", "Bình Định", "2022-12", None),
    "dongthap-2021-de-an-1601": ("Đề án", "Đồng Tháp", "2021-10-21", "1601/QĐ-UBND-HC"),
    "quangnam-2022-ke-hoach-cchc": ("Quyết định", "Quảng Nam", "2021-12", None),
}


def test_type_province_date_number(corpus_store: Store) -> None:
    docs = {d["id"]: d for d in corpus_store.list_documents()}
    assert set(docs) == set(EXPECTED)
    for doc_id, (kind, province, date, number) in EXPECTED.items():
        doc = docs[doc_id]
        assert (doc["type"], doc["province"], doc["date"], doc["number"]) == (kind, province, date, number), doc_id
        if number is None:
            assert doc["number_display"] == "chưa rõ số hiệu"


def test_dong_thap_scheme_date_and_citation(corpus_store: Store) -> None:
    doc = corpus_store.get_document("dongthap-2021-de-an-1601")
    assert doc["date_text"] == "21/10/2021"
    assert doc["citation"] == "Đề án kèm theo Quyết định số 1601/QĐ-UBND-HC ngày 21/10/2021 của UBND tỉnh Đồng Tháp"


def test_titles_signers_and_attachments(corpus_store: Store) -> None:
    docs = {d["id"]: d for d in corpus_store.list_documents()}
    assert docs["quangnam-2022-ke-hoach-cchc"]["title"] == "Ban hành kế hoạch công tác cải cách hành chính năm 2022"
    assert docs["quangnam-2022-de-an-nang-luc-cchc"]["signer"] == "Hồ Quang Bửu"
    assert docs["binhdinh-2022-ke-hoach-de-an-905"]["signer"] == "Lâm Hải Giang"
    assert docs["quangnam-2025-ke-hoach-cchc"]["signer"] is None  # not in the text: not invented
    assert "Kế hoạch" in docs["quangnam-2025-ke-hoach-cchc"]["attachments"]


def test_cited_documents_are_structured(corpus_store: Store) -> None:
    refs = corpus_store.get_document("quangnam-2025-ke-hoach-cchc")["references"]
    by_number = {r["number"]: r for r in refs if r["number"]}
    assert by_number["76/NQ-CP"] == {"kind": "Nghị quyết", "number": "76/NQ-CP", "date": "15/7/2021", "issuer": "Chính phủ",
                                     "title": by_number["76/NQ-CP"]["title"]}
    assert by_number["638-KL/TU"]["date"] == "9/10/2024"
    assert by_number["1086/TTr-SNV"]["kind"] == "Tờ trình"


def test_parse_references_split_on_semicolons_and_dates_in_words() -> None:
    refs = parse_references([
        "Căn cứ Quyết định số 905/QĐ-BNV ngày 17 tháng 11 năm 2022 của Bộ trưởng Bộ Nội vụ ban hành Đề án;"
        "Quyết định số 3441/QĐ-UBND ngày 24/11/2021 của Ủy ban nhân dân tỉnh;"
    ])
    assert [(r.number, r.date, r.issuer) for r in refs] == [
        ("905/QĐ-BNV", "17/11/2022", "Bộ trưởng Bộ Nội vụ"),
        ("3441/QĐ-UBND", "24/11/2021", "Ủy ban nhân dân tỉnh"),
    ]

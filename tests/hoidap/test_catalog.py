"""The library's catalogue: whole-word search without diacritics, the year a document is about, paging."""

from __future__ import annotations

import time

import pytest

from core.errors import InvalidQuery
from hoidap.catalog import Catalog, CatalogQuery, period, words
from index.versions import DocRecord


def doc(i: int, title: str, *, year: int = 2024, number: str | None = None, province: str = "Nghệ An",
        in_force: bool = True, replaced_by: tuple = ()) -> DocRecord:
    number = number or f"{100 + i}/KH-UBND"
    return DocRecord(id=f"kh-{i:04d}", type="Kế hoạch", types=("Kế hoạch",), number=number, number_display=number,
                     year=year, date=f"{year}-12-20", date_text=f"20/12/{year}", province=province, issuer=None,
                     title=title, signer=None, citation=f"Kế hoạch số {number} ngày 20/12/{year} của UBND tỉnh {province}",
                     units=3, in_force=in_force, replaced_by=replaced_by)


def many(n: int) -> list[DocRecord]:
    """``n`` Nghệ An plans about records ("hồ sơ") and one about digitising them ("số hóa hồ sơ")."""
    docs = [doc(i, f"Kế hoạch cải cách hồ sơ hành chính đợt {i} tỉnh Nghệ An năm {2020 + i % 6}") for i in range(n - 1)]
    return docs + [doc(n - 1, "Kế hoạch số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tỉnh Nghệ An năm 2025")]


def test_whole_words_without_diacritics_find_the_one_document():
    catalog = Catalog(many(200))
    found = catalog.search(CatalogQuery(q="so hoa ho so nghe an"))
    # "hoa" is the word "hóa", not the start of "hoạch": only the digitisation plan has it
    assert found.total == 1 and found.items[0]["id"] == "kh-0199"
    assert catalog.search(CatalogQuery(q="Số hóa hồ sơ")).items[0]["id"] == "kh-0199"
    assert catalog.search(CatalogQuery(q="ho so nghe an")).total == 200
    assert catalog.search(CatalogQuery(q="hoac")).total == 0


def test_a_number_finds_its_document_first():
    docs = many(50) + [doc(60, "Đề án nâng cao chất lượng dịch vụ công", number="1601/QĐ-UBND-HC", province="Đồng Tháp")]
    found = Catalog(docs).search(CatalogQuery(q="1601"))
    assert [d["id"] for d in found.items] == ["kh-0060"]


def test_the_year_is_the_year_the_document_is_about():
    plan = doc(1, "Kế hoạch cải cách hành chính năm 2025", year=2024)
    scheme = doc(2, "Đề án cải cách hành chính giai đoạn 2021-2025", year=2021)
    assert period(plan) == (2025, 2025) and period(scheme) == (2021, 2025)
    catalog = Catalog([plan, scheme])
    assert catalog.facets["years"] == [2025, 2024, 2023, 2022, 2021]
    assert [d["id"] for d in catalog.search(CatalogQuery(year=2025, sort="id")).items] == ["kh-0001", "kh-0002"]
    assert [d["id"] for d in catalog.search(CatalogQuery(year=2023)).items] == ["kh-0002"]
    listed = catalog.search(CatalogQuery(q="nam 2025")).items[0]
    assert listed["period"] == "2025" and listed["date_text"] == "20/12/2024"


def test_a_replaced_document_lists_its_successor_as_a_link():
    old = doc(1, "Kế hoạch cải cách hành chính năm 2022", in_force=False,
              replaced_by=({"doc_id": "kh-0002", "citation": "Kế hoạch số 102/KH-UBND", "how": "annual", "note": ""},))
    [listed] = Catalog([old]).search(CatalogQuery(in_force=False)).items
    assert listed["replaced_by"] == [{"doc_id": "kh-0002", "citation": "Kế hoạch số 102/KH-UBND"}]


def test_paging_and_sorting_stay_fast_at_two_thousand_documents():
    docs = many(2000)
    started = time.perf_counter()
    catalog = Catalog(docs)
    pages = [catalog.search(CatalogQuery(q="ho so", sort="title", offset=offset, limit=50)) for offset in (0, 50, 1950)]
    elapsed = time.perf_counter() - started
    assert [p.total for p in pages] == [2000] * 3
    assert len({d["id"] for p in pages for d in p.items}) == 150
    assert pages[0].items[0]["title"] <= pages[1].items[0]["title"]
    assert elapsed < 2.0, f"{elapsed:.2f} s to fold 2,000 documents and read three pages"


def test_bad_sort_or_page_is_named():
    with pytest.raises(InvalidQuery, match="sort='size'"):
        CatalogQuery(sort="size")
    with pytest.raises(InvalidQuery, match="limit=0"):
        CatalogQuery(limit=0)


def test_words_split_numbers():
    assert words("1601/QĐ-UBND-HC") == ["1601", "qd", "ubnd", "hc"]

"""Hybrid search on the shipped corpus with the real model: the questions officers really type."""

from __future__ import annotations

import pytest

from corpus.store import Store
from core.errors import InvalidQuery
from core.settings import Settings
from index.search import Searcher
from tests.conftest import shared_embedder


@pytest.fixture(scope="module")
def searcher(indexed_settings: Settings) -> Searcher:
    return Searcher(indexed_settings, shared_embedder(indexed_settings))


@pytest.fixture(scope="module")
def store(indexed_settings: Settings) -> Store:
    return Store(indexed_settings.db_path)


def _texts(store: Store, unit_ids: list[str]) -> list[str]:
    return [store.get_unit(u).text for u in unit_ids]


def test_question_without_diacritics_finds_the_funding_clause(searcher: Searcher, store: Store) -> None:
    result = searcher.search("kinh phi thuc hien de an dong thap lay tu dau", k=3)
    assert not result.abstained
    assert any("ngân sách nhà nước" in t for t in _texts(store, result.unit_ids[:3]))
    assert result.doc_ids[0] == "dongthap-2021-de-an-1601"


def test_abbreviations_find_the_full_words(searcher: Searcher, store: Store) -> None:
    result = searcher.search("KH CCHC 2025 Quảng Nam tỷ lệ hồ sơ giải quyết theo DVC trực tuyến toàn trình", k=3)
    assert result.doc_ids[0] == "quangnam-2025-ke-hoach-cchc"
    assert any("80% trở lên" in t for t in _texts(store, result.unit_ids[:3]))


def test_document_number_finds_its_document(searcher: Searcher) -> None:
    for query in ("QĐ 1601 ban hành ngày nào", "Quyết định 1601/QĐ-UBND-HC"):
        result = searcher.search(query, k=5)
        assert result.doc_ids[0] == "dongthap-2021-de-an-1601", query
        assert "dongthap-2021-de-an-1601" in result.matched_docs


def test_appendix_row_answers_who_and_when(searcher: Searcher, store: Store) -> None:
    result = searcher.search("Đề án đo lường sự hài lòng với dịch vụ y tế công ai chủ trì, khi nào xong", k=3)
    assert store.get_unit(result.unit_ids[0]).label == "Phụ lục II, mục 4"


def test_every_hit_explains_its_ranks(searcher: Searcher) -> None:
    result = searcher.search("Sở Tài nguyên và Môi trường xây dựng sổ tay lĩnh vực đất đai", k=5)
    assert all(hit.ranks and set(hit.ranks) <= {"bm25", "bm25_folded", "dense"} for hit in result.hits)
    assert {"bm25", "bm25_folded", "dense"} <= set(result.hits[0].ranks)


def test_modes(searcher: Searcher) -> None:
    lexical = searcher.search("sổ tay đất đai", mode="bm25", k=5)
    dense = searcher.search("sổ tay đất đai", mode="dense", k=5)
    assert all(set(h.ranks) <= {"bm25", "bm25_folded"} for h in lexical.hits)
    assert all(set(h.ranks) == {"dense"} for h in dense.hits)
    with pytest.raises(InvalidQuery):
        searcher.search("sổ tay", mode="tfidf")


@pytest.mark.parametrize(("filters", "allowed"), [
    ({"province": "Bình Định"}, {"binhdinh-2022-ke-hoach-de-an-905"}),
    ({"province": "quang nam"}, {"quangnam-2022-de-an-nang-luc-cchc", "quangnam-2025-ke-hoach-cchc", "quangnam-2022-ke-hoach-cchc"}),
    ({"doc_type": "Đề án"}, {"dongthap-2021-de-an-1601", "quangnam-2022-de-an-nang-luc-cchc", "binhdinh-2022-ke-hoach-de-an-905"}),
    ({"year": 2025}, {"quangnam-2025-ke-hoach-cchc", "quangnam-2022-de-an-nang-luc-cchc", "dongthap-2021-de-an-1601"}),
    ({"doc_id": "quangnam-2022-ke-hoach-cchc"}, {"quangnam-2022-ke-hoach-cchc"}),
])
def test_filters_keep_only_matching_documents(searcher: Searcher, filters: dict, allowed: set) -> None:
    result = searcher.search("kế hoạch cải cách hành chính", k=10, filters=filters)
    assert result.doc_ids and set(result.doc_ids) <= allowed


def test_unknown_filter_values_say_what_is_accepted(searcher: Searcher) -> None:
    with pytest.raises(InvalidQuery) as caught:
        searcher.search("kế hoạch", filters={"province": "Hà Nội"})
    assert caught.value.code == "invalid_filter" and "Quảng Nam" in caught.value.message
    with pytest.raises(InvalidQuery) as caught:
        searcher.search("kế hoạch", filters={"color": "red"})
    assert "province" in caught.value.message


@pytest.mark.parametrize("question", [
    "Thời tiết Quảng Nam cuối tuần này thế nào",
    "Hà Nội ban hành kế hoạch cải cách hành chính năm 2025 khi nào",
    "Bảng lương công chức loại A1 từ 1/7/2024 là bao nhiêu",
    "cach nop thue thu nhap ca nhan online",
])
def test_out_of_scope_questions_abstain(searcher: Searcher, question: str) -> None:
    assert searcher.search(question).abstained


@pytest.mark.parametrize("question", [
    "Mục tiêu chung của KH CCHC năm 2025 tỉnh Quảng Nam",
    "co quan nao chu tri xay dung so tay nghiep vu linh vuc dat dai o binh dinh",
    "QĐ 1601 ban hành ngày nào",
])
def test_answerable_questions_do_not_abstain(searcher: Searcher, question: str) -> None:
    assert not searcher.search(question).abstained

"""Relations between documents found in their text, and admin corrections kept across re-ingests."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.ingest import Ingester
from corpus.overrides import check_overrides, parse_date
from corpus.relations import ANNUAL, CITES, REPEALS, REPLACES, find_claims, resolve
from corpus.store import Store
from core.errors import InvalidMetadata, NotFound
from core.settings import Settings

OLD = """ỦY BAN NHÂN DÂN
TỈNH GIA LAI
Số: 12/QĐ-UBND
Gia Lai, ngày 05 tháng 01 năm 2020
QUYẾT ĐỊNH
Ban hành Quy chế tiếp nhận hồ sơ thủ tục hành chính tại Bộ phận một cửa
Căn cứ Luật Tổ chức chính quyền địa phương ngày 19/6/2015;
QUYẾT ĐỊNH:
Điều 1. Ban hành Quy chế tiếp nhận hồ sơ thủ tục hành chính tại Bộ phận một cửa các cấp.
Điều 2. Hồ sơ được tiếp nhận trong giờ hành chính từ thứ Hai đến thứ Sáu.
"""
NEW = """ỦY BAN NHÂN DÂN
TỈNH GIA LAI
Số: 45/QĐ-UBND
Gia Lai, ngày 10 tháng 3 năm 2024
QUYẾT ĐỊNH
Ban hành Quy chế tiếp nhận hồ sơ thủ tục hành chính trực tuyến và trực tiếp
Căn cứ Luật Tổ chức chính quyền địa phương ngày 19/6/2015;
QUYẾT ĐỊNH:
Điều 1. Ban hành Quy chế tiếp nhận hồ sơ thủ tục hành chính, kể cả hồ sơ nộp trực tuyến, tại Bộ phận một cửa các cấp.
Điều 2. Hồ sơ được tiếp nhận cả ngày thứ Bảy; sửa đổi, bổ sung các quy định về thủ tục hành chính khi cần.
Điều 3. Quyết định này có hiệu lực kể từ ngày ký và thay thế Quyết định số 12/QĐ-UBND ngày 05/01/2020 của UBND tỉnh Gia Lai.
"""
CITING = """ỦY BAN NHÂN DÂN
TỈNH GIA LAI
Số: 77/KH-UBND
Gia Lai, ngày 02 tháng 4 năm 2024
KẾ HOẠCH
Tuyên truyền quy chế một cửa trên địa bàn tỉnh
Căn cứ Quyết định số 45/QĐ-UBND ngày 10/3/2024 của Ủy ban nhân dân tỉnh ban hành Quy chế tiếp nhận hồ sơ;
I. NHIỆM VỤ
1. Sở Nội vụ tham mưu sửa đổi Quyết định số 12/QĐ-UBND cho phù hợp.
"""
PLAN = """KẾ HOẠCH
Cải cách hành chính năm {year} của tỉnh Kon Tum
I. MỤC TIÊU
1. Tỷ lệ hồ sơ giải quyết trực tuyến toàn trình đạt {rate}% trở lên.
"""


def _ingest(settings: Settings, folder: Path, files: dict[str, str]) -> Store:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    store = Store(settings.db_path)
    report = Ingester(store, settings).ingest_paths([folder])
    assert not report.failed, [r.reason for r in report.failed]
    return store


def _relations(store: Store):
    docs = {d["id"]: store.metadata(d["id"]) for d in store.list_documents()}
    return resolve(docs, store.texts(), store.overrides())


def test_claims_only_of_the_document_itself() -> None:
    claims = find_claims(NEW)
    assert [(c.how, c.number) for c in claims] == [(REPLACES, "12/QĐ-UBND")]
    # a plan's task to amend a decision is work to do, not a relation; a passive phrase neither
    assert find_claims(CITING) == []
    assert find_claims("Nghị định số 61/2018/NĐ-CP được sửa đổi, bổ sung bởi Nghị định số 107/2021/NĐ-CP.") == []
    assert [(c.how, c.number) for c in find_claims("Điều 4. Bãi bỏ Quyết định số 3/2019/QĐ-UBND của UBND tỉnh.")] == \
        [(REPEALS, "3/2019/QĐ-UBND")]


def test_references_clauses_and_annual_plans_resolve_to_stored_documents(settings: Settings, tmp_path: Path) -> None:
    store = _ingest(settings, tmp_path / "docs", {
        "qd-12.txt": OLD, "qd-45.txt": NEW, "kh-77.txt": CITING,
        "kh-2023.txt": PLAN.format(year=2023, rate=60), "kh-2024.txt": PLAN.format(year=2024, rate=75)})
    rel = _relations(store)
    assert [(x.doc_id, x.how) for x in rel["qd-12"].replaced_by] == [("qd-45", REPLACES)]
    assert [x.doc_id for x in rel["qd-45"].replaces] == ["qd-12"] and not rel["qd-12"].in_force
    assert [(x.doc_id, x.how) for x in rel["kh-77"].cites] == [("qd-45", CITES)]
    assert [x.doc_id for x in rel["qd-45"].cited_by] == ["kh-77"]
    assert [(x.doc_id, x.how) for x in rel["kh-2023"].replaced_by] == [("kh-2024", ANNUAL)]
    assert rel["kh-2024"].in_force and rel["qd-45"].in_force and rel["kh-77"].in_force


def test_shipped_quang_nam_plans_2025_succeeds_2022(corpus_store: Store) -> None:
    rel = _relations(corpus_store)
    assert [(x.doc_id, x.how) for x in rel["quangnam-2022-ke-hoach-cchc"].replaced_by] == \
        [("quangnam-2025-ke-hoach-cchc", ANNUAL)]
    assert not rel["quangnam-2022-ke-hoach-cchc"].in_force
    others = [d for d in rel if d != "quangnam-2022-ke-hoach-cchc"]
    assert all(rel[d].in_force and not rel[d].replaced_by for d in others)
    # a scheme for 2022–2025 is not an annual plan: nothing replaces it
    assert not rel["quangnam-2022-de-an-nang-luc-cchc"].replaces


def test_admin_corrections_survive_reingest_and_win(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    store = _ingest(settings, folder, {"kh-2023.txt": PLAN.format(year=2023, rate=60),
                                       "kh-2024.txt": PLAN.format(year=2024, rate=75)})
    assert store.metadata("kh-2023").number is None
    before = store.fingerprint()
    checked = check_overrides({"number": "15 /KH-UBND", "date": "20/1/2023", "replaced_by": []},
                              known={"kh-2023", "kh-2024"}, doc_id="kh-2023")
    store.set_overrides("kh-2023", checked)
    assert store.fingerprint() != before  # a correction makes a new index version
    # the file changes and is ingested again: the corrections stay
    (folder / "kh-2023.txt").write_text(PLAN.format(year=2023, rate=65), encoding="utf-8")
    assert Ingester(store, settings).ingest_paths([folder / "kh-2023.txt"]).results[0].status == "updated"
    meta = store.metadata("kh-2023")
    assert (meta.number, meta.date, meta.date_text) == ("15/KH-UBND", "2023-01-20", "20/01/2023")
    assert "số 15/KH-UBND ngày 20/01/2023" in meta.citation_name()
    rel = _relations(store)
    assert rel["kh-2023"].in_force and not rel["kh-2023"].replaced_by and not rel["kh-2024"].replaces
    # out of force by the admin's word alone; then the correction dropped again
    store.set_overrides("kh-2024", check_overrides({"in_force": False}, known=set()))
    assert not _relations(store)["kh-2024"].in_force
    store.set_overrides("kh-2023", {"replaced_by": None, "number": None, "date": None, "date_text": None})
    assert store.metadata("kh-2023").number is None and _relations(store)["kh-2023"].replaced_by


@pytest.mark.parametrize("changes, words", [
    ({"number": "số mười hai"}, "12/QĐ-UBND"),
    ({"date": "32/13/2020"}, "21/10/2021"),
    ({"date": "hôm qua"}, "21/10/2021"),
    ({"in_force": "có"}, "true hoặc false"),
    ({"replaced_by": ["khong-co"]}, "khong-co"),
    ({"replaced_by": ["a"]}, "chính nó"),
    ({"signer": "X"}, "chấp nhận"),
    ({}, "JSON với number"),
])
def test_bad_corrections_say_what_is_accepted(changes: dict, words: str) -> None:
    with pytest.raises(InvalidMetadata) as caught:
        check_overrides(changes, known={"a", "b"}, doc_id="a")
    assert words in caught.value.message and caught.value.code == "invalid_metadata"


def test_dates_as_officers_write_them() -> None:
    assert parse_date("5/1/2020") == ("2020-01-05", "05/01/2020")
    assert parse_date("2024-12") == ("2024-12", "tháng 12/2024")


def test_correcting_an_unknown_document_is_not_found(settings: Settings) -> None:
    with pytest.raises(NotFound):
        Store(settings.db_path).set_overrides("khong-co", {"in_force": False})

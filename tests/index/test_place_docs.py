"""Which documents may be the one a question asks for by province and year (doc_year_missing on a grown
store): a decision is also the plan it issues, and a page whose text never names the province asked is no
document of that province, whatever year it names."""

from __future__ import annotations

import pytest

from core.settings import Settings
from corpus.ingest import Ingester
from corpus.store import Store
from index.answerability.vetoes import doc_year_missing
from index.build import IndexBuilder
from index.query import analyse
from index.search import Searcher

SON_LA = """ỦY BAN NHÂN DÂN TỈNH SƠN LA

Số: 2954/QĐ-UBND

Sơn La, ngày 20 tháng 11 năm 2025

QUYẾT ĐỊNH

Về việc ban hành Kế hoạch xuất khẩu sản phẩm hàng hóa tỉnh Sơn La giai đoạn 2026 - 2030

Điều 1. Ban hành kèm theo Quyết định này Kế hoạch xuất khẩu sản phẩm hàng hóa tỉnh Sơn La giai đoạn 2026 - 2030.

Điều 2. Phấn đấu kim ngạch xuất khẩu đạt 1.000 triệu USD vào năm 2030.
"""
PORTAL = """Hướng dẫn tham quan triển lãm thành tựu đất nước năm 2025

Triển lãm mở cửa hằng ngày từ 8 giờ đến 22 giờ, vé vào cửa miễn phí cho mọi người dân.
"""
MINISTRY = """BỘ CÔNG THƯƠNG

Số: 77/BCT-XNK

Hà Nội, ngày 10 tháng 11 năm 2025

V/v xuất khẩu nông sản giai đoạn 2021 - 2025

Kính gửi: Ủy ban nhân dân các tỉnh.

Bộ Công Thương đề nghị các tỉnh, trong đó có tỉnh Sơn La, báo cáo kết quả xuất khẩu nông sản.
"""


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    root = tmp_path_factory.mktemp("place-docs")
    docs = root / "docs"
    docs.mkdir()
    for name, text in (("son-la.txt", SON_LA), ("trien-lam.txt", PORTAL), ("bct.txt", MINISTRY)):
        (docs / name).write_text(text, encoding="utf-8")
    settings = Settings(data_dir=root / "data", model="hashing", answerability_model="none")
    store = Store(settings.db_path)
    report = Ingester(store, settings).ingest_paths([docs])
    assert not report.failed, [r.reason for r in report.failed]
    IndexBuilder(settings, store).build()
    return Searcher(settings)


def _ids(snap, evidence) -> set[str]:
    return {d for d, ev in snap.doc_evidence.items() if ev in evidence}


def test_a_page_that_never_names_the_province_is_not_its_document(searcher: Searcher) -> None:
    snap = searcher.current()
    asked = analyse("Kế hoạch xuất khẩu hàng hóa tỉnh Sơn La giai đoạn 2021-2025 đạt bao nhiêu")
    kept = _ids(snap, Searcher.place_docs(snap, asked))
    assert len(snap.docs) == 3 and len(kept) == 2  # the Sơn La decision, the ministry's letter naming Sơn La
    assert not any("triển lãm" in snap.docs[d].title for d in kept)
    assert _ids(snap, Searcher.place_docs(snap, analyse("Triển lãm mở cửa mấy giờ"))) == set(snap.docs)
    # the 2021-2025 plan of Sơn La is not in the store: the page naming 2025 (its kind unknown) stood for it
    assert not doc_year_missing(asked, list(snap.doc_evidence.values()))
    assert doc_year_missing(asked, Searcher.place_docs(snap, asked))
    # the 2026-2030 plan is, inside the decision that issues it
    issued = analyse("Kế hoạch xuất khẩu hàng hóa tỉnh Sơn La giai đoạn 2026-2030 đạt bao nhiêu")
    assert not doc_year_missing(issued, Searcher.place_docs(snap, issued))

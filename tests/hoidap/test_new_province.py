"""A province the corpus does not hold yet: its plans arrive as a TCVN3 text file and as a scan (an
image-only PDF), are ingested beside the shipped documents, and are answered with the fact and a
citation, not refused as "a province no document covers"."""

from __future__ import annotations


import pytest

from hoidap.answer import AnswerService
from tests.conftest import service_beside_shipped
from tests.corpus.fixtures.make_fixtures import image_pdf, iconv, lower_toned_capitals, trimmed

pytestmark = pytest.mark.slow

LEGACY_PLAN = """ỦY BAN NHÂN DÂN TỈNH PHÚ YÊN
Số: 125/KH-UBND
Phú Yên, ngày 15 tháng 01 năm 2025
KẾ HOẠCH
Cải cách hành chính năm 2025 của tỉnh Phú Yên
I. MỤC TIÊU
1. Phấn đấu 85% hồ sơ thủ tục hành chính được giải quyết trực tuyến toàn trình.
2. Mức độ hài lòng của người dân đối với dịch vụ hành chính công đạt từ 90% trở lên.
II. TỔ CHỨC THỰC HIỆN
1. Sở Nội vụ chủ trì theo dõi, đôn đốc việc thực hiện; báo cáo UBND tỉnh trước ngày 15/12/2025."""

SCANNED_PLAN = """ỦY BAN NHÂN DÂN TỈNH PHÚ YÊN
KẾ HOẠCH
Chuyển đổi số năm 2026 của tỉnh Phú Yên
1. Hoàn thành số hóa hồ sơ, kết quả giải quyết thủ tục hành chính còn hiệu lực trước ngày 30/6/2026.
2. Sở Khoa học và Công nghệ chủ trì xây dựng kho dữ liệu dùng chung của tỉnh Phú Yên."""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> AnswerService:
    folder = tmp_path_factory.mktemp("phu-yen")
    (folder / "phuyen-2025-ke-hoach-cchc.txt").write_bytes(iconv(lower_toned_capitals(LEGACY_PLAN), "TCVN5712-1"))
    image_pdf(trimmed(SCANNED_PLAN), folder / "phuyen-2026-ke-hoach-cds.pdf")
    return service_beside_shipped(folder, tmp_path_factory.mktemp("phu-yen-data"))


@pytest.mark.parametrize(("question", "fact", "doc_id"), [
    ("Kế hoạch CCHC năm 2025 của tỉnh Phú Yên phấn đấu bao nhiêu phần trăm hồ sơ giải quyết trực tuyến toàn trình?",
     "85%", "phuyen-2025-ke-hoach-cchc"),
    ("ke hoach cai cach hanh chinh phu yen 2025: muc do hai long cua nguoi dan dat bao nhieu",
     "90%", "phuyen-2025-ke-hoach-cchc"),
    ("Theo kế hoạch chuyển đổi số năm 2026 của Phú Yên, cơ quan nào chủ trì xây dựng kho dữ liệu dùng chung?",
     "Sở Khoa học và Công nghệ", "phuyen-2026-ke-hoach-cds"),
])
def test_the_new_provinces_plans_are_answered_with_the_fact_and_a_citation(service: AnswerService, question: str,
                                                                            fact: str, doc_id: str) -> None:
    answer = service.answer(question, record=False)
    assert not answer.abstained, (answer.reason, answer.answer)
    assert fact in answer.answer, answer.answer
    assert answer.citations and answer.citations[0].doc_id == doc_id, [c.doc_id for c in answer.citations]


def test_a_province_still_missing_is_refused(service: AnswerService) -> None:
    answer = service.answer("Kế hoạch cải cách hành chính năm 2025 của tỉnh Lâm Đồng phấn đấu bao nhiêu phần trăm "
                            "hồ sơ trực tuyến toàn trình?", record=False)
    assert answer.abstained and not answer.citations, answer.answer

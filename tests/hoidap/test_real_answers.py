"""Answers on real document shapes beside the shipped corpus: a count question answered with a count of what
it counts (not a fee beside it), and a yes/no question about a rumour that the document denies never
answered "Có." from the paragraph that reports the rumour."""

from __future__ import annotations

import pytest

from hoidap.answer import AnswerService
from hoidap.compose import compose
from index.query import analyse
from tests.conftest import service_beside_shipped

pytestmark = pytest.mark.slow

DENIAL = """BỘ NỘI VỤ
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 10988/BNV-CQĐP
V/v thông tin về việc sắp xếp đơn vị hành chính
Hà Nội, ngày 21 tháng 11 năm 2025
Kính gửi: Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương.
Thời gian gần đây, trên các trang mạng xã hội xuất hiện thông tin sai lệch rằng có chủ trương tiếp tục sáp nhập
từ 34 tỉnh, thành phố xuống còn 16 tỉnh, thành phố khiến nhiều người dân hoang mang.
1. Bộ Nội vụ khẳng định: hiện nay không có chủ trương tiếp tục sáp nhập các tỉnh, thành phố xuống còn 16 tỉnh, thành phố.
2. Đề nghị các địa phương tuyên truyền để người dân không hoang mang.
"""

COUNTS = """ỦY BAN NHÂN DÂN TỈNH VĨNH LONG
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 2637/QĐ-UBND
Vĩnh Long, ngày 16 tháng 11 năm 2025
QUYẾT ĐỊNH
Công bố danh mục thủ tục hành chính được sửa đổi trong lĩnh vực chứng thực
Điều 1. Công bố kèm theo Quyết định này danh mục thủ tục hành chính được sửa đổi trong lĩnh vực chứng thực, gồm:
1. Sửa đổi, bổ sung:
- 05 (năm) thủ tục hành chính cấp tỉnh.
- 07 (bảy) thủ tục hành chính cấp xã.
Điều 2. Phí chứng thực bản sao tại cấp xã: 2.000 đồng/trang; từ trang thứ 3 trở lên thu 1.000 đồng/trang.
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> AnswerService:
    folder = tmp_path_factory.mktemp("real")
    (folder / "cv-10988-bnv.txt").write_text(DENIAL, encoding="utf-8")
    (folder / "qd-2637-vinh-long.txt").write_text(COUNTS, encoding="utf-8")
    return service_beside_shipped(folder, tmp_path_factory.mktemp("real-data"))


def test_a_count_question_is_answered_with_a_count_of_what_it_counts(service: AnswerService) -> None:
    answer = service.answer("Vĩnh Long sửa đổi bao nhiêu thủ tục chứng thực cấp xã?", record=False)
    assert not answer.abstained, answer.answer
    assert answer.direct is not None and "07" in answer.direct and "đồng" not in answer.direct, answer.answer
    assert answer.citations[0].doc_id == "qd-2637-vinh-long"


def test_a_denied_rumour_is_not_answered_yes(service: AnswerService) -> None:
    answer = service.answer("Bộ Nội vụ có chủ trương sáp nhập xuống còn 16 tỉnh, thành phố không?", record=False)
    assert not answer.answer.startswith("Có."), answer.answer
    assert answer.answer.startswith(("Không.", "Văn bản không nêu")), answer.answer
    assert "không có chủ trương" in answer.answer, answer.answer  # the denial is quoted


def test_a_yes_from_the_reported_rumour_is_not_given_when_a_best_unit_denies_it(service: AnswerService) -> None:
    # whichever of the two the ranking puts first, the paragraph reporting the rumour never answers "Có." alone
    snap = service.searcher.current()
    query = analyse("Bộ Nội vụ có chủ trương sáp nhập xuống còn 16 tỉnh, thành phố không?", syllables=snap.syllables)
    result = service.searcher.search(query, k=5, snapshot=snap)
    rumour = next(i for i, h in enumerate(result.hits) if "thông tin sai lệch" in h.unit.text)
    result.hits.insert(0, result.hits.pop(rumour))
    answer = compose(result, list(query.kinds), 5, snap)
    assert not answer.answer.startswith("Có."), answer.answer
    assert "không có chủ trương" in answer.answer, answer.answer

"""The shapes real provincial document sets take (issue 18), each on a small file written here:
wrapped sentences, headings and article numbers, "|"-flattened tables, a portal's boilerplate
repeated across files, national documents, a city named as TP.HCM, a Word file with the usual
header table, a wrapped place-and-date line, TCVN3 capital-font headings. Each checks the units and
the metadata the real pipeline makes of it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from corpus import legacy
from corpus.ingest import Ingester
from corpus.store import Store
from corpus.vocab import resolve_place
from core.settings import Settings

HEAD = """|
**ỦY BAN NHÂN DÂN**
TỈNH NGHỆ AN
-------
|
**CỘNG HÒA XÃ HỘI
CHỦ NGHĨA VIỆT NAM**
Độc lập - Tự do - Hạnh phúc
---------------
|
|
Số: 45/KH-UBND
|
*Nghệ An, ngày 25
tháng 11 năm 2025*
|

**KẾ HOẠCH**

**Cải cách hành chính năm 2026**

"""


@pytest.fixture
def ingester(tmp_path: Path) -> Ingester:
    settings = Settings(data_dir=tmp_path / "data")
    return Ingester(Store(settings.db_path), settings)


def _ingest(ingester: Ingester, name: str, data: bytes | str):
    raw = data.encode("utf-8") if isinstance(data, str) else data
    result = ingester.ingest_bytes(name, raw)
    assert result.status == "added", result.reason
    return ingester.store.metadata(result.doc_id), ingester.store.units(result.doc_id)


def _texts(units) -> list[str]:
    return [u.text for u in units]


def test_a_wrapped_sentence_is_one_unit(ingester: Ingester) -> None:
    text = HEAD + ("I. NHIỆM VỤ\n1. Tổ chức thực hiện\n- Cơ quan chủ trì thực hiện: Các\nSở, ngành tỉnh theo chức năng, "
                   "nhiệm vụ được giao phối hợp với\nỦy ban nhân dân các xã, phường.\n- Thời gian thực hiện: Tháng\n12/2025.\n")
    meta, units = _ingest(ingester, "kh-45.md", text)
    assert "- Cơ quan chủ trì thực hiện: Các Sở, ngành tỉnh theo chức năng, nhiệm vụ được giao phối hợp với Ủy ban " \
           "nhân dân các xã, phường." in _texts(units)
    assert "- Thời gian thực hiện: Tháng 12/2025." in _texts(units)
    assert meta.doc_type == "Kế hoạch" and meta.is_read("doc_type")


def test_a_short_first_line_wrapped_before_a_capital_in_a_file_of_blank_line_paragraphs(ingester: Ingester) -> None:
    # paragraphs end with a blank line, so a line break without one is the file's wrap, even before a capital
    # or a digit; lower-case list items after blank lines do not make blank lines ambiguous, and one blank
    # line inside a sentence among forty ("… về giải⏎⏎quyết") is still a continuation
    items = "".join(f"{letter}) Nội dung công việc thứ {n} được giao cho các cơ quan.\n\n"
                    for n, letter in enumerate("abcdefghiklmnopqrstuvxyz" * 2, 1))
    text = HEAD + ("I. NHIỆM VỤ\n\n1. Mục đích\n\n" + items + "2. Tổ chức tập huấn\n\n"
                   "- Cơ quan chủ trì: Sở Nội vụ, Sở\nGiáo dục và Đào tạo, Sở Tài chính.\n\n"
                   "- Chỉ tiêu 1: Năm 2025 đạt\n60% các cơ quan có lãnh đạo chủ chốt là nữ.\n\n"
                   "- Nội dung: xây dựng tài liệu hướng dẫn về giải\n\nquyết thủ tục hành chính.\n\n"
                   "- Thời gian thực hiện: Năm 2025.\n\nCác sở, ngành báo cáo kết quả.\n")
    _, units = _ingest(ingester, "kh-47.md", text)
    texts = _texts(units)
    assert "- Cơ quan chủ trì: Sở Nội vụ, Sở Giáo dục và Đào tạo, Sở Tài chính." in texts
    assert "- Chỉ tiêu 1: Năm 2025 đạt 60% các cơ quan có lãnh đạo chủ chốt là nữ." in texts
    assert "- Nội dung: xây dựng tài liệu hướng dẫn về giải quyết thủ tục hành chính." in texts
    assert "- Thời gian thực hiện: Năm 2025." in texts and "Các sở, ngành báo cáo kết quả." in texts
    assert sum(t.startswith(("a)", "b)", "c)", "d)")) for t in texts) == 8


def test_a_wrapped_heading_and_an_article_number_on_its_own_line(ingester: Ingester) -> None:
    text = HEAD + ("**Điều 1. Phạm vi**\n\nQuy định này áp dụng trên địa bàn tỉnh.\n\n"
                   "**Điều\n10. Trách nhiệm thi hành**\n\n**2. Sở\nKhoa học và Công nghệ**\n\n"
                   "Chủ trì hướng dẫn các xã, phường triển khai nền tảng số dùng chung.\n")
    _, units = _ingest(ingester, "kh-46.md", text)
    labels = {u.label for u in units}
    assert any(u.label.startswith("Điều 10") for u in units), labels
    guide = next(u for u in units if "nền tảng số dùng chung" in u.text)
    assert guide.label.startswith("Điều 10") and "khoản 2" in guide.label
    assert any("2. Sở Khoa học và Công nghệ" in crumb for crumb in guide.breadcrumb + [guide.context]), guide


def test_a_pipe_flattened_table_becomes_rows_with_their_header_cells(ingester: Ingester) -> None:
    table = ("|\nTT\n|\nTên thủ tục\n|\nThời hạn giải quyết\n|\nĐịa chỉ\n|\n|\n1\n|\nCấp giấy phép\nxuất bản bản tin\n|\n"
             "05 ngày làm việc\n|\nhttps://dichvucong.gov.vn\n|\n|\n2\n|\nCấp lại giấy phép\n|\n03 ngày làm việc\n|\n"
             "Trung tâm Phục vụ hành chính công, ĐT: 0238 3599 888\n|\n\n")
    meta, units = _ingest(ingester, "kh-47.md", HEAD + "I. DANH MỤC THỦ TỤC\n\n" + table)
    assert not [u for u in units if u.text.strip() in ("|", "")]
    row = next(u for u in units if "Cấp giấy phép xuất bản bản tin" in u.text)
    assert "Thời hạn giải quyết: 05 ngày làm việc" in row.text and "https://dichvucong.gov.vn" in row.text
    assert any("0238 3599 888" in u.text for u in units)  # agencies' phone numbers and URLs are kept
    assert meta.number == "45/KH-UBND" and meta.is_read("number")


def test_boilerplate_repeated_across_three_files_leaves_the_units(ingester: Ingester) -> None:
    portal = ("Bản quyền thuộc về Cổng Thư viện Văn bản. Mọi sao chép phải được đồng ý.\nĐang tải văn bản...\n"
              "Số hiệu: {n}/KH-UBND\nNgày ban hành: 2{n}/11/2025\n")
    footer = "\nVăn bản liên quan\nBan hành: 11/11/2025\nHiệu lực: Đã biết\nTình trạng: Đã biết\n"
    first = None
    for n, field in ((1, "đất đai"), (2, "xây dựng"), (3, "hộ tịch")):
        body = HEAD.replace("45/KH", f"{n}/KH") + f"I. MỤC TIÊU\n1. Hoàn thành {n + 10} nhiệm vụ cải cách thủ tục {field}.\n"
        meta, units = _ingest(ingester, f"kh-{n}.md", portal.format(n=n) + body + footer)
        first = first or ingester.store.units("kh-1")
    for doc_id in ("kh-1", "kh-2", "kh-3"):
        texts = " ".join(_texts(ingester.store.units(doc_id)))
        assert "Đang tải" not in texts and "Bản quyền" not in texts and "Hiệu lực: Đã biết" not in texts, doc_id
        assert "nhiệm vụ cải cách thủ tục" in texts
    assert "Đang tải" in " ".join(_texts(first))  # one file alone tells nothing; the third one does
    assert ingester.store.boilerplate()["kh-1"]
    meta = ingester.store.metadata("kh-3")
    assert meta.date == "2025-11-25" and meta.is_read("date")  # the header's date, not the footer's


def test_a_portal_footer_after_an_appendix_is_dropped_and_the_appendix_kept(ingester: Ingester) -> None:
    # the appendix runs to the end of the text; its template line is as common as the portal's footer
    footer = ("Kế hoạch {n}/KH-UBND năm 2025 cải cách thủ tục {field}\nVăn bản này chưa cập nhật nội dung Tiếng Anh\n"
              "Kế hoạch {n}/KH-UBND ngày 2{n}/11/2025 cải cách thủ tục {field}\n## Văn bản liên quan\nBan hành:\n"
              "07/11/2025\nHiệu lực: Đã biết\nTình trạng: Đã biết\nCập nhật:\n13/11/2025\n")
    for n, field in ((1, "đất đai"), (2, "xây dựng"), (3, "hộ tịch")):
        body = (HEAD.replace("45/KH", f"{n}/KH") + f"I. MỤC TIÊU\n1. Hoàn thành {n + 10} nhiệm vụ.\n\n"
                "PHỤ LỤC\nQUY TRÌNH\nTrình tự thực hiện: nộp hồ sơ tại Trung tâm Phục vụ hành chính công.\n"
                f"Thời hạn giải quyết thủ tục {field}: {n + 4} ngày làm việc.\n")
        _ingest(ingester, f"kh-{n}.md", body + footer.format(n=n, field=field))
    for doc_id in ("kh-1", "kh-2", "kh-3"):
        texts = " ".join(_texts(ingester.store.units(doc_id)))
        assert "Tiếng Anh" not in texts and "Đã biết" not in texts and "Văn bản liên quan" not in texts, texts
        assert "năm 2025 cải cách thủ tục" not in texts  # the portal's heading of its footer, joined to its first line
        assert "Trình tự thực hiện: nộp hồ sơ" in texts and "ngày làm việc" in texts  # the appendix's own lines


def test_a_national_document_has_no_province(ingester: Ingester) -> None:
    text = ("|\nBỘ NỘI VỤ\n-------\n|\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n|\n|\n"
            "Số: 10988/BNV-CQĐP\nV/v tuyên truyền chủ trương, chính sách\n|\nHà Nội, ngày 21 tháng 11 năm 2025\n|\n\n"
            "Kính gửi: Ủy ban nhân dân tỉnh Lai Châu.\n\nBộ Nội vụ đề nghị các địa phương tuyên truyền chủ trương.\n")
    meta, units = _ingest(ingester, "cv-10988.md", text)
    assert meta.doc_type == "Công văn" and meta.title == "tuyên truyền chủ trương, chính sách"
    assert meta.issuer == "Bộ Nội vụ" and meta.province is None and meta.sources["province"] == "read"
    assert meta.number == "10988/BNV-CQĐP" and meta.date == "2025-11-21"
    assert any("tuyên truyền chủ trương" in t for t in _texts(units))


def test_a_city_named_as_tp_hcm(ingester: Ingester) -> None:
    text = HEAD.replace("TỈNH NGHỆ AN", "THÀNH PHỐ HỒ CHÍ MINH").replace("Nghệ An, ngày", "TP.HCM, ngày")
    meta, units = _ingest(ingester, "kh-hcm.md", text + "I. MỤC TIÊU\n1. Số hóa 100% hồ sơ thủ tục hành chính.\n")
    assert meta.issuer == "UBND Thành phố Hồ Chí Minh" and meta.province == "Thành phố Hồ Chí Minh"
    assert "tỉnh Thành phố" not in meta.citation_name()
    assert resolve_place("TP.HCM") == resolve_place("Thành phố Hồ Chí Minh") == meta.province
    assert any("Số hóa 100%" in t for t in _texts(units))


def test_a_docx_with_the_usual_header_table(ingester: Ingester) -> None:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG TRỊ"
    table.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    table.cell(1, 0).text = "Số: 45/KH-UBND"
    table.cell(1, 1).text = "Quảng Trị, ngày 18 tháng 11 năm 2025"
    for line in ("KẾ HOẠCH", "Chuyển đổi số trong cơ quan nhà nước năm 2026",
                 "Thực hiện Nghị quyết của Tỉnh ủy, Ủy ban nhân dân tỉnh ban hành Kế hoạch như sau:",
                 "I. MỤC TIÊU", "1. 100% văn bản được gửi nhận trên môi trường điện tử."):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    meta, units = _ingest(ingester, "kh-45-quang-tri.docx", buffer.getvalue())
    assert meta.number == "45/KH-UBND" and meta.doc_type == "Kế hoạch" and meta.date == "2025-11-18"
    assert meta.title == "Chuyển đổi số trong cơ quan nhà nước năm 2026"  # the trích yếu only
    assert meta.issuer == "UBND tỉnh Quảng Trị" and meta.province == "Quảng Trị"
    assert all(meta.is_read(f) for f in ("number", "doc_type", "date", "title", "issuer", "province"))
    assert any(t.startswith("1. 100% văn bản") for t in _texts(units))


def test_a_wrapped_place_and_date_line(ingester: Ingester) -> None:
    text = ("ỦY BAN NHÂN DÂN\nTỈNH HÀ TĨNH\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
            "Số: 624/KH-UBND\nHà Tĩnh, ngày\n19 tháng 11 năm 2025\nKẾ HOẠCH\nThực hiện Chương trình giáo dục mầm non\n"
            "I. MỤC ĐÍCH\n1. Nâng cao chất lượng giáo dục mầm non ở khu công nghiệp.\n")
    meta, units = _ingest(ingester, "kh-624.txt", text)
    assert meta.date == "2025-11-19" and meta.date_text == "19/11/2025" and meta.is_read("date")
    assert meta.title == "Thực hiện Chương trình giáo dục mầm non"
    assert any("khu công nghiệp" in t for t in _texts(units))


def test_tcvn3_capital_font_headings_in_their_words_case(ingester: Ingester) -> None:
    text = ("ỦY BAN NHÂN DÂN TỈNH PHÚ YÊN\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
            "Số: 12/KH-UBND\nPhú Yên, ngày 10 tháng 01 năm 2026\nKẾ HOẠCH\nCải cách hành chính năm 2026\n"
            "I. MỤC ĐÍCH, YÊU CẦU\n1. Mục đích\nNâng cao chất lượng phục vụ người dân và doanh nghiệp.\n")
    data = legacy.encode(text, "tcvn3")  # the basic font has no toned capitals: they are typed in lower case
    assert "ủY BAN" in legacy.decode_tcvn3(data).replace("ỦY BAN", "ủY BAN") or data
    meta, units = _ingest(ingester, "kh-12-phu-yen.txt", data)
    assert meta.encoding == "tcvn3" and meta.issuer == "UBND tỉnh Phú Yên" and meta.province == "Phú Yên"
    assert meta.doc_type == "Kế hoạch" and meta.number == "12/KH-UBND"
    assert any(u.label.startswith("mục I") and "Nâng cao chất lượng phục vụ" in u.text for u in units)
    assert any("MỤC ĐÍCH, YÊU CẦU" in crumb for u in units for crumb in u.breadcrumb), [u.breadcrumb for u in units]


def test_a_portal_summary_before_the_document_is_not_its_header(ingester: Ingester) -> None:
    summary = ("Bổ sung 41 cửa khẩu quốc tế cho phép xuất nhập cảnh bằng thị thực điện tử\n"
               "Ngày 2/12/2025, Chính phủ ban hành Nghị quyết về việc bổ sung danh sách các cửa khẩu quốc tế.\n\n")
    _, units = _ingest(ingester, "kh-48.md", summary + HEAD + "I. MỤC TIÊU\n1. Số hóa 100% hồ sơ thủ tục hành chính.\n")
    header = units[0]
    assert header.kind == "header" and header.label == "Phần mở đầu" and "Cải cách hành chính năm 2026" in header.text
    assert "thị thực điện tử" not in header.text
    lead = next(u for u in units if "thị thực điện tử" in u.text)
    assert lead.label == "Trước văn bản" and lead.kind == "header"  # kept, but ranked as the header is


def test_what_is_attached_after_the_signature_beside_the_recipients_is_kept(ingester: Ingester) -> None:
    text = ("ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HỒ CHÍ MINH\nSỞ GIÁO DỤC VÀ ĐÀO TẠO\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
            "Độc lập - Tự do - Hạnh phúc\n\nSố: 5155/SGDĐT-GDTX\nV/v hướng dẫn đánh giá trung tâm học tập cộng đồng\n\n"
            "Thành phố Hồ Chí Minh, ngày 28 tháng 11 năm 2025\n\nKính gửi: Ủy ban nhân dân phường, xã và đặc khu\n\n"
            "Sở Giáo dục và Đào tạo hướng dẫn đánh giá, xếp loại trung tâm học tập cộng đồng theo bảng tiêu chí đính kèm.\n\n"
            "Nơi nhận:\n- Như trên;\n- Lưu: VT.\n\nKT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC\n\nTrương Hải Thanh\n\n"
            "BẢNG TIÊU CHÍ ĐÁNH GIÁ TRUNG TÂM HỌC TẬP CỘNG ĐỒNG\n\n"
            "(Ban hành kèm theo Công văn số 5155/SGDĐT-GDTX ngày 28 tháng 11 năm 2025 của Sở Giáo dục và Đào tạo)\n\n"
            "1. Tổ chức bộ máy của trung tâm (10 điểm)\n\n2. Cơ sở vật chất (20 điểm)\n")
    meta, units = _ingest(ingester, "cv-5155.md", text)
    assert meta.number == "5155/SGDĐT-GDTX" and meta.doc_type == "Công văn"
    item = next(u for u in units if "Tổ chức bộ máy của trung tâm (10 điểm)" in u.text)
    assert "Bảng tiêu chí" in " ".join(item.breadcrumb)  # under the attached table's title
    assert any("Cơ sở vật chất (20 điểm)" in u.text for u in units)
    assert not any("Như trên" in u.text or "Trương Hải Thanh" in u.text for u in units)  # recipients, signer


def test_a_table_attached_after_the_signature_without_a_phu_luc_heading_is_an_appendix(ingester: Ingester) -> None:
    text = (HEAD.replace("**KẾ HOẠCH**", "**QUYẾT ĐỊNH**").replace("45/KH", "12/QĐ")
            + "Điều 1. Công bố kèm theo Quyết định này Danh mục 01 thủ tục hành chính được sửa đổi.\n\n"
            "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.\n\n"
            "|\n**Nơi nhận:**\n- Như Điều 2;\n- Lưu: VT.\n|\n**KT. CHỦ TỊCH**\nPHÓ CHỦ TỊCH\n**Lâm Hải Giang**\n|\n"
            "**DANH MỤC**\n01 THỦ TỤC HÀNH CHÍNH ĐƯỢC SỬA ĐỔI, BỔ SUNG\nTRONG LĨNH VỰC XUẤT NHẬP KHẨU\n"
            "*(Ban hành kèm theo Quyết định số\n12/QĐ-UBND ngày 25 tháng 11 năm 2025)*\n|\n"
            "**STT**\n|\n**Tên TTHC**\n|\n**Thời hạn giải quyết**\n|\n**Phí, lệ phí**\n|\n|\n1\n|\n"
            "Cấp Giấy chứng nhận xuất xứ hàng hóa\n|\n08 giờ làm việc\n|\nKhông\n|\n|\n2\n|\n"
            "Cấp lại Giấy chứng nhận xuất xứ hàng hóa\n|\n04 giờ làm việc\n|\nKhông\n|\n\n")
    meta, units = _ingest(ingester, "qd-12.md", text)
    assert meta.doc_type == "Quyết định" and meta.number == "12/QĐ-UBND"
    row = next(u for u in units if "Cấp Giấy chứng nhận xuất xứ hàng hóa" in u.text and "Cấp lại" not in u.text)
    assert row.kind == "table_row" and "Thời hạn giải quyết: 08 giờ làm việc" in row.text, row.text
    assert any(u.kind == "table_row" and "04 giờ làm việc" in u.text for u in units)
    assert not [u for u in units if u.text.strip() in ("Tên TTHC", "Thời hạn giải quyết", "Tên TTHC Thời hạn giải quyết")]
    assert any(u.text.startswith("Điều 2.") for u in units) and not any("Lâm Hải Giang" in u.text for u in units)


def test_a_cong_dien_s_prose_after_its_title_block_is_its_body_not_its_header(ingester: Ingester) -> None:
    text = ("THỦ TƯỚNG CHÍNH PHỦ\n\nSố: 230/CĐ-TTg\n\nHà Nội, ngày 25 tháng 11 năm 2025\n\nCÔNG ĐIỆN\n\n"
            "VỀ VIỆC CHUẨN BỊ LỄ KHÁNH THÀNH CÁC CÔNG TRÌNH\n\nTHỦ TƯỚNG CHÍNH PHỦ điện:\n\n"
            "- Bộ trưởng các bộ, cơ quan ngang bộ;\n\n- Chủ tịch Ủy ban nhân dân các tỉnh, thành phố.\n\n"
            "Theo báo cáo của Bộ Xây dựng, đến ngày 19 tháng 11 năm 2025 đã có 198 dự án, công trình đăng ký khánh "
            "thành, khởi công với tổng vốn đầu tư là khoảng 980.000 tỷ đồng.\n\n"
            "1. Bộ Xây dựng chủ trì tổng hợp danh mục các dự án, công trình.\n\n"
            "2. Các địa phương gửi báo cáo trước ngày 30 tháng 11 năm 2025.\n")
    meta, units = _ingest(ingester, "cd-230.md", text)
    header = [u for u in units if u.kind == "header"]
    assert len(header) == 1 and "CÔNG ĐIỆN" in header[0].text and "980.000" not in header[0].text
    body = next(u for u in units if "980.000 tỷ đồng" in u.text)
    assert body.kind == "paragraph"  # ranked as content, not put after the others as a title block is
    assert meta.doc_type == "Công điện" and meta.number == "230/CĐ-TTg"


def test_unbalanced_emphasis_does_not_join_the_articles_into_the_preamble(ingester: Ingester) -> None:
    # a stray "*" earlier makes every later italic line look open; the articles still begin their own units
    body = ("*Căn cứ Luật Tổ chức chính\nquyền địa phương ngày 16 tháng 6 năm 2025; *\n*Căn cứ Nghị định số\n"
            "63/2010/NĐ-CP của Chính phủ;*\n*Theo đề nghị của Giám đốc Sở\nTài chính tại Tờ trình số 5054/TTr-STC.*\n"
            "**QUYẾT ĐỊNH:**\n**Điều 1. **Công bố kèm theo\nQuyết định này danh mục 02 thủ tục hành chính bị bãi bỏ.\n"
            "**Điều 2. **Quyết định này\ncó hiệu lực thi hành kể từ ngày ký ban hành.\n")
    meta, units = _ingest(ingester, "qd-1951.md", HEAD.replace("**KẾ HOẠCH**", "**QUYẾT ĐỊNH**") + body)
    first = next(u for u in units if "02 thủ tục hành chính bị bãi bỏ" in u.text)
    assert first.kind == "article" and first.label == "Điều 1", (first.kind, first.label, first.text)
    assert not any("Điều 1" in u.text for u in units if u.kind in ("header", "preamble"))
    assert any(u.text.startswith("Điều 2. Quyết định này có hiệu lực") for u in units)

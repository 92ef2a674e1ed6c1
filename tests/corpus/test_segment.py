"""Segmentation of the shipped corpus into citable units, and of small texts written here."""

from __future__ import annotations

from corpus.segment import Segmenter, split_long
from corpus.store import Store
from corpus.text import match_form


def _find(store: Store, doc_id: str, *needles: str):
    wanted = [match_form(n) for n in needles]
    return [u for u in store.units(doc_id) if all(w in match_form(u.text) for w in wanted)]


def test_sentence_broken_by_blank_line_is_whole_in_one_unit(corpus_store: Store) -> None:
    sentence = ("Kế thừa, phát huy kinh nghiệm, kết quả đạt được về công tác cải cách hành chính "
                "giai đoạn 2016-2020")
    units = [u for u in corpus_store.units("quangnam-2022-de-an-nang-luc-cchc") if sentence in u.text]
    assert len(units) == 1
    assert units[0].label == "Điều 1, mục I.2, ý 1"


def test_binh_dinh_land_handbook_row_holds_task_and_agency(corpus_store: Store) -> None:
    rows = _find(corpus_store, "binhdinh-2022-ke-hoach-de-an-905", "lĩnh vực đất đai", "Sở Tài nguyên và Môi trường")
    assert len(rows) == 1
    row = rows[0]
    assert row.kind == "table_row" and row.label == "Phụ lục, nhiệm vụ 2.3"
    assert "Cơ quan chủ trì: Sở Tài nguyên và Môi trường" in row.text


def test_binh_dinh_rows_continuing_a_task_number_keep_the_task(corpus_store: Store) -> None:
    rows = [u for u in corpus_store.units("binhdinh-2022-ke-hoach-de-an-905") if u.label.startswith("Phụ lục, nhiệm vụ 1.1")]
    assert [r.label for r in rows] == ["Phụ lục, nhiệm vụ 1.1", "Phụ lục, nhiệm vụ 1.1 (hoạt động 2)",
                                       "Phụ lục, nhiệm vụ 1.1 (hoạt động 3)"]
    assert all("Nhiệm vụ: Tiếp tục bố trí, sắp xếp đủ số lượng" in r.text for r in rows)
    assert any("1. Xây dựng đội ngũ cán bộ" in crumb for crumb in rows[0].breadcrumb)


def test_health_satisfaction_scheme_row(corpus_store: Store) -> None:
    rows = _find(corpus_store, "quangnam-2022-ke-hoach-cchc", "dịch vụ y tế công")
    rows = [r for r in rows if r.label.startswith("Phụ lục II")]
    assert len(rows) == 1
    assert "Sở Y tế" in rows[0].text and "Quý II/2022" in rows[0].text


def test_task_3_31_of_appendix_one(corpus_store: Store) -> None:
    rows = [u for u in corpus_store.units("quangnam-2022-ke-hoach-cchc") if u.label == "Phụ lục I, nhiệm vụ 3.31"]
    assert len(rows) == 1
    assert "Trung tâm điều hành đô thị thông minh cấp huyện" in rows[0].text
    assert "Uỷ ban nhân dân cấp huyện" in rows[0].text
    assert any("Xây dựng và phát triển Chính phủ điện tử" in crumb for crumb in rows[0].breadcrumb)


def test_section_rows_repeated_eight_times_are_not_units(corpus_store: Store) -> None:
    units = corpus_store.units("quangnam-2022-ke-hoach-cchc")
    assert not any(u.text.strip() == "Cải cách thủ tục hành chính" for u in units)
    codes = [u.label.split("nhiệm vụ ")[1] for u in units if u.label.startswith("Phụ lục I, nhiệm vụ 3.")]
    assert len(codes) == len(set(codes))
    assert {"3.6", "3.17", "3.31", "3.41"} <= set(codes)


def test_dong_thap_appendix_has_six_tasks_despite_page_number(corpus_store: Store) -> None:
    rows = [u for u in corpus_store.units("dongthap-2021-de-an-1601") if u.kind == "table_row"]
    assert [r.label for r in rows] == [f"Phụ lục, nhiệm vụ {n}" for n in range(1, 7)]
    assert "Cơ quan chủ trì: Sở Nội vụ" in rows[2].text and "Thời gian thực hiện: Từ năm 2022-2025" in rows[2].text


def test_every_unit_has_label_breadcrumb_and_bounded_length(corpus_store: Store) -> None:
    units = corpus_store.units()
    assert len(units) > 250
    for unit in units:
        assert unit.label, unit.id
        assert isinstance(unit.breadcrumb, list)
        assert unit.breadcrumb and all(unit.breadcrumb), unit.id
        assert 0 < len(unit.text) <= 2000, unit.id
        assert 0 <= unit.start <= unit.end


def test_no_unit_is_only_a_heading(corpus_store: Store) -> None:
    for unit in corpus_store.units():
        assert unit.text not in unit.breadcrumb, unit.id


def test_body_unit_span_points_into_cleaned_text(corpus_store: Store) -> None:
    doc = corpus_store.get_document("dongthap-2021-de-an-1601")
    for unit in corpus_store.units("dongthap-2021-de-an-1601"):
        if unit.kind in ("bullet", "paragraph", "point", "clause"):
            assert doc["text"][unit.start:unit.end] == unit.text


def test_legal_articles_clauses_and_points() -> None:
    text = ("Chương I\nQUY ĐỊNH CHUNG\nĐiều 1. Phạm vi điều chỉnh\n1. Quy chế này quy định việc tiếp nhận hồ sơ.\n"
            "2. Đối tượng áp dụng gồm:\na) Cơ quan hành chính cấp tỉnh;\nb) Ủy ban nhân dân cấp xã.\n")
    labels = [u.label for u in Segmenter().segment("qc", text, len(text))]
    assert labels == ["Chương I, Điều 1, khoản 1", "Chương I, Điều 1, khoản 2, điểm a",
                      "Chương I, Điều 1, khoản 2, điểm b"]


def test_long_unit_split_at_sentence_boundaries() -> None:
    sentence = "Sở Nội vụ chủ trì, phối hợp với các cơ quan có liên quan tổ chức thực hiện nhiệm vụ này. "
    text = "- " + sentence * 40
    units = Segmenter(max_chars=500).segment("d", "I. Nhiệm vụ\n" + text + "\n", 10_000)
    assert len(units) > 1
    assert all(len(u.text) <= 500 for u in units)
    assert all(u.text.endswith(".") for u in units)
    assert units[0].label.endswith("(phần 1)")
    assert split_long("ngắn", 300) == [(0, 4)]


def test_appendix_one_target_is_its_own_citable_unit(corpus_store: Store) -> None:
    units = corpus_store.units("quangnam-2022-ke-hoach-cchc")
    targets = [u for u in units if u.kind == "target"]
    assert [u.label for u in targets] == [f"Phụ lục I, kết quả 1.{n}" for n in range(3, 16)]
    inspected = next(u for u in targets if u.label == "Phụ lục I, kết quả 1.14")
    assert "Tối thiểu 30% cơ quan hành chính nhà nước các cấp được kiểm tra cải cách hành chính" in inspected.text
    assert not any("30%" in crumb for crumb in inspected.breadcrumb)
    assert any("Công tác chỉ đạo điều hành" in crumb for crumb in inspected.breadcrumb)
    # the task rows below it keep the target as their breadcrumb, and the target stays out of their text
    task = next(u for u in units if u.label == "Phụ lục I, nhiệm vụ 3.39")
    assert any(crumb.startswith("Kết quả 1.14: Tối thiểu 30%") for crumb in task.breadcrumb)
    assert "30%" not in task.text


def test_target_rows_in_a_small_coded_table() -> None:
    text = ("PHỤ LỤC I\nNHIỆM VỤ TRỌNG TÂM NĂM 2022\n \t1.1: Tối thiểu 50% hồ sơ được số hóa\n"
            "\t2.1: Số hóa hồ sơ\n\t3.1: Số hóa kết quả giải quyết TTHC\n\tDữ liệu số hóa\n\tSở Nội vụ\n"
            " \t2.2: Rà soát quy trình nội bộ\n \t1.2: 100% TTHC được công khai\n\t2.3: Công khai TTHC\n"
            "\t3.2: Cập nhật Cơ sở dữ liệu quốc gia\n\tQuyết định\n\tVăn phòng UBND tỉnh\n")
    units = Segmenter().segment("kh", text, 0)
    assert [(u.kind, u.label) for u in units] == [
        ("target", "Phụ lục I, kết quả 1.1"), ("table_row", "Phụ lục I, nhiệm vụ 3.1"),
        ("table_row", "Phụ lục I, nhiệm vụ 2.2"), ("target", "Phụ lục I, kết quả 1.2"),
        ("table_row", "Phụ lục I, nhiệm vụ 3.2")]
    assert units[0].text == "Kết quả 1.1: Tối thiểu 50% hồ sơ được số hóa"
    assert units[2].breadcrumb[-1] == "Kết quả 1.1: Tối thiểu 50% hồ sơ được số hóa"


# --- fragments, numbers alone, signatures and recipients (issue 18: small texts written here) ---------------------

def _cut(text: str):
    return Segmenter().segment("d", text, len(text))


def test_an_element_that_is_only_its_number_takes_its_paragraph() -> None:
    units = _cut("QUYẾT ĐỊNH:\nĐiều 1.\nQuyết định này có hiệu lực thi hành kể từ ngày ký ban hành.\n"
                 "Điều 2.\n1.\nGiao Sở Nội vụ hướng dẫn các xã, phường triển khai.\n"
                 "2. Sở Tài chính bố trí kinh phí thực hiện.\n"
                 "Điều 3.\nChánh Văn phòng Ủy ban nhân dân tỉnh chịu trách nhiệm thi hành.\n"
                 "Các sở, ngành phối hợp thực hiện theo chức năng.\n")
    by_label = {u.label: u.text for u in units}
    assert by_label["Điều 1"] == "Điều 1. Quyết định này có hiệu lực thi hành kể từ ngày ký ban hành."
    assert by_label["Điều 2, khoản 1"] == "1. Giao Sở Nội vụ hướng dẫn các xã, phường triển khai."
    assert by_label["Điều 2, khoản 2"] == "2. Sở Tài chính bố trí kinh phí thực hiện."
    assert "Điều 2" not in by_label  # a number over its clauses names them; it holds nothing to cite
    # the article's second paragraph is still its second: the first is in the article's own unit
    assert by_label["Điều 3, đoạn 2"] == "Các sở, ngành phối hợp thực hiện theo chức năng."
    assert all(len(u.text) >= 20 for u in units), [u.text for u in units]


def test_a_fragment_that_ends_a_sentence_joins_the_unit_it_ends() -> None:
    units = _cut("Điều 2. Đối tượng áp dụng\n1. Đảng ủy các cơ quan Đảng Thành phố.\n"
                 "2. Các đảng ủy xã, phường thuộc Đảng bộ thành phố\nHà Nội.\n"
                 "3. Cán bộ diện Ban Thường vụ quản lý đang\ncư trú tại đây.\n"
                 "Điều 3. Tổ chức thực hiện\nGiao Ủy ban nhân dân Thành phố tổ chức thực hiện Nghị quyết\nnày.\n")
    texts = [u.text for u in units]
    assert "2. Các đảng ủy xã, phường thuộc Đảng bộ thành phố Hà Nội." in texts
    assert "3. Cán bộ diện Ban Thường vụ quản lý đang cư trú tại đây." in texts  # lower case: a continuation
    assert "Giao Ủy ban nhân dân Thành phố tổ chức thực hiện Nghị quyết này." in texts
    clause = next(u for u in units if u.text.endswith("Hà Nội."))
    assert clause.label == "Điều 2, khoản 2" and clause.kind == "clause"
    assert "Hà Nội." not in texts and "này." not in texts


def test_a_fragment_that_leads_joins_the_paragraph_after_it() -> None:
    units = _cut("Điều 4. Trình tự thực hiện\na) Cơ quan chuyên môn cấp tỉnh lập hồ sơ khoa học.\nTrong thời hạn\n"
                 "03 ngày làm việc kể từ ngày nhận được hồ sơ, Ủy ban nhân dân cấp tỉnh gửi Bộ.\n"
                 "b) Giá phát điện được xác định theo công thức sau:\nTrong đó:\n"
                 "FC: Giá cố định bình quân (đồng/kWh).\n")
    texts = [u.text for u in units]
    assert "Trong thời hạn 03 ngày làm việc kể từ ngày nhận được hồ sơ, Ủy ban nhân dân cấp tỉnh gửi Bộ." in texts
    # the point leads into its one paragraph: both are one unit, the fragment joined to the paragraph after it
    assert "b) Giá phát điện được xác định theo công thức sau: Trong đó: FC: Giá cố định bình quân (đồng/kWh)." in texts
    lead = next(u for u in units if u.text.startswith("Trong thời hạn"))
    assert lead.label == "Điều 4, điểm a"  # the only paragraph under the point now: no "đoạn"
    assert all(len(t) >= 20 for t in texts), texts


def test_a_value_on_the_line_after_its_heading_joins_the_heading() -> None:
    units = _cut("Điều 4. Tổ chức cung cấp dịch vụ\n1. Cục Chứng thực số và Bảo mật thông tin.\n"
                 "2. Điện thoại/Fax:\n024.3773.8668\n3. Địa chỉ thư điện tử:\nabc@bcy.gov.vn\n")
    by_label = {u.label: u.text for u in units}
    assert by_label["Điều 4, khoản 2"] == "2. Điện thoại/Fax: 024.3773.8668"
    assert by_label["Điều 4, khoản 3"] == "3. Địa chỉ thư điện tử: abc@bcy.gov.vn"


def test_a_unit_stays_a_unit_when_a_title_line_after_it_joins_it() -> None:
    units = _cut("I. Thủ tục cấp trung ương\n1. Thành phần hồ sơ gồm đơn đề nghị và bản thuyết minh.\n"
                 "2. Số lượng hồ sơ: 01 bộ.\nThời hạn giải quyết\n- Trong thời hạn 10 ngày làm việc kể từ ngày nhận hồ sơ.\n")
    texts = [u.text for u in units]
    assert "2. Số lượng hồ sơ: 01 bộ. Thời hạn giải quyết" in texts
    assert "- Trong thời hạn 10 ngày làm việc kể từ ngày nhận hồ sơ." in texts


def test_punctuation_alone_neither_stands_nor_joins() -> None:
    units = _cut("Điều 2. Hiệu lực thi hành\n1. Nghị định này có hiệu lực thi hành từ ngày 01 tháng 7 năm 2024.\n…”\n"
                 "+ Tại Phụ lục I danh mục hàng hóa không được giảm thuế quy định như sau:\n□\n")
    texts = [u.text for u in units]
    assert "1. Nghị định này có hiệu lực thi hành từ ngày 01 tháng 7 năm 2024." in texts
    assert not [t for t in texts if t in ("…”", "□")]


def test_the_signature_block_is_not_content() -> None:
    units = _cut("Điều 3. Chánh Văn phòng Ủy ban nhân dân tỉnh chịu trách nhiệm thi hành Quyết định này./.\n"
                 "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n(Đã ký)\nTrần Nam Hưng\n"
                 "KẾ HOẠCH\nCải cách hành chính năm 2026\nI. MỤC TIÊU\n1. Hoàn thành số hóa hồ sơ thủ tục hành chính.\n"
                 "CHỦ TỊCH QUỐC HỘI\n(Đã ký) Trần Thanh Mẫn |\n")
    joined = " ".join(u.text for u in units)
    for gone in ("Trần Nam Hưng", "Đã ký", "CHỦ TỊCH", "Trần Thanh Mẫn"):
        assert gone not in joined, gone
    assert "1. Hoàn thành số hóa hồ sơ thủ tục hành chính." in [u.text for u in units]  # the plan after it is read


def test_a_name_is_content_unless_it_follows_a_signing_authority() -> None:
    units = _cut("Điều 1. Khen thưởng cá nhân có thành tích xuất sắc:\nNguyễn Văn An\n"
                 "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.\n")
    assert "Điều 1. Khen thưởng cá nhân có thành tích xuất sắc: Nguyễn Văn An" in [u.text for u in units]


def test_recipients_are_not_content_with_or_without_their_label() -> None:
    marked = _cut("Điều 3. Các sở, ngành chịu trách nhiệm thi hành Quyết định này./.\n"
                  "*Nơi nhận: * - Như Điều 3;\n- Sở Tư pháp;\n- Lưu: VT, KGVX.\nĐiều 4. Điều khoản chuyển tiếp áp dụng.\n")
    assert [u.label for u in marked] == ["Điều 3", "Điều 4"]
    unlabelled = _cut("Điều 3. Các sở, ngành chịu trách nhiệm thi hành Quyết định này./.\n"
                      "- Như Điều 3;\n- Sở Tư pháp;\n- Lưu: VT, NC (02).\n")
    assert [u.text for u in unlabelled] == ["Điều 3. Các sở, ngành chịu trách nhiệm thi hành Quyết định này./."]
    tasks = _cut("Điều 3. Giao nhiệm vụ như sau:\n- Sở Tư pháp thẩm định dự thảo;\n- Sở Nội vụ tổng hợp kết quả;\n")
    assert len([u for u in tasks if u.kind == "bullet"]) == 2  # a list of ";" items is content without "Lưu: VT"


def test_no_piece_of_a_long_unit_is_a_leading_number_alone() -> None:
    sentence = "Chi xây dựng, biên soạn, chỉnh sửa chương trình, tài liệu bồi dưỡng đội ngũ nhà giáo. "
    text = "“1. " + sentence * 20
    spans = split_long(text, 400)
    assert text[spans[0][0]:spans[0][1]].startswith("“1. Chi xây dựng")


def test_a_clause_that_leads_into_its_paragraphs_is_one_unit_with_them() -> None:
    units = _cut("Điều 2. Giao các cơ quan, đơn vị:\n"
                 "1. Thanh tra tỉnh chủ trì, phối hợp Văn phòng UBND tỉnh và UBND các xã, phường:\n"
                 "Rà soát, xây dựng quy trình thực hiện thủ tục hành chính không phụ thuộc địa giới hành chính.\n"
                 "Thời hạn chậm nhất 05 ngày làm việc kể từ ngày ban hành Quyết định.\n"
                 "2. Ủy ban nhân dân các xã, phường niêm yết công khai danh mục thủ tục hành chính.\n")
    lead = next(u for u in units if u.text.startswith("1. Thanh tra tỉnh chủ trì"))
    assert "Rà soát, xây dựng quy trình" in lead.text and "05 ngày làm việc" in lead.text  # who and what together
    assert lead.label == "Điều 2, khoản 1" and lead.kind == "clause"
    assert not any(u.text.startswith(("Rà soát", "Thời hạn")) for u in units)
    assert any(u.text.startswith("2. Ủy ban nhân dân các xã") for u in units)

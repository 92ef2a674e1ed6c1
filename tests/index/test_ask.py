"""The ask of a long question told from its background (index/ask.py), and both steps in index.query.analyse."""

from __future__ import annotations

from corpus.text import fold
from index.ask import asks, sentences, split_ask
from index.query import analyse
from index.restore import SyllableStats


def test_the_asking_sentence_is_kept_with_the_documents_and_places_of_the_background() -> None:
    a = split_ask("Chào anh chị. Tôi là công chức văn phòng ở Bình Định, đang đọc Kế hoạch 8079/KH-UBND năm 2022. "
                  "Nhiệm vụ xây dựng cơ sở dữ liệu do cơ quan nào chủ trì?")
    assert a.ask == "Nhiệm vụ xây dựng cơ sở dữ liệu do cơ quan nào chủ trì?"
    assert a.context == ("Kế hoạch 8079/KH-UBND năm 2022", "Bình Định")  # the number and year inside the document
    assert a.text.startswith(a.ask + " (") and "công chức văn phòng" not in a.text


def test_what_the_ask_already_names_is_not_repeated() -> None:
    a = split_ask("Tôi làm ở Quảng Nam. Kế hoạch CCHC năm 2025 của Quảng Nam có mấy nhiệm vụ?")
    assert a.context == ()
    assert a.text == "Kế hoạch CCHC năm 2025 của Quảng Nam có mấy nhiệm vụ?"


def test_a_question_of_one_sentence_or_of_only_questions_is_its_own_ask() -> None:
    for text in ("Kinh phí đề án lấy từ đâu?", "Ai chủ trì? Khi nào xong?", "Tôi ở Quảng Nam. Cảm ơn."):
        assert split_ask(text).text == text and split_ask(text).background == ()


def test_the_request_opening_the_ask_and_bare_kinds_of_the_background_are_not_kept() -> None:
    a = split_ask("Chúng tôi muốn trích dẫn cho đúng văn bản khi viết báo cáo. Cơ quan tôi đang chuẩn bị một báo cáo. "
                  "Nhờ anh chị cho biết tờ trình của Sở Nội vụ Bình Định số mấy")
    assert a.ask == "tờ trình của Sở Nội vụ Bình Định số mấy"
    assert a.context == ()  # "văn bản", "báo cáo" name no document
    assert split_ask("Tôi mới về. Cho tôi hỏi: ai chủ trì?").text == "ai chủ trì?"
    assert split_ask("Tôi mới về. Xin hỏi").ask == "Xin hỏi"  # nothing asked after it: kept as typed


def test_a_request_restored_wrongly_from_a_question_without_diacritics_is_still_a_request() -> None:
    stats = SyllableStats.from_texts(["Tổ công nghệ số cộng đồng hỗ trợ người dân; ánh sáng chỉ đường.",
                                      "Sở Nội vụ chủ trì, cho biết kết quả."])
    query = analyse("sang nay toi hop giao ban. nho anh chi cho biet to cong nghe so cong dong co vai tro gi",
                    syllables=stats)
    assert fold(query.searched).startswith("to cong nghe so cong dong")


def test_request_verbs_and_yes_no_questions_ask() -> None:
    assert asks("Cho tôi biết thời hạn nộp báo cáo")
    assert asks("Xin hỏi thời hạn nộp báo cáo")
    assert asks("Đề án có áp dụng cho cấp xã không")
    assert not asks("Đơn vị tôi vừa được giao rà soát văn bản")


def test_sentences_do_not_break_inside_numbers_or_after_tp() -> None:
    assert sentences("Tôi ở TP. Hồ Chí Minh. Chỉ tiêu 3.31 và QĐ 1601/QĐ-UBND.HC là gì?") == [
        "Tôi ở TP. Hồ Chí Minh.", "Chỉ tiêu 3.31 và QĐ 1601/QĐ-UBND.HC là gì?"]


def test_analyse_restores_then_sets_the_background_apart_and_keeps_the_text_as_typed() -> None:
    stats = SyllableStats.from_texts(["Kinh phí thực hiện Đề án được bảo đảm từ ngân sách tỉnh Đồng Tháp.",
                                      "Công chức văn phòng tham mưu cải cách hành chính."])
    typed = "toi la cong chuc van phong o Dong Thap. cho hoi kinh phi thuc hien de an lay tu dau"
    query = analyse(typed, syllables=stats)
    assert query.text == typed  # shown and logged as typed
    assert query.searched == "kinh phí thực hiện đề án lấy từ đâu (Đồng Tháp)"  # the request "cho hỏi" says nothing
    assert query.places == ("dong thap",) and "phí" in query.expanded and "cong_chuc" not in query.tokens.folded
    # without statistics (a version built before them) as typed: "hoi", "dau" may be "hội", "đầu", so no
    # sentence is known to ask and nothing is set apart
    assert analyse(typed).searched == typed
    assert fold(query.searched).startswith(fold(typed.split(". ")[1].removeprefix("cho hoi ")))


def test_an_abbreviation_the_corpus_defines_is_spelt_out_for_retrieval() -> None:
    stats = SyllableStats.from_texts(["Tiếp nhận hồ sơ tại Trung tâm phục vụ hành chính công (TTPVHCC) của tỉnh.",
                                      "Hồ sơ nộp trực tuyến hoặc tại TTPVHCC."])
    assert stats.abbreviations == {"ttpvhcc": "trung tâm phục vụ hành chính công"}
    query = analyse("nop ho so o TTPVHCC khong", syllables=stats)
    assert query.text == "nop ho so o TTPVHCC khong"
    assert "TTPVHCC (trung tâm phục vụ hành chính công)" in query.searched
    assert "trung_tam" in query.tokens.folded and "hành chính công" in query.expanded

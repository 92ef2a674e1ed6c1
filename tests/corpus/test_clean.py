"""Cleaning: re-flow, furniture, markup, and the tone-placement form used for matching."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from corpus.clean import clean_text
from corpus.text import fold, match_form, unify_tones


def test_reflows_hard_wraps_and_blank_lines_inside_a_sentence() -> None:
    raw = ("2. Yêu cầu\n- Kế thừa, phát huy kinh nghiệm, kết quả đạt được về công tác cải cách \n\n"
           "hành chính giai đoạn 2016-2020.\n- Cán bộ, công chức lãnh đạo phải là người nêu gương.\n")
    lines = clean_text(raw).text.splitlines()
    assert lines == [
        "2. Yêu cầu",
        "- Kế thừa, phát huy kinh nghiệm, kết quả đạt được về công tác cải cách hành chính giai đoạn 2016-2020.",
        "- Cán bộ, công chức lãnh đạo phải là người nêu gương.",
    ]


def test_drops_placeholders_urls_rules_and_page_numbers() -> None:
    raw = ("Điều 1. Ban hành kèm theo Quyết định số #sovb/QĐ-UBND.\n[daky]\n____________\n"
           "https://thuvienphapluat.vn/van-ban/abc.aspx\n7\nĐiều 2. Quyết định này có hiệu lực kể từ ngày ký.\n")
    result = clean_text(raw)
    assert "#sovb" not in result.text and "[daky]" not in result.text and "http" not in result.text
    assert result.text.splitlines() == [
        "Điều 1. Ban hành kèm theo Quyết định số /QĐ-UBND.",
        "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
    ]


def test_strips_markdown_and_html_markup() -> None:
    raw = ("**I. MỤC ĐÍCH, YÊU CẦU****1. Mục đích**\n\n*Căn cứ Luật Tổ chức chính quyền;*\n\n"
           "### **4. Xây dựng <b>cơ sở dữ liệu</b>**\n\nXem [binhdinh.gov.vn](http://binhdinh.gov.vn).\n")
    lines = clean_text(raw, fmt="md").text.splitlines()
    assert lines == ["I. MỤC ĐÍCH, YÊU CẦU", "1. Mục đích", "Căn cứ Luật Tổ chức chính quyền;",
                     "4. Xây dựng cơ sở dữ liệu", "Xem binhdinh.gov.vn."]


def test_table_row_numbers_survive_but_page_numbers_in_tables_do_not() -> None:
    raw = "Phụ lục\nSTT Nội dung thực hiện\n1\nViệc một\n2\nViệc hai\n2\n3\nViệc ba\n"
    lines = clean_text(raw).text.splitlines()
    assert [ln for ln in lines if ln.isdigit()] == ["1", "2", "3"]


def test_one_tone_placement_for_matching() -> None:
    assert unify_tones("hoà thuỷ Uỷ ban khoẻ") == "hòa thủy Ủy ban khỏe"
    assert unify_tones("quý hoàn thuyền") == "quý hoàn thuyền"  # tones that both conventions agree on
    assert match_form("Uỷ  ban NHÂN dân") == match_form("Ủy ban nhân dân")
    assert fold("Đồng Tháp, Uỷ ban") == "Dong Thap, Uy ban"


def test_a_vowel_with_its_own_mark_keeps_the_tone() -> None:
    # NFD orders the dot below before the breve and the hat: the tone must not jump to the vowel before them
    words = "hoặc luật thuận huệ hoằng tuyệt thuở người được khuyến quốc"
    assert unify_tones(words) == words


def test_the_tone_is_placed_by_one_convention_on_every_syllable() -> None:
    assert unify_tones("qúa tòan hoá HOÀ Thuỷ khuỷu ngoái") == "quá toàn hóa HÒA Thủy khuỷu ngoái"
    assert unify_tones("gìn giữ già quý hoạch") == "gìn giữ già quý hoạch"  # gi, qu before a vowel are the onset
    assert unify_tones("café Đakrông") == "café Đakrông"  # not Vietnamese syllables: as written
    assert match_form("HOẶC Luật") == "hoặc luật"
    assert unicodedata.is_normalized("NFC", unify_tones("hoà hoặc"))


def test_every_word_of_the_shipped_documents_meets_its_other_placements_in_one_form() -> None:
    tones = "\u0300\u0301\u0303\u0309\u0323"
    words = set()
    for path in (Path(__file__).parents[2] / "corpus" / "documents").iterdir():
        if path.suffix in (".md", ".txt"):
            words |= set(re.findall(r"[^\W\d_]+", unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))))
    assert len(words) > 500
    for word in words:
        unified = unify_tones(word)
        assert fold(unified) == fold(word) and unify_tones(unified) == unified, word
        tone = [ch for ch in unicodedata.normalize("NFD", word) if ch in tones]
        if len(tone) != 1:
            continue
        bare = unicodedata.normalize("NFC", "".join(ch for ch in unicodedata.normalize("NFD", word) if ch not in tones))
        for i, ch in enumerate(bare):  # the tone typed on any other vowel of the word
            if ch.lower() in "aăâeêioôơuưy":
                moved = unicodedata.normalize("NFC", bare[:i] + ch + tone[0] + bare[i + 1:])
                assert unify_tones(moved) == unified, (word, moved)


def test_control_characters_removed_tabs_and_line_breaks_kept() -> None:
    raw = "Điều 1.\x00 Sở Nội vụ\x07 chủ trì\x1b.\nSTT\tNhiệm vụ\n1\tRà soát\x7f\x85 thủ tục\vĐiều 2. Hiệu lực.\n"
    text = clean_text(raw).text
    assert not any(ch in text for ch in "\x00\x07\x1b\x7f\x85\v")
    assert "Điều 1. Sở Nội vụ chủ trì." in text.splitlines()
    assert "1\tRà soát thủ tục" in text and "Điều 2. Hiệu lực." in text.splitlines()

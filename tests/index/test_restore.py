"""Diacritics restored from a corpus's syllable statistics (index/restore.py), on texts written here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from corpus.text import fold
from index.restore import SyllableStats, syllable_chains

TEXTS = [
    "Kinh phí thực hiện Đề án được bảo đảm từ nguồn ngân sách tỉnh.",
    "Sở Nội vụ chủ trì, phối hợp với các sở, ban, ngành thực hiện Đề án.",
    "Tổ chức ít nhất 10 lớp bồi dưỡng về cải cách hành chính cho cán bộ, công chức.",
    "Tỷ lệ hồ sơ giải quyết đúng hạn đạt trên 95%.",
    "Số lượng hồ sơ trực tuyến tăng; kết quả giải quyết thủ tục hành chính được số hóa.",
    "Bàn giao kết quả cho người dân tại bộ phận một cửa.",
    "Kế hoạch cải cách hành chính năm 2025 của tỉnh.",
]


@pytest.fixture(scope="module")
def stats() -> SyllableStats:
    return SyllableStats.from_texts(TEXTS)


def test_a_question_typed_without_diacritics_is_restored(stats: SyllableStats) -> None:
    restored = stats.restore("kinh phi thuc hien de an lay tu nguon nao")
    assert restored.text == "kinh phí thực hiện đề án lấy từ nguồn nào"
    assert ("phi", "phí") in restored.changed and not restored.corrected


def test_the_context_chooses_between_toned_forms(stats: SyllableStats) -> None:
    # "so" is "sở" before "nội vụ" and "số" before "lượng hồ sơ": the bigrams decide, not the unigram alone
    assert stats.restore("so noi vu chu tri").text == "sở nội vụ chủ trì"
    assert stats.restore("so luong ho so truc tuyen").text == "số lượng hồ sơ trực tuyến"


def test_case_numbers_codes_and_abbreviations_are_kept(stats: SyllableStats) -> None:
    restored = stats.restore("So Noi vu chu tri QD 1601/QĐ-UBND, CCHC dat 95%?")
    assert restored.text == "Sở Nội vụ chủ trì QĐ 1601/QĐ-UBND, CCHC đạt 95%?"


def test_a_question_typed_with_diacritics_as_the_corpus_writes_it_is_left_alone(stats: SyllableStats) -> None:
    text = "Sở Nội vụ chủ trì kế hoạch nào, kinh phí từ ngân sách tỉnh?"
    assert stats.restore(text) == stats.restore(text) and stats.restore(text).text == text
    assert stats.restore("Đề án của tỉnh Lâm Đồng có xyz không?").text == "Đề án của tỉnh Lâm Đồng có xyz không?"


def test_slips_in_a_question_typed_with_diacritics_are_put_right(stats: SyllableStats) -> None:
    # a tone left out, a letter swapped, a letter dropped: each one slip from a syllable the corpus writes
    restored = stats.restore("Sở Nội vụ chủ tri kế hoạch cải cách hành chíhn năm 2025 của tinh")
    assert restored.text == "Sở Nội vụ chủ trì kế hoạch cải cách hành chính năm 2025 của tỉnh"
    assert restored.corrected == (("tri", "trì"), ("chíhn", "chính"), ("tinh", "tỉnh"))


def test_marked_words_of_a_partly_marked_question_are_kept(stats: SyllableStats) -> None:
    # the user marked "số": it is kept although the model would have chosen "sở" before "noi vu"
    assert stats.restore("số noi vu chu tri kinh phi").text == "số nội vụ chủ trì kinh phí"


def test_unknown_words_are_left_as_typed(stats: SyllableStats) -> None:
    assert stats.restore("xyz kinh phi doanh nghiep").text == "xyz kinh phí doanh nghiep"


def test_a_typo_is_corrected_when_the_context_supports_it(stats: SyllableStats) -> None:
    restored = stats.restore("cai cach hanh chinhh cho can bo cong chuc")
    assert restored.text == "cải cách hành chính cho cán bộ công chức"
    assert restored.corrected == (("chinhh", "chính"),)


def test_a_word_one_edit_from_a_syllable_without_context_is_not_corrected(stats: SyllableStats) -> None:
    # "bon" is one letter from "bộ"'s folded "bo" and "ban", but nothing around it asks for either
    assert stats.restore("bon").corrected == ()


def test_new_documents_teach_new_words() -> None:
    before = SyllableStats.from_texts(TEXTS)
    after = SyllableStats.from_texts(TEXTS + ["Ứng dụng trí tuệ nhân tạo trong giải quyết thủ tục."])
    assert before.restore("ung dung tri tue nhan tao").text.endswith("tue nhan tao")  # words it never saw
    assert after.restore("ung dung tri tue nhan tao").text == "ứng dụng trí tuệ nhân tạo"


def test_saved_and_loaded_statistics_restore_alike(stats: SyllableStats, tmp_path: Path) -> None:
    stats.save(tmp_path)
    loaded = SyllableStats.load(tmp_path)
    assert loaded is not None and loaded.syllables == stats.syllables
    assert np.array_equal(loaded.bigrams, stats.bigrams)
    question = "ty le ho so giai quyet dung han dat bao nhieu"
    assert loaded.restore(question) == stats.restore(question)


def test_a_version_without_statistics_loads_none(tmp_path: Path) -> None:
    assert SyllableStats.load(tmp_path) is None


def test_tables_are_capped_by_frequency() -> None:
    capped = SyllableStats.from_texts(TEXTS, max_syllables=20, max_bigrams=10, question_language=False)
    full = SyllableStats.from_texts(TEXTS, question_language=False)
    assert len(capped.syllables) == 20 and len(capped.bigrams) == 10
    kept = set(capped.syllables)
    assert kept == set(full.syllables[:20])  # the most frequent ones
    assert min(capped.bigrams[:, 1]) >= np.sort(full.bigrams[:, 1])[-10]


def test_bad_caps_are_refused() -> None:
    with pytest.raises(ValueError, match="max_syllables=0"):
        SyllableStats.from_texts(TEXTS, max_syllables=0)


def test_chains_break_at_punctuation_and_numbers() -> None:
    assert syllable_chains("đạt 95% kế hoạch, tỉnh") == [["đạt"], ["kế", "hoạch"], ["tỉnh"]]


def test_every_folded_syllable_of_the_texts_has_a_candidate(stats: SyllableStats) -> None:
    for chain in syllable_chains(" ".join(TEXTS)):
        for syllable in chain:
            assert fold(syllable) in stats.by_folded

"""Vietnamese tokenization: what must survive, and abbreviations expanded both ways."""

from __future__ import annotations

from index.tokenize import expand_text, specials, tokenize


def test_one_letter_words_articles_and_clauses_survive() -> None:
    words = tokenize("Điều 5 khoản 2 điểm a: công chức ở cấp xã").words
    assert {"điều", "5", "khoản", "2", "điểm", "a", "ở"} <= set(words)


def test_numbers_dates_percentages_and_document_numbers_are_exact_tokens() -> None:
    words = tokenize("Quyết định số 1601/QĐ-UBND-HC ngày 21/10/2021; gửi trước ngày 31/01; đạt 80%; nhiệm vụ 3.31").words
    assert {"1601/qđ-ubnd-hc", "1601", "21/10/2021", "31/01", "80%", "3.31"} <= set(words)
    assert specials("Nghị định số 107/2020/NĐ-CP") == ["107/2020/nđ-cp", "107", "nđ", "cp"]


def test_pyvi_words_and_folded_syllables() -> None:
    tokens = tokenize("Cải cách hành chính tỉnh Đồng Tháp")
    assert "cải_cách" in tokens.words and "hành_chính" in tokens.words
    assert {"cai", "cach", "cai_cach", "dong", "thap", "dong_thap"} <= set(tokens.folded)
    assert set(tokenize("cai cach hanh chinh tinh dong thap").folded) >= {"cai_cach", "hanh_chinh", "dong_thap"}


def test_abbreviations_expand_in_questions_and_documents_alike() -> None:
    question = tokenize("KH CCHC của UBND")
    document = tokenize("kế hoạch cải cách hành chính của ủy ban nhân dân")
    assert {"cải_cách", "hành_chính", "ủy_ban"} <= set(question.words)
    assert set(document.words) <= set(question.words) | {"của"}
    assert "chuyển_đổi" in tokenize("CĐS").words and "chuyển_đổi" in tokenize("cds").words  # typed without đ
    assert expand_text("Kế hoạch CCHC, TTHC") == "Kế hoạch cải cách hành chính (CCHC), thủ tục hành chính (TTHC)"


def test_tone_placement_does_not_split_matching() -> None:
    assert tokenize("hoà nhập, Uỷ ban").folded == tokenize("hòa nhập, Ủy ban").folded
    assert tokenize("hoà nhập").words == tokenize("hòa nhập").words


def test_tokenize_many_in_worker_processes_keeps_order(monkeypatch) -> None:
    from index import build

    texts = [f"Kế hoạch số {i}/KH-UBND về cải cách hành chính năm 202{i % 10}" for i in range(40)]
    monkeypatch.setattr(build, "PARALLEL_TOKENIZE", 10)  # 40 texts: two worker processes
    assert list(build.tokenize_many(texts, jobs=2, chunk=4)) == [tokenize(t) for t in texts]


def test_the_lean_segmenter_segments_every_shipped_unit_as_pyvi_does(corpus_store) -> None:
    # index.wordseg runs pyvi's model without scikit-learn; pyvi itself (and its imports) only here
    from pyvi import ViTokenizer

    from index.wordseg import segment

    texts = [u.text for u in corpus_store.units()] + [
        "QĐ 1601/QĐ-UBND ngày 21/10/2021 ... ==> http://a.vn/b x@y.vn 3,5% Tp. Hồ Chí Minh ThS. Nguyễn", "", " "]
    assert len(texts) > 300
    assert [t for t in texts if segment(t) != ViTokenizer.tokenize(t)] == []


def test_abbreviations_typed_in_lower_case_in_a_chat_are_spelt_out_too() -> None:
    from index.query import analyse
    query = analyse("kh cchc 2022 bao nhieu % cbccvc duoc boi duong; khoa hoc")
    assert "cải cách hành chính" in query.expanded and "cán bộ công chức viên chức" in query.expanded
    assert "kế hoạch" in query.expanded and "khoa hoc" in query.expanded  # a syllable ("khoa") stays as typed
    assert query.text.startswith("kh cchc 2022")  # shown and logged as asked

"""Question styles and near misses: deterministic, really changed, and near misses the corpus does not answer."""

from __future__ import annotations

import re

import pytest

from corpus.text import fold, match_form
from eval.abstain_data import known_doc_numbers
from eval.gold import GoldQuestion, load_gold
from eval.near_miss import KINDS, CorpusView, near_misses
from eval.robust import Outcome, figures_of, heldout, robust_questions
from eval.styles import STYLES, abbreviate, has_diacritics, background, drop_tone, no_diacritics, synonyms, typos, variants
from corpus.vocab import ABBREVIATIONS


def _q(text: str, qid: str = "t1", **kw) -> GoldQuestion:
    return GoldQuestion(id=qid, question=text, doc_id=kw.pop("doc_id", None), evidence=kw.pop("evidence", []),
                        fact=kw.pop("fact", None), **kw)


@pytest.fixture(scope="module")
def corpus(corpus_store) -> CorpusView:
    return CorpusView.from_store(corpus_store)


def test_no_diacritics_folds_every_mark():
    assert no_diacritics("Đồng Tháp giao Sở Nội vụ chủ trì") == "dong thap giao so noi vu chu tri"


def test_abbreviate_is_the_inverse_of_the_index_expansions():
    text = abbreviate("Ủy ban nhân dân tỉnh và Uỷ ban nhân dân huyện giao cán bộ, công chức, viên chức kế hoạch cải cách hành chính")
    assert text == "UBND tỉnh và UBND huyện giao CBCCVC KH CCHC"
    # every abbreviation written back expands to what it replaced
    for short in re.findall(r"[A-ZĐ]{2,}", text):
        assert ABBREVIATIONS[short.lower()] in match_form("ủy ban nhân dân cán bộ công chức viên chức kế hoạch cải cách hành chính")
    assert abbreviate("Kết luận 638-KL/TU ban hành ngày nào") == "Kết luận 638-KL/TU ban hành ngày nào"  # text as written


def test_typos_are_seeded_and_spare_numbers_and_abbreviations():
    question = "Kế hoạch CCHC năm 2022 của Quảng Nam ban hành theo tờ trình số mấy của SNV"
    once, again = typos(question, "q113"), typos(question, "q113")
    assert once == again != question
    assert {"CCHC", "2022", "SNV"} <= set(once.split())
    changed = [(a, b) for a, b in zip(question.split(), once.split()) if a != b] if len(once.split()) == len(question.split()) else []
    assert all(len(b) >= len(a) - 1 for a, b in changed)  # one slip per word at most
    assert drop_tone("được hoàn thành") == "đươc hoan thanh"


def test_background_keeps_the_ask_last_and_the_questions_spelling():
    question = "Sở nào chủ trì đề án 1601?"
    text = background(question, "q1")
    assert text.endswith("ở nào chủ trì đề án 1601?") and len(text) > len(question) + 20
    plain = background("so nao chu tri de an 1601", "q1")
    assert not has_diacritics(plain) and plain.endswith("so nao chu tri de an 1601")


def test_synonyms_replace_key_words_not_names():
    text = synonyms("Cơ quan nào chủ trì tổ chức lớp bồi dưỡng của Sở Xây dựng", "q9")
    assert text != "Cơ quan nào chủ trì tổ chức lớp bồi dưỡng của Sở Xây dựng"
    assert text.endswith("Sở Xây dựng")
    assert synonyms("Thời tiết hôm nay", "q9") == "Thời tiết hôm nay"  # nothing to replace: unchanged


def test_variants_of_every_dev_question_are_deterministic_and_change_it():
    questions = load_gold()
    first = [variants(q) for q in questions]
    assert first == [variants(q) for q in questions]
    for q, vs in zip(questions, first):
        assert vs[0].style == "plain" and vs[0].question == q.question
        assert all(v.question != q.question for v in vs[1:])
        assert len({v.id for v in vs}) == len(vs)
    by_style = {s: sum(1 for vs in first for v in vs if v.style == s) for s in STYLES}
    assert by_style["nodiacritics"] >= 100 and by_style["typos"] == len(questions) and by_style["abbreviations"] >= 20
    with pytest.raises(ValueError, match="unknown style"):
        variants(questions[0], ("shouting",))


def test_near_misses_are_verified_against_the_corpus(corpus):
    known = known_doc_numbers()
    questions = [q for q in load_gold() if not q.out_of_scope]
    made = [m for q in questions for m in near_misses(q, corpus, known)]
    kinds = {m.kind for m in made}
    assert kinds == set(KINDS)
    for miss in made:
        if miss.kind == "task":
            doc = next(q.doc_id for q in questions if q.id == miss.source)
            assert not any(label.endswith(f"nhiệm vụ {miss.altered}") for label in corpus.labels[doc])
        else:
            assert not corpus.mentions(miss.altered), miss
        assert fold(miss.altered).lower() in fold(miss.question).lower()


def test_a_near_miss_that_cannot_be_verified_is_dropped(corpus):
    # "Quảng Nam" is the only province named; every other province swapped in is checked against the corpus
    question = _q("Sở Nội vụ tỉnh Quảng Nam chủ trì nhiệm vụ gì", doc_id="quangnam-2022-de-an-nang-luc-cchc")
    view = CorpusView({**corpus.texts, "extra": [match_form(p) for p in
                                                    ("Lâm Đồng", "Nghệ An", "Thanh Hóa", "Gia Lai", "Khánh Hòa", "Hà Tĩnh",
                                                     "Phú Yên", "Quảng Ngãi", "Đắk Lắk", "Long An", "Tây Ninh", "Sơn La",
                                                     "Thái Bình", "Bắc Giang", "Kiên Giang", "Bến Tre", "Vĩnh Long",
                                                     "Ninh Bình", "Cần Thơ", "Hải Dương")]}, corpus.labels, corpus.docs)
    assert [m.kind for m in near_misses(question, corpus, set(), ("province",))] == ["province"]
    assert near_misses(question, view, set(), ("province",)) == []


def test_robust_questions_of_the_heldout_split(corpus):
    questions = load_gold()
    held = heldout(questions)
    assert all(q.out_of_scope or q.id not in {t.id for t in heldout(questions, "train")} for q in held)
    asked = robust_questions(held, corpus, known_doc_numbers())
    groups = {group for _, group, _, _ in asked}
    assert {f"style:{s}" for s in STYLES} <= groups and {f"near:{k}" for k in KINDS} <= groups
    assert len({text for _, g, text, _ in asked if g.startswith("near:")}) == sum(1 for _, g, _, _ in asked if g.startswith("near:"))


def test_figures_per_style_and_kind():
    outcomes = [Outcome("a@plain", "style:plain", "", True, False), Outcome("b@plain", "style:plain", "", True, False),
                Outcome("a@typos", "style:typos", "", False, True), Outcome("b@typos", "style:typos", "", True, False),
                Outcome("a~year", "near:year", "", True, True), Outcome("b~task", "near:task", "", False, False)]
    figures = figures_of(outcomes)
    assert figures["right_plain"] == 1.0 and figures["right_typos"] == 0.5 and figures["right_overall"] == 0.75
    assert figures["right_min_gap"] == 0.5 and figures["answerable_refused"] == 0.25
    assert figures["near_miss_refused_year"] == 1.0 and figures["near_miss_refused_task"] == 0.0
    assert figures["near_miss_refused"] == 0.5 and figures["n_style_typos"] == 2


def test_a_question_that_carries_its_split_keeps_it():
    tune, held = _q("a", "r001", split="tune"), _q("b", "r002", split="heldout")
    assert heldout([tune, held]) == [held] and heldout([tune, held], "tune") == [tune]

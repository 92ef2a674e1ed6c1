"""The answer service every channel shares: quotes verbatim, cites, abstains, follows up."""

from __future__ import annotations

import json

import pytest

from corpus.store import Store
from eval.gold import load_gold, normalize
from hoidap.answer import AnswerService
from hoidap.why import NO_ANSWER
from cli.main import main
from index.query import question_kinds
from core.errors import InvalidQuery
from core.settings import Settings
from index.search import Searcher
from tests.conftest import shared_embedder


@pytest.fixture(scope="module")
def service(indexed_settings: Settings) -> AnswerService:
    return AnswerService(indexed_settings, Searcher(indexed_settings, shared_embedder(indexed_settings)))


def test_agency_question_on_an_appendix_row(service: AnswerService) -> None:
    answer = service.answer("Cơ quan nào chủ trì đề án đo lường sự hài lòng với dịch vụ y tế công?")
    assert not answer.abstained
    assert "Sở Y tế" in answer.answer and "[1]" in answer.answer
    assert answer.citations[0].label == "Phụ lục II, mục 4"
    assert answer.direct == "Sở Y tế" and answer.answer.startswith("Sở Y tế. Theo Quyết định")  # the fact first


def test_every_quote_is_verbatim_in_the_unit_it_cites(service: AnswerService) -> None:
    questions = [q for q in load_gold() if not q.out_of_scope][:40]
    quoted = 0
    for q in questions:
        answer = service.answer(q.question, record=False)
        for citation in answer.citations:
            for quote in citation.quotes:
                assert quote in citation.text, (q.id, quote)
                assert f"“{quote}”" in answer.answer
                quoted += 1
    assert quoted >= len(questions)


def test_citations_carry_the_whole_unit_text(service: AnswerService, indexed_settings: Settings) -> None:
    store = Store(indexed_settings.db_path)
    answer = service.answer("kinh phi thuc hien de an dong thap lay tu dau")
    first = answer.citations[0]
    assert first.text == store.get_unit(first.unit_id).text
    assert first.doc_number == "1601/QĐ-UBND-HC"
    assert [c.rank for c in answer.citations] == list(range(1, len(answer.citations) + 1))


def test_out_of_scope_says_so_plainly_and_suggests_documents(service: AnswerService) -> None:
    answer = service.answer("Thời tiết Quảng Nam cuối tuần này thế nào")
    assert answer.abstained and answer.answer.startswith(NO_ANSWER)
    assert answer.citations == [] and answer.suggestions


def test_several_documents_answer_newest_first(service: AnswerService) -> None:
    answer = service.answer("Mục tiêu chung của kế hoạch cải cách hành chính của Quảng Nam")
    if "văn bản đề cập" in answer.answer:
        dates = [service.store.metadata(c.doc_id).date for c in answer.citations if c.quotes]
        assert dates == sorted(dates, reverse=True)
    named = service.answer("Kế hoạch CCHC năm 2022 của Quảng Nam: mục tiêu chung là gì")
    assert named.citations[0].doc_id == "quangnam-2022-ke-hoach-cchc"


def test_follow_up_uses_the_previous_turn(service: AnswerService) -> None:
    first = service.answer("Tỷ lệ hồ sơ giải quyết theo dịch vụ công trực tuyến toàn trình năm 2025 của Quảng Nam",
                           conversation_id="t-follow")
    assert first.citations[0].doc_id == "quangnam-2025-ke-hoach-cchc"
    second = service.answer("còn năm 2022 thì sao?", conversation_id="t-follow")
    assert "2022" in second.search_query and "trực tuyến" in second.search_query
    assert second.citations[0].doc_id == "quangnam-2022-ke-hoach-cchc"
    third = service.answer("Đề án đo lường sự hài lòng với dịch vụ y tế công", conversation_id="t-agency")
    who = service.answer("cơ quan nào chủ trì việc đó?", conversation_id="t-agency")
    assert who.citations[0].unit_id == third.citations[0].unit_id and "Sở Y tế" in who.answer


def test_bad_questions(service: AnswerService) -> None:
    with pytest.raises(InvalidQuery) as caught:
        service.answer("   ")
    assert caught.value.code == "empty_question"
    with pytest.raises(InvalidQuery) as caught:
        service.answer("x" * 600)
    assert caught.value.code == "question_too_long" and "500" in caught.value.message


def test_question_kinds() -> None:
    assert question_kinds("Ai chủ trì, bao giờ xong?") == ["agency", "date"]
    assert question_kinds("ty le ho so truc tuyen bao nhieu phan tram") == ["number"]
    assert question_kinds("Kế hoạch gồm những nội dung gì") == ["list"]


def test_cli_ask_json_and_batch(indexed_settings: Settings, monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.setenv("HOIDAP_DATA_DIR", str(indexed_settings.data_dir))
    assert main(["ask", "--json", "QĐ 1601 ban hành ngày nào"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert set(answer) >= {"question", "answer", "abstained", "citations"}
    assert set(answer["citations"][0]) >= {"rank", "unit_id", "doc_id", "doc_title", "doc_number", "label", "text", "score"}
    batch = tmp_path / "q.txt"
    batch.write_text("Sở Y tế chủ trì đề án nào\n\nbảng lương công chức loại A1 là bao nhiêu\nkinh phi de an lay tu dau\n", encoding="utf-8")
    assert main(["ask", "--json", "--batch", str(batch)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["question"] for line in lines] == ["Sở Y tế chủ trì đề án nào", "bảng lương công chức loại A1 là bao nhiêu", "kinh phi de an lay tu dau"]
    assert lines[1]["abstained"] is True and lines[0]["abstained"] is False


def test_answer_facts_on_the_dev_set_are_mostly_found(service: AnswerService) -> None:
    """A floor that guards against regressions; the measured rate is in docs/benchmarks.md."""
    questions = [q for q in load_gold() if q.fact and not q.out_of_scope]
    found = sum(normalize(q.fact) in normalize(service.answer(q.question, record=False).answer) for q in questions)
    assert found / len(questions) >= 0.85

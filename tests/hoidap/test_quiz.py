"""Quiz items generated from the shipped corpus and from small documents written here; checks taken and scored."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest

from core.errors import NotFound, QuizEmpty, QuizError
from core.settings import Settings
from corpus.ingest import Ingester
from corpus.store import Store
from cli import main as cli
from hoidap.quiz.generate import DOCNUMBER, generate, overlaps
from hoidap.quiz.model import SourceUnit
from hoidap.quiz.service import QuizService, fact_key
from hoidap.quiz.source import from_store

CONTRACT = {"id", "kind", "question", "options", "answer_index", "unit_id", "doc_id"}


@pytest.fixture(scope="module")
def shipped_items(corpus_store: Store):
    return generate(from_store(corpus_store))


def _ingest(settings: Settings) -> Store:
    store = Store(settings.db_path)
    assert not Ingester(store, settings).ingest_paths([settings.corpus_dir]).failed
    return store


def test_generate_json_count_50_prints_50_items_each_verbatim_from_its_unit(settings, capsys) -> None:
    store = _ingest(settings)
    assert cli.main(["quiz", "generate", "--json", "--count", "50"]) == 0
    printed = json.loads(capsys.readouterr().out)

    assert len(printed) == 50 and len({i["id"] for i in printed}) == 50
    assert {i["kind"] for i in printed} == {"mcq", "truefalse"}
    stored = {item.id: item for item in QuizService.from_settings(settings).items()}
    for item in printed:
        assert set(item) == CONTRACT
        unit = store.get_unit(item["unit_id"])
        assert unit.doc_id == item["doc_id"]
        options = item["options"]
        assert len(options) == (4 if item["kind"] == "mcq" else 2)
        assert len({o.casefold() for o in options}) == len(options), options
        assert 0 <= item["answer_index"] < len(options)
        fact = stored[item["id"]].fact
        assert fact in unit.text, (fact, unit.text)
        if item["kind"] == "mcq":
            assert options[item["answer_index"]] == fact and options[item["answer_index"]] in unit.text
        else:
            assert options == ["Đúng", "Sai"]
    assert all(item.status == "draft" for item in stored.values())


def test_the_shipped_corpus_gives_at_least_75_items_true_to_their_units(shipped_items) -> None:
    # short stems only (at most 200 characters, statements whole) and no legal-basis numbers: 80 items of 268
    assert len(shipped_items) >= 75
    assert len({i.id for i in shipped_items}) == len(shipped_items)
    kinds = {(i.kind, i.fact_kind) for i in shipped_items}
    assert {("mcq", "percent"), ("mcq", "agency"), ("mcq", "deadline"), ("truefalse", "percent"),
            ("truefalse", "agency"), ("truefalse", "deadline")} <= kinds
    for item in shipped_items:
        assert item.fact in item.unit_text
        if item.kind == "mcq":
            assert item.options[item.answer_index] == item.fact
            assert "____" in item.question or item.fact not in item.question  # the answer is never in the question
        else:
            # a true statement states the fact; a false one a distractor in its place
            value = item.extra["value"]
            assert value in item.question and (item.answer_index == 0) == (value == item.fact)


def test_a_10_item_check_has_short_stems_no_fact_twice_and_no_legal_basis_number(settings, corpus_store) -> None:
    quiz = QuizService.from_settings(settings)
    _, added = quiz.generate(from_store(corpus_store))
    quiz.set_status([item.id for item in added], "published")
    # the numbers of the documents named in the "Căn cứ" lines of the shipped documents
    bases = {number for doc in corpus_store.list_documents() for unit in corpus_store.units(doc["id"])
             if unit.text.lstrip().startswith("Căn cứ") for number in DOCNUMBER.findall(unit.text)}
    assert len(bases) >= 5
    for n in range(30):
        check = quiz.start(f"web:taker-{n}", channel="web", rng=random.Random(n))
        assert len(check.items) == 10
        facts = [fact_key(item) for item in check.items]
        assert len(set(facts)) == 10, [item.question for item in check.items]
        for item in check.items:
            assert len(item.question) <= 200, item.question
            assert item.fact_kind != "docnumber" and item.fact not in bases, item.question
            assert item.options[item.answer_index] not in bases
            if item.kind == "truefalse":
                assert "…" not in item.question, item.question  # a statement is whole
            # the document once, briefly: never its full citation
            assert item.question.count("Theo ") == 1 and "Quyết định ban hành" not in item.question


def test_a_deadline_distractor_never_overlaps_the_answer(shipped_items) -> None:
    for item in shipped_items:
        if item.kind == "mcq" and item.fact_kind == "deadline" and item.fact.startswith("Quý I/"):
            assert "Quý I, II/2022" not in item.options
            assert all(o == item.fact or "Quý I/" not in o for o in item.options)


PLAN = "plan-test"


def _unit(n: int, text: str, kind: str = "bullet") -> SourceUnit:
    return SourceUnit(f"{PLAN}.{n:03d}", PLAN, kind, f"mục I, ý {n}", text)


def test_an_item_whose_distractor_is_also_true_in_the_document_is_dropped() -> None:
    units = [
        _unit(1, "- Tối thiểu 30% cơ quan hành chính nhà nước được kiểm tra cải cách hành chính trong năm."),
        _unit(2, "- Tối thiểu 50% cơ quan hành chính nhà nước được kiểm tra cải cách hành chính trong năm."),
        _unit(3, "- 90% hồ sơ thủ tục hành chính được giải quyết đúng hạn."),
        _unit(4, "- 85% người dân hài lòng với sự phục vụ của cơ quan hành chính."),
        _unit(5, "- 70% hồ sơ công việc tại cấp huyện được xử lý trên môi trường mạng."),
    ]
    items = generate([(PLAN, "Kế hoạch thử nghiệm", units)])
    facts = {(i.unit_id, i.fact) for i in items}
    # "Tối thiểu 50% cơ quan … được kiểm tra" is also written: a question on the 30% would have two right answers
    assert not any(unit_id in (units[0].id, units[1].id) for unit_id, _ in facts)
    assert (units[2].id, "90%") in facts and (units[3].id, "85%") in facts
    [mcq] = [i for i in items if i.unit_id == units[2].id and i.kind == "mcq"]
    assert sorted(mcq.options) == ["30%", "50%", "85%", "90%"] or "70%" in mcq.options
    assert mcq.options[mcq.answer_index] == "90%" and "____" in mcq.question


def test_a_table_task_led_by_two_agencies_in_two_rows_gives_no_agency_item() -> None:
    row = "Nhiệm vụ: {task}; Cơ quan chủ trì: {lead}; Cơ quan phối hợp: Các sở, ngành; Thời gian thực hiện: {when}"
    units = [
        _unit(1, row.format(task="Tập huấn nghiệp vụ một cửa", lead="Sở Nội vụ", when="Quý I"), "table_row"),
        _unit(2, row.format(task="Tập huấn nghiệp vụ một cửa", lead="Sở Tư pháp", when="Quý II"), "table_row"),
        _unit(3, row.format(task="Số hóa hồ sơ lưu trữ", lead="Văn phòng UBND tỉnh", when="Quý III"), "table_row"),
        _unit(4, row.format(task="Khảo sát sự hài lòng", lead="Sở Y tế", when="Quý IV"), "table_row"),
        _unit(5, row.format(task="Kiểm tra công vụ", lead="Thanh tra tỉnh", when="Quý II, III"), "table_row"),
    ]
    items = generate([(PLAN, "Kế hoạch thử nghiệm", units)])
    about = {(i.unit_id, i.fact_kind) for i in items}
    assert (units[0].id, "agency") not in about and (units[1].id, "agency") not in about
    assert (units[0].id, "deadline") not in about  # the same task is also due in Quý II
    [agency] = [i for i in items if i.unit_id == units[2].id and i.fact_kind == "agency" and i.kind == "mcq"]
    assert agency.options[agency.answer_index] == "Văn phòng UBND tỉnh"
    assert "Số hóa hồ sơ lưu trữ" in agency.question
    [when] = [i for i in items if i.unit_id == units[3].id and i.fact_kind == "deadline" and i.kind == "mcq"]
    assert when.options[when.answer_index] == "Quý IV"
    # "Quý II" and "Quý II, III" are never offered together: both would be right for a task due in Quý II
    assert not any(overlaps("deadline", a, b) for a, b in itertools.combinations(when.options, 2)), when.options


# --- the service ---------------------------------------------------------------------------------


@pytest.fixture
def service(settings: Settings, corpus_store: Store) -> QuizService:
    quiz = QuizService.from_settings(settings)
    quiz.generate(from_store(corpus_store), 60)
    return quiz


def test_no_check_before_an_item_is_published(service: QuizService) -> None:
    with pytest.raises(QuizEmpty):
        service.start("web:a", channel="web")


def test_a_check_is_answered_scored_and_results_counted(service: QuizService) -> None:
    service.set_status([i.id for i in service.items("draft")[:12]], "published")
    check = service.start("tg:42", channel="telegram", agency="Sở Nội vụ")
    assert len(check.items) == 10 and len({i.id for i in check.items}) == 10
    first, second = check.items[0], check.items[1]
    right = service.answer(check.id, first.id, first.answer_index)
    wrong = service.answer(check.id, second.id, (second.answer_index + 1) % len(second.options))
    assert right.correct and not wrong.correct
    again = service.answer(check.id, second.id, second.answer_index)
    assert not again.correct, "the first answer stands"
    score = service.check(check.id).score()
    assert (score["answered"], score["correct"], score["total"], score["finished"]) == (2, 1, 10, False)
    assert service.open_check("tg:42", "telegram").id == check.id
    assert service.results("agency") == [{"key": "Sở Nội vụ", "taken": 2, "correct": 1, "share": 0.5}]
    by_item = service.results("item")
    assert by_item[0]["key"] == second.id and by_item[0]["share"] == 0.0 and by_item[0]["question"] == second.question
    assert service.results_csv("agency").splitlines() == ["key,taken,correct,share", "Sở Nội vụ,2,1,0.5"]
    stored = (Path(service.bank.path)).read_bytes()
    assert b"tg:42" not in stored, "persons are stored as keyed hashes"


def test_a_check_is_weighted_to_what_the_person_got_wrong(service: QuizService) -> None:
    published = service.set_status([i.id for i in service.items("draft")[:5]], "published")
    check = service.start("zalo:7", channel="zalo", count=5)
    missed = check.items[0]
    for item in check.items:
        service.answer(check.id, item.id, item.answer_index if item is not missed else
                       (item.answer_index + 1) % len(item.options))
    rng = random.Random(3)
    drawn = [service.start("zalo:7", channel="zalo", count=1, rng=rng).items[0].id for _ in range(300)]
    counts = {item.id: drawn.count(item.id) for item in published}
    assert counts[missed.id] > 2 * max(n for item_id, n in counts.items() if item_id != missed.id)
    other = [service.start("zalo:8", channel="zalo", count=1, rng=rng).items[0].id for _ in range(300)]
    assert other.count(missed.id) < 2 * min(other.count(i.id) for i in published), "another person has no history"


@pytest.mark.parametrize(("changes", "code"), [
    ({"options": ["a", "b", "c"]}, "invalid_options"),
    ({"options": ["a", "b", "B", "c"]}, "duplicate_options"),
    ({"answer_index": 4}, "invalid_answer_index"),
    ({"status": "archived"}, "invalid_status"),
    ({"question": "  "}, "empty_question"),
])
def test_bad_edits_are_refused_and_nothing_changes(service: QuizService, changes: dict, code: str) -> None:
    item = next(i for i in service.items() if i.kind == "mcq")
    with pytest.raises(QuizError) as error:
        service.update(item.id, **changes)
    assert error.value.code == code
    assert service.bank.get(item.id) == item


def test_edits_publish_and_retire(service: QuizService) -> None:
    item = next(i for i in service.items() if i.kind == "mcq")
    edited = service.update(item.id, question="Câu hỏi đã sửa?", options=list(reversed(item.options)),
                            answer_index=3 - item.answer_index, status="published")
    assert service.bank.get(item.id) == edited and edited.options[edited.answer_index] == item.fact
    assert [i.id for i in service.items("published")] == [item.id]
    service.set_status([item.id], "retired")
    assert service.items("published") == [] and service.items("retired")[0].id == item.id
    with pytest.raises(NotFound):
        service.update("q-missing", status="published")


def test_cli_publish_list_and_retire(settings: Settings, capsys) -> None:
    _ingest(settings)
    assert cli.main(["quiz", "generate", "--count", "6"]) == 0
    capsys.readouterr()
    assert cli.main(["quiz", "publish", "--all"]) == 0
    assert cli.main(["quiz", "list", "--status", "published", "--json"]) == 0
    published = json.loads(capsys.readouterr().out)
    assert len(published) == 6 and all(i["status"] == "published" and i["citation"] for i in published)
    assert cli.main(["quiz", "retire", published[0]["id"]]) == 0
    assert cli.main(["quiz", "list", "--status", "retired", "--json"]) == 0
    assert [i["id"] for i in json.loads(capsys.readouterr().out)] == [published[0]["id"]]
    assert cli.main(["quiz", "publish", "q-missing"]) == 1
    assert "không có câu hỏi mã 'q-missing'" in capsys.readouterr().err


def test_a_false_statement_is_never_implied_by_a_lower_bound() -> None:
    units = [
        _unit(1, "- Tỷ lệ hồ sơ giải quyết trực tuyến đạt trên 80%."),
        _unit(2, "- 60% người dân sử dụng dịch vụ công trực tuyến."),
        _unit(3, "- 70% cán bộ được bồi dưỡng."),
        _unit(4, "- 75% xã đạt chuẩn."),
    ]
    items = generate([(PLAN, "Kế hoạch thử nghiệm", units)])
    [statement] = [i for i in items if i.unit_id == units[0].id and i.kind == "truefalse"]
    # "trên 80%" makes "trên 70%" true as well: the statement is either the true one or uses no lower share
    assert statement.answer_index == 0 or float(statement.extra["value"].rstrip("%")) > 80


def test_a_task_that_names_its_lead_department_gives_no_agency_item() -> None:
    row = "Nhiệm vụ: {task}; Cơ quan chủ trì: {lead}; Thời gian thực hiện: 2030"
    units = [_unit(n, row.format(task=task, lead=lead), "table_row") for n, (task, lead) in enumerate([
        ("Đề án phát triển du lịch cộng đồng", "Sở Văn hóa, Thể thao và Du lịch"),
        ("Xây dựng cơ sở dữ liệu TN&MT", "Sở Tài nguyên và Môi trường"),
        ("Đo lường sự hài lòng với dịch vụ y tế công", "Sở Y tế"),
        ("Rà soát thủ tục hành chính nội bộ", "Văn phòng UBND tỉnh"),
        ("Kiểm tra công vụ", "Sở Nội vụ"),
        ("Xây dựng hệ thống dữ liệu cán bộ", "Sở: TNMT, Xây dựng, Y tế, Nội vụ"),
    ], 1)]
    items = generate([(PLAN, "Kế hoạch thử nghiệm", units)])
    led = {i.unit_id for i in items if i.fact_kind == "agency"}
    assert led == {units[3].id, units[4].id}
    assert not any("Sở: TNMT" in o for i in items for o in i.options), "a list of departments is never an option"


def test_the_schedule_setting_is_read_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime

    from pydantic import ValidationError

    from hoidap.quiz.schedule import parse

    monday_9am = datetime(2026, 11, 23, 9, 0)
    assert parse("every 30m").next_after(monday_9am) == datetime(2026, 11, 23, 9, 30)
    assert parse("daily 08:00").next_after(monday_9am) == datetime(2026, 11, 24, 8, 0)
    assert parse("wed 07:15").next_after(monday_9am) == datetime(2026, 11, 25, 7, 15)
    assert parse("mon 09:00").next_after(monday_9am) == datetime(2026, 11, 30, 9, 0)
    assert parse("") is None
    with pytest.raises(ValueError, match="25:00"):
        parse("daily 25:00")
    monkeypatch.setenv("HOIDAP_QUIZ_SCHEDULE", "Daily  08:00")
    assert Settings().quiz_schedule == "daily 08:00"
    monkeypatch.setenv("HOIDAP_QUIZ_SCHEDULE", "every monday")
    with pytest.raises(ValidationError, match="'every 30m'"):
        Settings()

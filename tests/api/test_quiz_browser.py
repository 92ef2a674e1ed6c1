"""The widget's "Kiểm tra kiến thức" tab in Debian chromium against the real app: a 10-item check taken to its
score, with the answer and the cited clause shown after each item."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from core.settings import Settings
from corpus.store import Store
from hoidap.quiz.service import QuizService
from hoidap.quiz.source import from_store
from tests.api.test_widget_browser import ARTIFACTS, chromium  # noqa: F401  (the browser fixture)
from tests.live import serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def quiz_live(indexed_settings: Settings, tmp_path_factory):
    """The app over a copy of the indexed corpus, with 14 published quiz items."""
    data = tmp_path_factory.mktemp("quiz-browser") / "data"
    shutil.copytree(indexed_settings.data_dir, data)
    settings = indexed_settings.model_copy(update={"data_dir": data})
    service = QuizService.from_settings(settings)
    _, added = service.generate(from_store(Store(settings.db_path)), 14)
    service.set_status([item.id for item in added], "published")
    with serve(settings) as (base, app):
        yield base, service


def test_take_a_10_item_check_and_see_the_score_and_the_cited_clauses(chromium, quiz_live):  # noqa: F811
    base, service = quiz_live
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + "/")
    page.get_by_test_id("hoidap-open").click()
    tab = page.get_by_role("tab", name="Kiểm tra kiến thức")
    expect(tab).to_have_attribute("aria-selected", "false")
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("hoidap-input")).to_be_hidden()  # the chat is on its own tab

    page.get_by_test_id("hoidap-quiz-agency").fill("Sở Nội vụ")
    with page.expect_response(lambda r: r.url.endswith("/api/quiz/start")) as started:
        page.get_by_test_id("hoidap-quiz-start").click()
    check = started.value.json()
    assert len(check["items"]) == 10
    bank = {item.id: item for item in service.items("published")}

    for n, shown in enumerate(check["items"]):
        item = bank[shown["id"]]
        expect(page.get_by_test_id("hoidap-quiz-progress")).to_have_text(f"Câu {n + 1}/10")
        expect(page.get_by_test_id("hoidap-quiz-question")).to_have_text(item.question)
        options = page.get_by_test_id("hoidap-quiz-option")
        expect(options).to_have_count(len(item.options))
        choice = item.answer_index if n % 2 == 0 else (item.answer_index + 1) % len(item.options)
        options.nth(choice).click()
        verdict = page.get_by_test_id("hoidap-quiz-verdict")
        if n % 2 == 0:
            expect(verdict).to_have_text("✓ Chính xác!")
        else:
            right = item.options[item.answer_index]
            expect(verdict).to_have_text(f"✗ Chưa đúng. Đáp án đúng: {'ABCD'[item.answer_index]}. {right}")
        clause = page.get_by_test_id("hoidap-quiz-clause")
        expect(clause).to_have_attribute("data-unit-id", item.unit_id)
        expect(clause).to_contain_text(item.unit_text)
        expect(clause).to_contain_text(item.citation)
        assert item.fact in clause.inner_text()
        expect(clause.get_by_role("link", name="Đọc trong văn bản")).to_have_attribute(
            "href", f"{base}/doc/{item.doc_id}#{item.unit_id}")
        if n == 1:  # an item answered wrongly: the right option, the verdict and the start of its clause
            ARTIFACTS.mkdir(exist_ok=True)
            page.get_by_test_id("hoidap-quiz").evaluate("box => { box.scrollTop = 0; }")
            page.screenshot(path=str(ARTIFACTS / "widget-quiz.png"))
        page.get_by_test_id("hoidap-quiz-next").click()

    expect(page.get_by_test_id("hoidap-quiz-score")).to_have_text("Bạn trả lời đúng 5/10 câu.")
    summary = page.get_by_test_id("hoidap-quiz-summary-item")
    expect(summary).to_have_count(10)
    for n, shown in enumerate(check["items"]):
        expect(summary.nth(n)).to_contain_text(bank[shown["id"]].unit_text)
        expect(summary.nth(n)).to_contain_text(("✓ " if n % 2 == 0 else "✗ ") + bank[shown["id"]].question)
    page.screenshot(path=str(ARTIFACTS / "widget-quiz-score.png"))
    assert service.results("agency") == [{"key": "Sở Nội vụ", "taken": 10, "correct": 5, "share": 0.5}]

    # the chat tab still answers
    page.get_by_role("tab", name="Hỏi đáp").click()
    page.get_by_test_id("hoidap-input").fill("Kinh phí thực hiện đề án lấy từ đâu?")
    page.get_by_test_id("hoidap-send").click()
    expect(page.get_by_test_id("hoidap-answer").last).to_contain_text("ngân sách", timeout=60_000)
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"

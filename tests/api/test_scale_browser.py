"""The library and the widget at the size of a real province, in Debian chromium (Playwright) at phone (390×844)
and desktop (1366×900) size, against the real app over documents written here (the hashing embedder: the
model is not the point)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pydantic import SecretStr

from core.settings import Settings
from corpus.ingest import Ingester
from corpus.store import Store
from index.build import IndexBuilder
from index.model.embedder import Embedder
from tests.api.test_widget_browser import ARTIFACTS, FOCUSED, chromium  # noqa: F401 (fixture)
from tests.corpus.test_relations import NEW, OLD
from tests.live import serve

pytestmark = pytest.mark.browser

KEY = "browser-scale-key-0123456789abcdef"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SIZES = pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
DOCS = Path(__file__).resolve().parents[2] / "docs"

SUBJECT = "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tỉnh Nghệ An năm 2025"  # under "KẾ HOẠCH"


def plan(number: str, title: str, issued: str = "ngày 20 tháng 12 năm 2024", duty: str = "rà soát hồ sơ",
         rate: int = 80) -> str:
    """A small plan: a duty and four targets (what quiz items are made of)."""
    return f"""ỦY BAN NHÂN DÂN
TỈNH NGHỆ AN

Số: {number}
Nghệ An, {issued}

KẾ HOẠCH
{title}

I. MỤC TIÊU

1. Sở Nội vụ chủ trì {duty} của các sở, ngành.
2. {rate}% hồ sơ thủ tục hành chính được số hóa khi tiếp nhận.
3. {rate - 25}% thủ tục hành chính được giải quyết trực tuyến toàn trình.
4. {rate + 10}% người dân hài lòng với việc giải quyết thủ tục hành chính.
5. {rate - 40}% cán bộ một cửa được bồi dưỡng kỹ năng số.
"""


def write_province(folder: Path, fillers: int) -> None:
    """``fillers`` Nghệ An plans about records ("hồ sơ"), one about digitising them, a decision and the one that
    replaces it."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(fillers):
        (folder / f"kh-{i:04d}.txt").write_text(plan(f"{1000 + i}/KH-UBND", f"Cải cách hồ sơ hành chính đợt {i} "
                                                     f"tỉnh Nghệ An năm {2020 + i % 6}", duty=f"rà soát hồ sơ nhóm {i}",
                                                     rate=50 + i % 40),
                                                encoding="utf-8")
    (folder / "kh-so-hoa.txt").write_text(plan("245/KH-UBND", SUBJECT,
                                               duty="số hóa hồ sơ"), encoding="utf-8")
    (folder / "qd-12.txt").write_text(OLD, encoding="utf-8")
    (folder / "qd-45.txt").write_text(NEW, encoding="utf-8")


def build(folder: Path, fillers: int) -> Settings:
    """Settings over an index of ``fillers + 3`` documents; answers are given whatever the (hashing) scores."""
    settings = Settings(data_dir=folder / "data", model="hashing", admin_keys=[SecretStr(KEY)],
                        rate_limit_per_minute=100_000, answerability_model="none", abstain_threshold=0.0,
                        abstain_min_coverage=0.0)
    write_province(folder / "docs", fillers)
    store = Store(settings.db_path)
    report = Ingester(store, settings).ingest_paths([folder / "docs"])
    assert not report.failed, [r.reason for r in report.failed]
    IndexBuilder(settings, store, Embedder.from_settings(settings)).build()
    store.close()
    return settings


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    """The app over 200 documents."""
    with serve(build(tmp_path_factory.mktemp("province"), 197)) as running:
        yield running


@pytest.fixture
def open_page(chromium):  # noqa: F811
    contexts, errors = [], []

    def make(size: dict):
        context = chromium.new_context(viewport=size, locale="vi-VN", is_mobile=size is PHONE, has_touch=size is PHONE)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def fits(page, size: dict) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= size["width"], f"the page is {width}px wide in a {size['width']}px window"


# --- the library ---------------------------------------------------------------------------------


@SIZES
def test_a_whole_word_search_finds_the_one_document_among_200(open_page, province, size):
    base, _ = province
    page = open_page(size)
    page.goto(base + "/vanban")
    docs = page.get_by_test_id("lib-doc")
    expect(page.get_by_test_id("lib-count")).to_have_text("50 / 200 văn bản khớp")
    expect(docs).to_have_count(50)
    page.get_by_test_id("lib-more").click()
    expect(docs).to_have_count(100)
    # "hoa" is a word (hóa), not the start of "hoạch": every plan here is about "hồ sơ" in Nghệ An, one digitises them
    page.get_by_test_id("lib-search").fill("so hoa ho so nghe an")
    expect(page.get_by_test_id("lib-count")).to_have_text("1 văn bản khớp")
    expect(docs).to_have_count(1)
    expect(docs.first).to_have_attribute("data-doc-id", "kh-so-hoa")
    # the year it is about, with the issue date beside it (issued in December 2024 for 2025)
    expect(docs.first.get_by_test_id("lib-year-badge")).to_have_text("Năm 2025")
    expect(docs.first).to_contain_text("ban hành 20/12/2024")
    assert page.url.endswith("?q=so+hoa+ho+so+nghe+an")
    page.get_by_test_id("lib-search").fill("245")  # by number
    expect(docs).to_have_count(1)
    expect(docs.first).to_have_attribute("data-doc-id", "kh-so-hoa")
    page.get_by_test_id("lib-search").fill("")
    page.get_by_test_id("lib-year").select_option("2025")
    expect(page.get_by_test_id("lib-count")).to_contain_text(" văn bản khớp")
    assert all(badge.inner_text() == "Năm 2025" for badge in page.get_by_test_id("lib-year-badge").all())
    fits(page, size)
    if size is DESKTOP:
        page.get_by_test_id("lib-search").fill("so hoa ho so")
        expect(docs).to_have_count(1)
        page.screenshot(path=str(DOCS / "library.png"), full_page=True)


@SIZES
def test_a_replaced_document_links_to_the_one_that_replaces_it(open_page, province, size):
    base, _ = province
    page = open_page(size)
    page.goto(base + "/vanban?inforce=no")
    docs = page.get_by_test_id("lib-doc")
    expect(docs).to_have_count(1)
    old = docs.first
    expect(old).to_have_attribute("data-doc-id", "qd-12")
    validity = old.get_by_test_id("lib-validity")
    expect(validity).to_contain_text("Đã được thay thế bởi")
    expect(validity).not_to_contain_text("[object Object]")
    successor = validity.get_by_role("link")
    expect(successor).to_have_text(re.compile(r"^Quyết định số 45/QĐ-UBND"))
    expect(successor).to_have_attribute("href", "/vanban/qd-45")
    fits(page, size)
    successor.click()
    expect(page).to_have_url(re.compile(r"/vanban/qd-45$"))
    expect(page.locator("#title")).to_contain_text("Quy chế tiếp nhận hồ sơ")
    # a document that is not there says so, with the way back
    page.goto(base + "/vanban/khong-co-van-ban-nay")
    expect(page.locator("#status")).to_contain_text("Không có văn bản này trong thư viện")
    back = page.get_by_test_id("doc-back")
    expect(back).to_have_attribute("href", "/vanban")
    back.click()
    expect(page.get_by_test_id("lib-doc")).to_have_count(50)


# --- the widget ----------------------------------------------------------------------------------


def open_widget(page, base: str):
    page.goto(base + "/")
    page.get_by_test_id("hoidap-open").click()
    expect(page.get_by_test_id("hoidap-panel")).to_be_visible()


@SIZES
def test_a_question_over_the_limit_is_refused_with_the_limit_and_kept_in_the_box(open_page, province, size):
    base, _ = province
    page = open_page(size)
    open_widget(page, base)
    long_question = ("Cơ quan nào chủ trì rà soát hồ sơ của các sở, ngành theo kế hoạch cải cách hành chính "
                     "của tỉnh Nghệ An, và ") * 8
    long_question = long_question[:768].rstrip() + "?"
    box = page.get_by_test_id("hoidap-input")
    box.fill(long_question)
    expect(box).to_have_value(long_question)  # pasted whole: nothing is cut without a word
    with page.expect_response(lambda r: r.url.endswith("/api/ask")) as response:
        page.get_by_test_id("hoidap-send").click()
    assert response.value.json()["error"]["code"] == "question_too_long"
    error = page.get_by_test_id("hoidap-error")
    expect(error).to_contain_text(f"Câu hỏi dài {len(long_question)} ký tự, vượt giới hạn 500 ký tự")
    expect(box).to_have_value(long_question)  # to be shortened, not typed again
    expect(page.get_by_test_id("hoidap-reply")).to_have_count(0)


@SIZES
def test_after_a_network_error_the_question_stays_and_a_retry_sends_it(open_page, province, size):
    base, _ = province
    page = open_page(size)
    open_widget(page, base)
    question = "Cơ quan nào chủ trì số hóa hồ sơ của các sở, ngành?"
    page.route("**/api/ask", lambda route: route.abort("internetdisconnected"))
    page.get_by_test_id("hoidap-input").fill(question)
    page.get_by_test_id("hoidap-send").click()
    expect(page.get_by_test_id("hoidap-error")).to_contain_text("Không kết nối được máy chủ hỏi đáp")
    expect(page.get_by_test_id("hoidap-input")).to_have_value(question)
    retry = page.get_by_role("button", name="Gửi lại câu hỏi")
    expect(retry).to_be_visible()
    page.unroute("**/api/ask")
    with page.expect_request(lambda r: r.url.endswith("/api/ask")) as sent:
        retry.click()
    assert sent.value.post_data_json["question"] == question and sent.value.post_data_json["channel"] == "widget"
    reply = page.get_by_test_id("hoidap-reply")
    expect(reply).to_have_count(1)
    expect(page.get_by_test_id("hoidap-error")).to_have_count(0)
    # the asker's own message is labelled; the citation buttons are named by their words, not by "▸"
    user = page.get_by_test_id("hoidap-user-message")
    expect(user).to_have_count(1)  # the retry did not repeat it… nor lose it
    expect(user).to_have_text("Bạn hỏi: " + question)
    for toggle in reply.get_by_test_id("hoidap-citation-toggle").all():
        name = toggle.evaluate("b => b.innerText")
        assert "▸" not in name and "▾" not in name and name.startswith("[")
    if size is PHONE:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "widget-retry-phone.png"))


def test_the_phone_dialog_is_modal_and_keeps_the_focus(open_page, province):
    base, _ = province
    page = open_page(PHONE)
    open_widget(page, base)
    dialog = page.get_by_role("dialog", name="Hỏi đáp CCHC")
    expect(dialog).to_have_attribute("aria-modal", "true")
    box = page.get_by_test_id("hoidap-panel").bounding_box()
    assert box == {"x": 0, "y": 0, "width": PHONE["width"], "height": PHONE["height"]}
    reached = []
    for key in ["Tab"] * 12 + ["Shift+Tab"] * 12:
        page.keyboard.press(key)
        reached.append(page.evaluate(FOCUSED))
    # never the page behind it, never the launcher the dialog covers
    assert "hoidap-open" not in reached and all(r and r.startswith(("hoidap-", "button", "input", "a")) for r in reached), reached
    assert {"hoidap-close", "hoidap-input", "hoidap-send"} <= set(reached)
    desktop = open_page(DESKTOP)
    open_widget(desktop, base)
    expect(desktop.get_by_role("dialog", name="Hỏi đáp CCHC")).to_have_attribute("aria-modal", "false")


def test_the_library_answers_a_page_in_well_under_a_second(province):
    import httpx

    base, _ = province
    started = time.perf_counter()
    for offset in (0, 50, 100, 150):
        page = httpx.get(base + "/api/library", params={"q": "ho so", "sort": "title", "offset": offset}).json()
        assert page["total"] == 200 and len(page["items"]) == 50  # every document here is about "hồ sơ"
    assert time.perf_counter() - started < 2.0

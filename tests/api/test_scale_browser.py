"""The library and the widget at the size of a real province, in Debian chromium (Playwright) at phone (390×844)
and desktop (1366×900) size, against the real app over documents written here (the hashing embedder: the
model is not the point)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pydantic import SecretStr

from core.settings import Settings
from corpus.ingest import Ingester
from corpus.store import Store
from index.build import IndexBuilder
from index.model.embedder import Embedder
from tests.api.test_widget_browser import ARTIFACTS, FOCUSED, WAIT_MS, chromium, watched_pages  # noqa: F401 (fixture)
from tests.corpus.test_relations import NEW, OLD
from tests.live import serve

pytestmark = pytest.mark.browser

KEY = "browser-scale-key-0123456789abcdef"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SIZES = pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])

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
    yield from watched_pages(chromium, lambda size: {"viewport": size, "is_mobile": size is PHONE,
                                                     "has_touch": size is PHONE})


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
        page.screenshot(path=str(ARTIFACTS / "library.png"), full_page=True)


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
    toggles = reply.get_by_test_id("hoidap-citation-toggle")
    assert toggles.count() >= 1
    for toggle in toggles.all():  # the accessible name, generated content included
        expect(toggle).to_have_accessible_name(re.compile(r"^\[\d+\] [^▸▾]+$"))
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


def test_the_library_is_read_a_page_at_a_time(province):
    import httpx

    base, _ = province
    seen: list[str] = []
    for offset in (0, 50, 100, 150):
        page = httpx.get(base + "/api/library", params={"q": "ho so", "sort": "title", "offset": offset}).json()
        assert page["total"] == 200 and len(page["items"]) == 50  # every document here is about "hồ sơ"
        seen += [item["id"] for item in page["items"]]
    assert len(set(seen)) == 200  # four pages, no document twice (speed: eval benchmarks, not tests)


# --- the console at 2,000 documents ----------------------------------------------------------------

ADMIN = {"X-API-Key": KEY}
ZONE = "Asia/Ho_Chi_Minh"  # the officers' local time (UTC+7): what the console shows


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """The app over 2,000 documents."""
    with serve(build(tmp_path_factory.mktemp("big-province"), 1997)) as running:
        yield running


@pytest.fixture
def console(chromium, big):  # noqa: F811
    """A signed-in console page at a given size, in the officers' time zone."""
    contexts, errors = [], []

    def make(size: dict, tab: str = ""):
        context = chromium.new_context(viewport=size, locale="vi-VN", timezone_id=ZONE, is_mobile=size is PHONE,
                                       has_touch=size is PHONE)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(big[0] + "/admin")
        page.get_by_test_id("console-key").fill(KEY)
        page.get_by_test_id("console-signin").click()
        expect(page.get_by_test_id("console-docs").locator("tbody tr")).to_have_count(50)
        if tab:
            page.goto(big[0] + "/admin#" + tab)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def local(epoch: float, pattern: str = "%H:%M:%S %d/%m/%Y") -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.fromtimestamp(epoch, ZoneInfo(ZONE)).strftime(pattern)


@SIZES
def test_the_console_pages_searches_and_sorts_2000_documents_on_the_server(console, size):
    page = console(size)
    rows = page.get_by_test_id("console-docs").locator("tbody tr")
    expect(page.get_by_test_id("console-docs-count")).to_have_text("1–50 / 2.000 văn bản")
    expect(page.get_by_test_id("console-docs-pager-at")).to_have_text("Trang 1/40")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 30_000, f"one page of 50 documents is {height}px tall"
    with page.expect_response(lambda r: "/api/library?" in r.url) as served:
        page.get_by_test_id("console-docs-pager-next").click()
    assert "offset=50" in served.value.url and "limit=50" in served.value.url  # paged by the server
    expect(page.get_by_test_id("console-docs-pager-at")).to_have_text("Trang 2/40")
    expect(page.get_by_test_id("console-docs-count")).to_have_text("51–100 / 2.000 văn bản")
    page.get_by_test_id("console-docs-sort").select_option("id")
    expect(rows.first).to_have_attribute("data-doc-id", "kh-0000")
    page.get_by_test_id("console-docs-search").fill("so hoa ho so nghe an")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-doc-id", "kh-so-hoa")
    expect(page.get_by_test_id("console-docs-count")).to_have_text("1 văn bản")
    page.get_by_test_id("console-docs-search").fill("1999")  # a number: whole words, not "11999" nor "19990"
    expect(rows.first).to_have_attribute("data-doc-id", "kh-0999")
    fits(page, size)
    if size is DESKTOP:
        page.get_by_test_id("console-docs-search").fill("")
        page.get_by_test_id("console-docs-sort").select_option("relevance")
        expect(rows).to_have_count(50)
        page.screenshot(path=str(ARTIFACTS / "console-documents.png"))
    else:
        page.screenshot(path=str(ARTIFACTS / "console-phone.png"))


@SIZES
def test_two_copies_in_the_trash_are_told_apart_in_local_time(console, big, size):
    import httpx

    base, _ = big
    doc_id = f"tuyen-truyen-{size['width']}"
    text = "KẾ HOẠCH\nTuyên truyền cải cách hành chính năm 2026\nI. MỤC TIÊU\n1. Sở Nội vụ chủ trì {what}.\n"
    for n, what in enumerate([f"hội thi cụm {size['width']}", f"tọa đàm cụm {size['width']}"]):
        sent = httpx.put(f"{base}/api/admin/documents/{doc_id}", headers=ADMIN, timeout=300,
                         files={"file": (f"{doc_id}-ban-{n + 1}.txt", text.format(what=what).encode(), "text/plain")})
        assert sent.status_code in (200, 201), sent.text
    assert httpx.delete(f"{base}/api/admin/documents/{doc_id}", headers=ADMIN, timeout=300).status_code == 200
    deleted, replaced = [e for e in httpx.get(base + "/api/admin/trash", headers=ADMIN).json() if e["doc_id"] == doc_id]

    page = console(size)
    rows = page.locator(f"[data-testid=console-trash-row][data-doc-id='{doc_id}']")
    expect(rows).to_have_count(2)
    first, second = rows.nth(0), rows.nth(1)
    # the same id and title, told apart by their file, upload time and how they left
    expect(first.get_by_test_id("console-trash-copy")).to_have_text(
        f"Tệp {doc_id}-ban-2.txt, tải lên lúc {local(deleted['uploaded_at'])}, {deleted['units']} đoạn")
    expect(first.get_by_test_id("console-trash-left")).to_have_text(f"Đã xóa lúc {local(deleted['trashed_at'])}")
    expect(second.get_by_test_id("console-trash-copy")).to_contain_text(f"Tệp {doc_id}-ban-1.txt")
    expect(second.get_by_test_id("console-trash-left")).to_have_text(
        f"Bị thay thế lúc {local(replaced['trashed_at'])} bằng tệp {doc_id}-ban-2.txt "
        f"(tải lên lúc {local(replaced['by']['uploaded_at'])})")
    for row in (first, second):
        assert "+00:00" not in row.inner_text() and not re.search(r"\d{4}-\d{2}-\d{2}T", row.inner_text())
        restore = row.get_by_test_id("console-trash-restore")
        box = restore.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= size["width"], box  # never cut off
    fits(page, size)
    second.get_by_test_id("console-trash-restore").click()
    expect(page.get_by_test_id("console-upload-result")).to_have_text(
        f"Đã khôi phục văn bản {doc_id} (bản tải lên lúc {local(replaced['uploaded_at'])}): {replaced['units']} đoạn.",
        timeout=WAIT_MS)  # the index of 2,000 documents is updated first
    assert "chỉ mục" not in page.get_by_test_id("console-upload-result").inner_text()  # no index version ids
    assert httpx.get(f"{base}/api/documents/{doc_id}").json()["outline"][-1]["text"].endswith(f"hội thi cụm {size['width']}.")


@SIZES
def test_quiz_drafts_are_paged_and_published_in_bulk(console, big, size):
    import httpx

    base, _ = big
    httpx.post(base + "/api/admin/quiz/generate", headers=ADMIN, json={"count": 120}, timeout=300).raise_for_status()
    before = httpx.get(base + "/api/admin/quiz/items", headers=ADMIN, params={"status": "published"}).json()["total"]
    drafts = httpx.get(base + "/api/admin/quiz/items", headers=ADMIN, params={"status": "draft", "limit": 20}).json()
    assert drafts["total"] > 40
    page = console(size, "kiemtra")
    cards = page.get_by_test_id("console-quiz-item")
    expect(cards).to_have_count(20)
    expect(page.get_by_test_id("console-quiz-count")).to_have_text(f"1–20 / {drafts['total']} câu hỏi")
    assert [c.get_attribute("data-item-id") for c in cards.all()] == [i["id"] for i in drafts["items"]]
    assert all(len(item["question"]) <= 200 for item in drafts["items"])  # short stems: a page is not 110,000 px
    page.get_by_test_id("console-quiz-select-page").check()
    expect(page.get_by_test_id("console-quiz-selected")).to_have_text("Đã chọn 20 câu")
    with page.expect_request(lambda r: r.url.endswith("/api/admin/quiz/items/status")) as sent:
        page.get_by_test_id("console-quiz-bulk-publish").click()
    assert sorted(sent.value.post_data_json["ids"]) == sorted(i["id"] for i in drafts["items"])
    expect(page.get_by_test_id("console-flash")).to_have_text("Đã phát hành 20 câu hỏi.")  # one click, one reload
    published = httpx.get(base + "/api/admin/quiz/items", headers=ADMIN, params={"status": "published"}).json()
    assert published["total"] == before + 20
    assert {i["id"] for i in drafts["items"]} <= {i["id"] for i in published["items"]}
    expect(page.get_by_test_id("console-quiz-count")).to_have_text(f"1–20 / {drafts['total'] - 20} câu hỏi")
    page.get_by_test_id("console-quiz-status").select_option("published")
    expect(page.get_by_test_id("console-quiz-count")).to_contain_text(f"{published['total']} câu hỏi")
    fits(page, size)


@SIZES
def test_the_results_chart_counts_two_spellings_of_an_agency_as_one(console, big, size):
    import httpx

    base, _ = big
    if not httpx.get(base + "/api/admin/quiz/items", headers=ADMIN, params={"status": "published"}).json()["total"]:
        made = httpx.post(base + "/api/admin/quiz/generate", headers=ADMIN, json={"count": 10}, timeout=300).json()
        httpx.post(base + "/api/admin/quiz/items/status", headers=ADMIN,
                   json={"ids": [i["id"] for i in made["items"]], "status": "published"}).raise_for_status()
    town = "Nghi Lộc" if size is PHONE else "Diễn Châu"
    listed = f"Ủy ban nhân dân huyện {town}"
    spellings = [f"Phòng Nội vụ huyện {town}", f"phòng nội vụ  huyện {town.lower()}", f"UBND huyện {town}",
                 f"Uỷ ban nhân dân huyện {town}"]
    for n, agency in enumerate(spellings):
        check = httpx.post(base + "/api/quiz/start", json={"client_id": f"agency-{size['width']}-{n}", "agency": agency,
                                                           "count": 2}).json()
        for item in check["items"]:
            httpx.post(f"{base}/api/quiz/{check['check_id']}/answer", json={"item_id": item["id"], "choice": 0})

    page = console(size, "ketqua")
    # the admin keeps the list: the People's Committee under its full name
    page.get_by_test_id("console-agencies").fill(listed)
    page.get_by_test_id("console-agencies-save").click()
    expect(page.get_by_test_id("console-flash")).to_have_text("Đã lưu danh sách 1 cơ quan, đơn vị.")
    chart = page.get_by_test_id("console-results-chart")
    expect(chart).to_have_attribute("data-by", "agency")
    rows = {r["key"]: r for r in httpx.get(base + "/api/admin/quiz/results", headers=ADMIN, params={"by": "agency"}).json()}
    # free text folded: the Phòng Nội vụ's two spellings are one row, under the spelling written in mixed case
    assert rows[f"Phòng Nội vụ huyện {town}"]["taken"] == 4 and rows[listed]["taken"] == 4
    assert not any(key.lower() == f"phòng nội vụ  huyện {town.lower()}" for key in rows)
    for key in (f"Phòng Nội vụ huyện {town}", listed):
        bar = chart.locator(f"[data-testid=console-results-bar][data-key='{key}']")
        expect(bar).to_have_count(1)
        expect(bar).to_have_attribute("data-taken", "4")
        expect(bar.get_by_test_id("console-results-label")).to_have_text(key)
    # readable on a phone: the label's text is drawn at no less than 11 px
    drawn = chart.evaluate("s => s.getBoundingClientRect().width / s.viewBox.baseVal.width * "
                           "parseFloat(getComputedStyle(s.querySelector('text')).fontSize)")
    assert drawn >= 11, f"the chart's text is {drawn:.1f}px on a {size['width']}px screen"
    expect(chart).to_have_attribute("data-layout", "narrow" if size is PHONE else "wide")
    fits(page, size)
    page.screenshot(path=str(ARTIFACTS / ("console-results.png" if size is DESKTOP else "console-results-phone.png")),
                    full_page=True)

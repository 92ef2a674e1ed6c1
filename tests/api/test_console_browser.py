"""The document library, the admin console and the widget's expert flow in a real browser (Debian chromium
through Playwright) against the real app on a private copy of the indexed corpus."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect
from pydantic import SecretStr

from tests.api.test_widget_browser import ARTIFACTS, BENIGN_DOC, WAIT_MS, chromium  # noqa: F401 (fixture)
from tests.hoidap.test_experts import OUT_OF_SCOPE
from tests.live import private_copy, serve

pytestmark = pytest.mark.browser

KEY = "browser-console-key"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def live(indexed_settings, tmp_path_factory):
    settings = private_copy(indexed_settings, tmp_path_factory.mktemp("console-browser"), admin_keys=[SecretStr(KEY)],
                            rate_limit_per_minute=1000)
    with serve(settings) as running:
        yield running


@pytest.fixture
def new_page(chromium, live):  # noqa: F811
    contexts, errors = [], []

    def make(viewport=None):
        context = chromium.new_context(viewport=viewport or {"width": 1280, "height": 860}, locale="vi-VN")
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_browse_the_library_filter_by_province_and_open_a_document_at_a_cited_unit(new_page, live):
    base, _ = live
    page = new_page()
    page.goto(base + "/vanban")
    docs = page.get_by_test_id("lib-doc")
    expect(docs).to_have_count(5)
    expect(page.get_by_test_id("lib-count")).to_have_text("5 / 5 văn bản")
    page.screenshot(path=str(ARTIFACTS / "library.png"), full_page=True)
    # the 2025 Quảng Nam plan replaced the 2022 one (corpus/relations.py): the in-force filter tells them apart
    page.get_by_test_id("lib-inforce").select_option("no")
    expect(docs).to_have_count(1)
    expect(docs.first).to_have_attribute("data-doc-id", "quangnam-2022-ke-hoach-cchc")
    page.get_by_test_id("lib-inforce").select_option("yes")
    expect(docs).to_have_count(4)
    page.get_by_test_id("lib-inforce").select_option("")
    page.get_by_test_id("lib-province").select_option("Quảng Nam")
    expect(docs).to_have_count(3)
    page.get_by_test_id("lib-province").select_option("Đồng Tháp")
    expect(docs).to_have_count(1)
    expect(docs.first).to_have_attribute("data-doc-id", "dongthap-2021-de-an-1601")
    page.get_by_test_id("lib-province").select_option("")
    page.get_by_test_id("lib-search").fill("ke hoach cchc 2025")  # by title, without diacritics
    expect(docs).to_have_count(1)
    expect(docs.first).to_have_attribute("data-doc-id", "quangnam-2025-ke-hoach-cchc")
    page.get_by_test_id("lib-search").fill("1601")  # by number
    expect(docs).to_have_count(1)
    page.get_by_test_id("lib-search").fill("không có văn bản này")
    expect(docs).to_have_count(0)
    expect(page.get_by_test_id("lib-count")).to_contain_text("Không có văn bản nào khớp")
    page.get_by_test_id("lib-search").fill("1601")
    docs.first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/vanban/dongthap-2021-de-an-1601$"))
    expect(page.locator("#citation")).to_contain_text("1601")
    expect(page.get_by_test_id("doc-toc")).to_be_visible()

    # a citation of an answer opens the document at its unit, highlighted
    answer = httpx.post(base + "/api/ask", json={"question": "Kinh phí thực hiện đề án 1601 lấy từ đâu?"}, timeout=60).json()
    cited = answer["citations"][0]
    page.goto(f"{base}/vanban/{cited['doc_id']}#{cited['unit_id']}")
    unit = page.locator(f"[id='{cited['unit_id']}']")
    expect(unit).to_have_class(re.compile(r"\btarget\b"))
    expect(unit).to_be_in_viewport()
    expect(unit).to_contain_text(cited["text"][:40])


def test_console_sign_in_upload_and_answer_a_queued_question(new_page, live, tmp_path):
    base, _ = live
    # a widget user's question the documents do not answer, sent to the expert
    asked = httpx.post(base + "/api/ask", json={"question": OUT_OF_SCOPE, "conversation_id": "w-browser-1"}, timeout=60).json()
    assert asked["abstained"]
    assert httpx.post(base + "/api/expert", json={"answer_id": asked["answer_id"],
                                                  "conversation_id": "w-browser-1"}).status_code == 201

    page = new_page()
    page.goto(base + "/admin")
    page.get_by_test_id("console-key").fill("wrong key")
    page.get_by_test_id("console-signin").click()
    expect(page.get_by_test_id("console-signin-error")).to_contain_text("Khóa quản trị không đúng")
    page.get_by_test_id("console-key").fill(KEY)
    page.get_by_test_id("console-signin").click()
    expect(page.get_by_test_id("console-docs").locator("tbody tr")).to_have_count(5)
    cookie = next(c for c in page.context.cookies() if c["name"] == "hoidap_admin")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    doc = tmp_path / "ke-hoach-tuyen-truyen-2024.txt"
    doc.write_text(BENIGN_DOC, encoding="utf-8")
    page.get_by_test_id("console-file").set_input_files(str(doc))
    page.get_by_test_id("console-docid").fill("tuyen-truyen-2024")
    page.get_by_test_id("console-upload").click()
    expect(page.get_by_test_id("console-upload-result")).to_contain_text("Đã thêm văn bản tuyen-truyen-2024", timeout=WAIT_MS)
    expect(page.get_by_test_id("console-docs").locator("tbody tr")).to_have_count(6)
    page.screenshot(path=str(ARTIFACTS / "console-documents.png"), full_page=True)

    page.goto(base + "/admin#cauhoi")
    request = page.get_by_test_id("console-request")
    expect(request).to_have_count(1)
    expect(request).to_contain_text(OUT_OF_SCOPE)
    request.get_by_test_id("console-search").fill("hỗ trợ cán bộ làm công tác cải cách hành chính")
    request.get_by_test_id("console-search-button").click()
    expect(request.get_by_test_id("console-hit").first).to_be_visible(timeout=WAIT_MS)
    request.get_by_test_id("console-hit").first.check()
    request.get_by_test_id("console-reply-text").fill("Không có khoản hỗ trợ tiền điện thoại trong các văn bản hiện có.")
    page.screenshot(path=str(ARTIFACTS / "console-queue.png"), full_page=True)
    request.get_by_test_id("console-reply-send").click()
    expect(page.get_by_test_id("console-flash")).to_contain_text("Đã gửi câu trả lời")
    expect(page.get_by_test_id("console-queue")).to_contain_text("Không có câu hỏi nào đang chờ")
    expect(page.get_by_test_id("console-faq-entry")).to_have_count(1)
    expect(page.get_by_test_id("console-log")).to_contain_text(OUT_OF_SCOPE)
    replies = httpx.get(base + "/api/replies", params={"conversation_id": "w-browser-1"}).json()["replies"]
    assert replies[0]["answer"].startswith("Không có khoản hỗ trợ") and replies[0]["citations"]

    # the quiz pages answer with a clear empty state while /api/admin/quiz is not there
    page.goto(base + "/admin#kiemtra")
    expect(page.get_by_test_id("console-quiz-empty")).to_be_visible()
    page.goto(base + "/admin#ketqua")
    expect(page.get_by_test_id("console-results-empty")).to_be_visible()

    phone = new_page(PHONE)
    phone.context.add_cookies([cookie])
    phone.goto(base + "/admin#cauhoi")
    expect(phone.get_by_test_id("console-log")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the console is {width}px wide on a {PHONE['width']}px phone"
    phone.screenshot(path=str(ARTIFACTS / "console-phone.png"), full_page=False)


def test_the_widget_sends_to_the_expert_and_shows_the_reply_when_reopened(new_page, live):
    base, _ = live
    page = new_page()
    page.goto(base + "/")
    page.get_by_test_id("hoidap-open").click()
    page.get_by_test_id("hoidap-input").fill("Công chức CCHC có được cấp đồng phục mùa đông không?")
    with page.expect_response(lambda r: r.url.endswith("/api/ask"), timeout=WAIT_MS) as response:
        page.get_by_test_id("hoidap-send").click()
    data = response.value.json()
    assert data["abstained"]
    page.get_by_test_id("hoidap-escalate").click()
    expect(page.get_by_test_id("hoidap-escalated")).to_be_visible()

    headers = {"X-API-Key": KEY}
    [request] = [r for r in httpx.get(base + "/api/admin/experts/requests", headers=headers).json()
                 if r["answer_id"] == data["answer_id"]]
    saved = httpx.post(f"{base}/api/admin/experts/requests/{request['id']}/reply", headers=headers,
                       json={"text": "Các văn bản CCHC không quy định việc cấp đồng phục.", "faq": False})
    assert saved.status_code == 200, saved.text

    page.get_by_test_id("hoidap-close").click()
    page.get_by_test_id("hoidap-open").click()
    reply = page.get_by_test_id("hoidap-expert-reply")
    expect(reply).to_have_count(1)
    expect(reply).to_contain_text("không quy định việc cấp đồng phục")
    page.get_by_test_id("hoidap-close").click()
    page.get_by_test_id("hoidap-open").click()
    expect(reply).to_have_count(1)  # shown once

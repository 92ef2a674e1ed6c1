"""The document library, the admin console and the widget's expert flow in a real browser (Debian chromium
through Playwright) against the real app on a private copy of the indexed corpus."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect
from pydantic import SecretStr

from tests.api.test_widget_browser import ARTIFACTS, BENIGN_DOC, WAIT_MS, chromium, watched_pages  # noqa: F401 (fixture)
from tests.hoidap.test_experts import OUT_OF_SCOPE
from tests.live import private_copy, serve

pytestmark = pytest.mark.browser

KEY = "browser-console-key-0123456789abcdef"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def live(indexed_settings, tmp_path_factory):
    settings = private_copy(indexed_settings, tmp_path_factory.mktemp("console-browser"), admin_keys=[SecretStr(KEY)],
                            rate_limit_per_minute=1000)
    with serve(settings) as running:
        yield running


@pytest.fixture(scope="module")
def quiz_live(indexed_settings, tmp_path_factory):
    """A server of its own: the quiz test generates and publishes items, which the other tests must not see."""
    settings = private_copy(indexed_settings, tmp_path_factory.mktemp("console-quiz"), admin_keys=[SecretStr(KEY)],
                            rate_limit_per_minute=1000)
    with serve(settings) as running:
        yield running


@pytest.fixture
def new_page(chromium, live):  # noqa: F811
    yield from watched_pages(chromium)


def test_browse_the_library_filter_by_province_and_open_a_document_at_a_cited_unit(new_page, live):
    base, _ = live
    page = new_page()
    page.goto(base + "/vanban")
    docs = page.get_by_test_id("lib-doc")
    expect(docs).to_have_count(5)
    expect(page.get_by_test_id("lib-count")).to_have_text("5 văn bản khớp")
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
    # the kind and the title a header read wrongly are corrected from the console
    row = page.locator('tr[data-doc-id="tuyen-truyen-2024"]')
    row.get_by_test_id("console-edit").click()
    row.get_by_test_id("console-edit-kind").fill("Kế hoạch")
    row.get_by_test_id("console-edit-title").fill("Kế hoạch tuyên truyền cải cách hành chính năm 2024")
    row.get_by_test_id("console-edit-save").click()
    expect(page.get_by_test_id("console-upload-result")).to_contain_text("Đã sửa tuyen-truyen-2024", timeout=WAIT_MS)
    expect(page.locator('tr[data-doc-id="tuyen-truyen-2024"]')).to_contain_text("Kế hoạch tuyên truyền cải cách hành chính năm 2024")
    meta = httpx.get(base + "/api/documents/tuyen-truyen-2024").json()
    assert meta["type"] == "Kế hoạch" and meta["sources"]["title"] == "corrected"
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

    # before any quiz item is generated or answered, the quiz pages say so plainly
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


# Who takes the checks and which of the three published items each gets right (by the item's place in the
# published list): by agency 5/6, 1/3 and 3/3; by item 4/4, 3/4 and 2/4.
TAKERS = [("Sở Nội vụ", (True, True, True)), ("Sở Nội vụ", (True, False, True)),
          ("UBND huyện Tuy Phước", (False, False, True)), ("Sở Tư pháp", (True, True, True))]


def chart_label(text: str) -> str:
    """What the chart writes beside a bar: an item's question in its own words (admin.js questionWords), cut at a
    word to 44 characters."""
    text = re.sub(r"^Theo .*?\)(?:,|:)\s*", "", text, count=1)
    text = re.sub(r"\s*\(Theo [^()]*\)\s*$", "", re.sub(r"^điền vào chỗ trống:\s*", "", text, flags=re.I))
    text = text[:1].upper() + text[1:]
    if len(text) <= 44:
        return text
    head = text[:43]
    space = head.rfind(" ")
    return (head[:space] if space > 22 else head) + "…"


def test_console_reviews_quiz_items_and_charts_the_results_by_agency_and_by_item(new_page, quiz_live):
    base, _ = quiz_live
    headers = {"X-API-Key": KEY}
    page = new_page()
    page.goto(base + "/admin")
    page.get_by_test_id("console-key").fill(KEY)
    page.get_by_test_id("console-signin").click()
    expect(page.get_by_test_id("console-docs").locator("tbody tr")).not_to_have_count(0)

    # generate drafts from the stored documents: the page lists exactly what GET /api/admin/quiz/items lists
    page.goto(base + "/admin#kiemtra")
    page.locator("#quiz-count").fill("12")
    page.get_by_test_id("console-quiz-generate").click()
    expect(page.get_by_test_id("console-flash")).to_contain_text("Đã tạo thêm", timeout=WAIT_MS)
    drafts = httpx.get(base + "/api/admin/quiz/items", params={"status": "draft"}, headers=headers).json()["items"]
    assert len(drafts) >= 3
    cards = page.get_by_test_id("console-quiz-item")
    expect(cards).to_have_count(len(drafts))
    expect(page.get_by_test_id("console-quiz-count")).to_have_text(f"{len(drafts)} câu hỏi")
    for card, item in zip(cards.all(), drafts):
        assert card.get_attribute("data-item-id") == item["id"]
        expect(card.get_by_test_id("console-quiz-question")).to_have_value(item["question"])
        expect(card.get_by_test_id("console-quiz-option")).to_have_count(len(item["options"]))
        expect(card.locator("input[type=radio]").nth(item["answer_index"])).to_be_checked()
        expect(card).to_contain_text("Trắc nghiệm" if item["kind"] == "mcq" else "Đúng/sai")
        expect(card).to_contain_text(item["citation"])

    # an edit made with the session cookie carries the CSRF token; the same change without it is refused
    edited = drafts[0]
    refused = page.request.patch(f"{base}/api/admin/quiz/items/{edited['id']}", data={"question": "x"})
    assert refused.status == 403 and refused.json()["error"]["code"] == "csrf_failed"
    card = cards.first
    card.get_by_test_id("console-quiz-question").fill(edited["question"] + " (đã duyệt)")
    card.get_by_test_id("console-quiz-save").click()
    expect(card.get_by_role("status")).to_have_text("Đã lưu.")
    saved = httpx.get(base + "/api/admin/quiz/items", params={"status": "draft"}, headers=headers).json()["items"][0]
    assert saved["id"] == edited["id"] and saved["question"] == edited["question"] + " (đã duyệt)"
    assert saved["options"] == edited["options"] and saved["answer_index"] == edited["answer_index"]

    # publish three drafts from the page, one at a time
    chosen = [item["id"] for item in drafts[:3]]
    for n, item_id in enumerate(chosen):
        page.locator(f"[data-testid=console-quiz-item][data-item-id='{item_id}']").get_by_test_id("console-quiz-publish").click()
        expect(page.get_by_test_id("console-flash")).to_have_text("Đã phát hành câu hỏi.")  # no internal id
        expect(cards).to_have_count(len(drafts) - n - 1)
    published = httpx.get(base + "/api/admin/quiz/items", params={"status": "published"}, headers=headers).json()["items"]
    assert sorted(item["id"] for item in published) == sorted(chosen)
    assert all(item["status"] == "published" for item in published)
    page.get_by_test_id("console-quiz-status").select_option("published")
    expect(cards).to_have_count(3)
    expect(cards.first.get_by_test_id("console-quiz-publish")).to_have_count(0)

    # checks taken through the public API, each with an agency
    place = {item_id: n for n, item_id in enumerate(chosen)}
    answer_of = {item["id"]: item["answer_index"] for item in published}
    for n, (agency, right) in enumerate(TAKERS):
        started = httpx.post(base + "/api/quiz/start", json={"client_id": f"console-browser-{n}", "agency": agency, "count": 3})
        assert started.status_code == 200, started.text
        check = started.json()
        assert sorted(i["id"] for i in check["items"]) == sorted(chosen)
        for shown in check["items"]:
            good = right[place[shown["id"]]]
            choice = answer_of[shown["id"]] if good else (answer_of[shown["id"]] + 1) % len(shown["options"])
            outcome = httpx.post(f"{base}/api/quiz/{check['check_id']}/answer", json={"item_id": shown["id"], "choice": choice})
            assert outcome.status_code == 200 and outcome.json()["correct"] is good, outcome.text

    expected = {
        "agency": {"Sở Nội vụ": (6, 5), "UBND huyện Tuy Phước": (3, 1), "Sở Tư pháp": (3, 3)},
        "item": {chosen[0]: (4, 3), chosen[1]: (4, 2), chosen[2]: (4, 4)},
    }
    page.goto(base + "/admin#ketqua")
    chart = page.get_by_test_id("console-results-chart")
    for by in ("agency", "item"):
        page.get_by_test_id("console-results-by").select_option(by)
        rows = httpx.get(base + "/api/admin/quiz/results", params={"by": by}, headers=headers).json()
        assert {row["key"]: (row["taken"], row["correct"]) for row in rows} == expected[by]
        expect(chart).to_have_attribute("data-by", by)
        bars = chart.get_by_test_id("console-results-bar")
        expect(bars).to_have_count(len(rows))
        for bar, row in zip(bars.all(), rows):  # the server's order, row for row
            assert bar.get_attribute("data-key") == row["key"]
            assert (int(bar.get_attribute("data-taken")), int(bar.get_attribute("data-correct"))) == (row["taken"], row["correct"])
            label = chart_label(row["question"]) if by == "item" else row["key"]
            expect(bar.get_by_test_id("console-results-label")).to_have_text(label)
            assert "Theo Quyết định" not in bar.get_by_test_id("console-results-label").text_content()
            full = bar.locator("title").text_content()
            assert full.endswith(f": {row['correct']}/{row['taken']} đúng ({round(row['share'] * 100)}%)")
            assert int(bar.get_by_test_id("console-results-fill").get_attribute("width")) == round(520 * row["share"])
        expect(page.get_by_test_id("console-results-table").locator("tbody tr")).to_have_count(len(rows))
        if by == "agency":
            page.screenshot(path=str(ARTIFACTS / "console-results.png"), full_page=True)

        # the CSV export: a download of the same rows, served as text/csv
        link = page.get_by_test_id("console-results-csv")
        expect(link).to_have_attribute("href", f"/api/admin/quiz/results?by={by}&format=csv")
        served = page.request.get(base + link.get_attribute("href"))
        assert served.status == 200 and served.headers["content-type"].startswith("text/csv")
        with page.expect_download() as download:
            link.click()
        text = open(download.value.path(), encoding="utf-8").read()
        assert text == served.text()
        lines = text.splitlines()
        assert lines[0] == "key,taken,correct,share" + (",question" if by == "item" else "")
        assert len(lines) == len(rows) + 1 and lines[1].startswith(rows[0]["key"])

"""The embeddable widget in a real browser: Debian chromium driven by Playwright against the real app
(uvicorn in a thread), on the demo portal page whose aggressive global CSS the widget must ignore."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from corpus.ingest import Ingester
from corpus.store import Store
from core.settings import Settings
from index.build import IndexBuilder
from tests.conftest import shared_embedder
from tests.live import serve

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).parent / "artifacts"
WAIT_MS = 60_000  # one answer takes about a second; the first one also warms the model up

GOLD_QUESTION = "Cơ quan nào chủ trì xây dựng sổ tay hướng dẫn nghiệp vụ lĩnh vực đất đai ở Bình Định?"

# A document an admin could upload: markup in the clause text must reach the reader as text.
PAYLOAD_SCRIPT = "<script>window.__pwned=1</script>"
PAYLOAD_IMG = '<img src=x onerror="window.__pwned=2">'
MALICIOUS_DOC = f"""ỦY BAN NHÂN DÂN
TỈNH THỬ NGHIỆM

KẾ HOẠCH
Kiểm thử an toàn hiển thị văn bản trên cổng thông tin năm 2024

I. MỤC TIÊU

1. Sở Thông tin và Truyền thông chủ trì kiểm thử chữ ký số {PAYLOAD_SCRIPT} cho hồ sơ trực tuyến {PAYLOAD_IMG} của người dân.

2. Trung tâm Phục vụ hành chính công tỉnh hướng dẫn người dân nộp hồ sơ trực tuyến.

II. TỔ CHỨC THỰC HIỆN

Văn phòng Ủy ban nhân dân tỉnh theo dõi, đôn đốc việc thực hiện Kế hoạch này.
"""
BENIGN_DOC = """ỦY BAN NHÂN DÂN
TỈNH THỬ NGHIỆM

KẾ HOẠCH
Tuyên truyền cải cách hành chính năm 2024

I. MỤC TIÊU

1. Sở Nội vụ chủ trì tổ chức hội thi tìm hiểu cải cách hành chính trong công chức.
"""
XSS_QUESTION = "Cơ quan nào chủ trì kiểm thử chữ ký số cho hồ sơ trực tuyến?"

# JavaScript run in the page: what has focus inside the widget's shadow root
FOCUSED = """() => {
  const host = document.activeElement;
  const inner = host && host.shadowRoot ? host.shadowRoot.activeElement : null;
  return inner ? (inner.dataset.testid || inner.tagName.toLowerCase()) : (host ? host.id || host.tagName : null);
}"""


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def live(indexed_settings: Settings):
    with serve(indexed_settings) as running:
        yield running


DESKTOP = {"width": 1280, "height": 860}


def watched_pages(chromium, options=lambda viewport=None: {"viewport": viewport or DESKTOP}):
    """The body of a page fixture (``yield from``): ``make(*args)`` opens a page in a new Vietnamese-locale
    context made with ``options(*args)``; afterwards every context is closed and a JavaScript error on any of
    the pages fails the test."""
    contexts, errors = [], []

    def make(*args):
        context = chromium.new_context(locale="vi-VN", **options(*args))
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(chromium, live):
    pages = watched_pages(chromium)
    page = next(pages)()
    page.goto(live[0] + "/")
    yield page
    next(pages, None)  # closes the context, fails on a JavaScript error


def ask(page, question: str) -> dict:
    """Types a question into the open widget, sends it, returns the API's JSON answer."""
    page.get_by_test_id("hoidap-input").fill(question)
    with page.expect_response(lambda r: r.url.endswith("/api/ask"), timeout=WAIT_MS) as response:
        page.get_by_test_id("hoidap-send").click()
    assert response.value.status == 200, response.value.text()
    return response.value.json()


def test_ask_cite_expand_feedback_on_an_aggressively_styled_portal(page, live):
    base, app = live
    opener = page.get_by_test_id("hoidap-open")
    expect(opener).to_have_attribute("aria-label", re.compile("hỏi đáp", re.I))
    expect(page.get_by_role("dialog", name="Hỏi đáp CCHC")).to_be_hidden()
    opener.click()
    expect(page.get_by_role("dialog", name="Hỏi đáp CCHC")).to_be_visible()
    expect(page.get_by_test_id("hoidap-suggestion")).to_have_count(4)
    expect(page.get_by_test_id("hoidap-suggestion").first).to_have_text("Kinh phí thực hiện đề án lấy từ đâu?")
    expect(page.get_by_test_id("hoidap-messages")).to_have_attribute("aria-live", "polite")

    data = ask(page, GOLD_QUESTION)
    assert not data["abstained"]
    answer = page.get_by_test_id("hoidap-answer").last
    expect(answer).to_contain_text("Sở Tài nguyên và Môi trường", timeout=WAIT_MS)
    # the fact asked for opens the answer, in bold, as text
    assert data["direct"] == "Sở Tài nguyên và Môi trường"
    expect(answer.get_by_test_id("hoidap-direct")).to_have_text(data["direct"])
    assert answer.get_by_test_id("hoidap-direct").evaluate("e => getComputedStyle(e).fontWeight") == "700"
    expect(answer.get_by_test_id("hoidap-marker").first).to_have_text("[1]")
    citations = page.get_by_test_id("hoidap-citation")
    assert citations.count() >= 1
    first = citations.first
    expect(first).to_contain_text(data["citations"][0]["label"])
    expect(first).to_contain_text(data["citations"][0]["citation"])

    clause = first.get_by_test_id("hoidap-citation-text")
    toggle = first.get_by_test_id("hoidap-citation-toggle")
    expect(clause).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(clause).to_be_visible()
    expect(clause).to_contain_text("Sở Tài nguyên và Môi trường")
    link = clause.get_by_role("link", name="Đọc trong văn bản")
    unit = data["citations"][0]
    expect(link).to_have_attribute("href", f"{base}/vanban/{unit['doc_id']}#{unit['unit_id']}")
    expect(link).to_have_attribute("target", "_blank")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget.png"))  # the answer and its first clause, opened

    with page.expect_response(lambda r: r.url.endswith("/api/feedback")) as sent:
        page.get_by_test_id("hoidap-feedback-up").last.click()
    assert sent.value.status == 201
    expect(page.get_by_test_id("hoidap-feedback-thanks")).to_have_text("Cảm ơn bạn đã góp ý")
    # the 👍 reached the query log the admin reads, from the widget
    feedback = app.state.hoidap.assistant.querylog.feedback_for(data["answer_id"])
    assert [(f["helpful"], f["channel"]) for f in feedback] == [(1, "widget")]
    logged = {q["id"]: q for q in app.state.hoidap.assistant.querylog.questions(1000)}
    assert logged[data["answer_id"]]["question"] == GOLD_QUESTION
    assert logged[data["answer_id"]]["positive"] == 1 and logged[data["answer_id"]]["channel"] == "widget"

    # a follow-up keeps the conversation of the first answer
    with page.expect_request(lambda r: r.url.endswith("/api/ask")) as follow_up:
        page.get_by_test_id("hoidap-input").fill("Còn kinh phí thì sao?")
        page.get_by_test_id("hoidap-send").click()
    assert follow_up.value.post_data_json["conversation_id"] == data["conversation_id"]
    expect(page.get_by_test_id("hoidap-reply")).to_have_count(2, timeout=WAIT_MS)
    assert page.evaluate("localStorage.getItem('hoidap-cchc:conversation')") == data["conversation_id"]

    # the page's red serif uppercase CSS and its yellow dashed buttons did not reach the widget…
    style = opener.evaluate("""b => { const s = getComputedStyle(b);
        return {font: s.fontFamily, color: s.color, bg: s.backgroundColor, border: s.borderTopStyle,
                transform: s.textTransform, outline: s.outlineStyle}; }""")
    assert style["font"].startswith("system-ui") and "Times" not in style["font"], style
    assert style == {**style, "color": "rgb(255, 255, 255)", "bg": "rgb(11, 92, 173)", "border": "none",
                     "transform": "none", "outline": "none"}
    answer_style = answer.evaluate("e => [getComputedStyle(e).fontFamily, getComputedStyle(e).color]")
    assert "Times" not in answer_style[0] and answer_style[1] != "rgb(255, 0, 0)", answer_style
    # …and the widget's own rules (.panel, button) did not reach the page
    assert page.locator("#page-panel").evaluate("e => getComputedStyle(e).position") == "static"
    assert page.locator("#page-button").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 255, 0)"



def test_keyboard_only_use(page):
    # Tab from the top of the page until the widget's button has focus
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED) == "hoidap-open":
            break
    else:
        pytest.fail("Tab never reached the widget button")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Hỏi đáp CCHC")
    expect(dialog).to_be_visible()
    assert page.evaluate(FOCUSED) == "hoidap-input"
    expect(page.get_by_test_id("hoidap-open")).to_have_attribute("aria-expanded", "true")

    page.keyboard.type(GOLD_QUESTION)
    with page.expect_response(lambda r: r.url.endswith("/api/ask"), timeout=WAIT_MS):
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("hoidap-answer")).to_contain_text("Sở Tài nguyên và Môi trường", timeout=WAIT_MS)

    # every control of the answer is reachable: walk backwards from the input to the close button
    reached = []
    for _ in range(60):
        page.keyboard.press("Shift+Tab")
        reached.append(page.evaluate(FOCUSED))
        if reached[-1] == "hoidap-close":
            break
    for control in ("hoidap-feedback-up", "hoidap-feedback-down", "hoidap-citation-toggle", "hoidap-marker",
                    "hoidap-suggestion", "hoidap-close"):
        assert control in reached, (control, reached)
    # open the first citation from the keyboard
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED) == "hoidap-citation-toggle":
            break
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("hoidap-citation-toggle").first).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_test_id("hoidap-citation-text").first).to_be_visible()

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert page.evaluate(FOCUSED) == "hoidap-open"
    expect(page.get_by_test_id("hoidap-open")).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")  # reopens, with the conversation still there
    expect(dialog).to_be_visible()
    expect(page.get_by_test_id("hoidap-reply")).to_have_count(1)


def test_abstained_answer_lists_nearest_documents(page):
    page.get_by_test_id("hoidap-open").click()
    data = ask(page, "Giá vé máy bay từ Đà Nẵng đi Hà Nội tháng sau là bao nhiêu?")
    assert data["abstained"], data["answer"]
    expect(page.get_by_test_id("hoidap-answer")).to_contain_text("Chưa tìm thấy nội dung trả lời")
    expect(page.get_by_test_id("hoidap-citation")).to_have_count(0)
    # each nearest document once: a link where the answer names it (a list only for those it does not name)
    reply = page.get_by_test_id("hoidap-reply")
    docs = reply.locator("[data-testid=hoidap-suggested-doc], [data-testid=hoidap-suggested-docs] a")
    expect(docs).to_have_count(len(data["suggestions"]))
    expect(docs.first).to_have_attribute("href", re.compile(r"/vanban/" + re.escape(data["suggestions"][0]["doc_id"]) + "$"))
    text = reply.inner_text()
    for suggestion in data["suggestions"]:
        assert text.count(suggestion["citation"]) == 1, (suggestion["citation"], text)


def test_a_replaced_plan_is_marked_in_the_widget_and_the_reader(page, live):
    page.get_by_test_id("hoidap-open").click()
    data = ask(page, "Mục tiêu chung của kế hoạch CCHC năm 2022 của Quảng Nam là gì?")
    first = data["citations"][0]
    assert first["doc_id"] == "quangnam-2022-ke-hoach-cchc" and first["validity"].startswith("đã được thay thế bởi")
    mark = page.get_by_test_id("hoidap-citation").first.get_by_test_id("hoidap-citation-validity")
    expect(mark).to_have_text("⚠ Văn bản " + first["validity"], timeout=WAIT_MS)
    page.get_by_test_id("hoidap-citation-toggle").first.click()
    successor = page.get_by_test_id("hoidap-citation-text").first.get_by_role("link").first
    expect(successor).to_have_attribute("href", re.compile(r"/vanban/quangnam-2025-ke-hoach-cchc$"))
    # the reader: a banner, and the successor as a link
    page.goto(live[0] + "/doc/quangnam-2022-ke-hoach-cchc")
    expect(page.locator("#validity")).to_contain_text("đã được thay thế bởi", timeout=WAIT_MS)
    link = page.locator("[data-relation=replaced_by] a")
    expect(link).to_have_attribute("href", "/vanban/quangnam-2025-ke-hoach-cchc")
    page.goto(live[0] + "/doc/quangnam-2025-ke-hoach-cchc")
    expect(page.locator("[data-relation=replaces] a")).to_have_attribute("href", "/vanban/quangnam-2022-ke-hoach-cchc")
    expect(page.locator("#validity")).to_be_hidden()


def test_phone_layout_is_full_screen(chromium, live):
    context = chromium.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(live[0] + "/")
    page.get_by_test_id("hoidap-open").click()
    box = page.get_by_test_id("hoidap-panel").bounding_box()
    assert box == {"x": 0, "y": 0, "width": 375, "height": 740}
    expect(page.get_by_test_id("hoidap-input")).to_be_in_viewport()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-phone.png"))
    context.close()


@pytest.fixture(scope="module")
def xss_live(tmp_path_factory: pytest.TempPathFactory):
    """An app over its own tiny index; the malicious document arrives later, through the admin upload."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("xss-data"), admin_keys=["test-key-0123456789abcdefgh"])
    store = Store(settings.db_path)
    Ingester(store, settings).ingest_bytes("tuyen-truyen-cchc.txt", BENIGN_DOC.encode())
    IndexBuilder(settings, store, shared_embedder(settings)).build()  # the app needs an index to start
    with serve(settings) as running:
        yield running


def test_markup_in_documents_is_shown_as_text_never_run(chromium, xss_live):
    base, _ = xss_live
    uploaded = httpx.post(f"{base}/api/admin/documents", headers={"X-API-Key": "test-key-0123456789abcdefgh"}, timeout=300,
                          files={"file": ("kiem-thu-hien-thi.txt", MALICIOUS_DOC.encode(), "text/plain")})
    assert uploaded.status_code == 201, uploaded.text

    context = chromium.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.goto(base + "/")
    page.get_by_test_id("hoidap-open").click()
    data = ask(page, XSS_QUESTION)
    assert not data["abstained"] and PAYLOAD_SCRIPT in data["citations"][0]["text"], data
    answer = page.get_by_test_id("hoidap-answer")
    expect(answer).to_contain_text(PAYLOAD_IMG)  # the quote in the answer is text too
    first = page.get_by_test_id("hoidap-citation").first
    first.get_by_test_id("hoidap-citation-toggle").click()
    clause = first.get_by_test_id("hoidap-citation-text")
    expect(clause).to_contain_text(PAYLOAD_SCRIPT)
    expect(clause).to_contain_text(PAYLOAD_IMG)
    page.wait_for_timeout(300)  # an <img src=x> would have failed to load and fired onerror by now
    assert page.evaluate("typeof window.__pwned") == "undefined"
    shadow_markup = page.evaluate("document.getElementById('hoidap-cchc-widget').shadowRoot"
                                  ".querySelectorAll('script, img').length")
    assert shadow_markup == 0

    # the reader page opened from the citation shows the same clause as text, highlighted
    with context.expect_page() as opened:
        clause.get_by_role("link", name="Đọc trong văn bản").click()
    reader = opened.value
    unit_id = data["citations"][0]["unit_id"]
    target = reader.locator(f"[id='{unit_id}']")
    expect(target).to_contain_text(PAYLOAD_SCRIPT)
    expect(target).to_have_class(re.compile(r"\btarget\b"))
    expect(reader.locator("h1")).to_contain_text("Kiểm thử an toàn hiển thị văn bản")
    reader.wait_for_timeout(300)
    assert reader.evaluate("typeof window.__pwned") == "undefined"
    assert reader.evaluate("document.querySelectorAll('main script, main img').length") == 0
    context.close()

/* Hỏi đáp CCHC — embeddable question-answering widget.
 *
 * Embed with one tag:
 *   <script src="https://HOST/widget.js" data-api="https://HOST" async></script>
 * `data-api` defaults to the origin the script was loaded from.
 *
 * Everything lives in a shadow root, so the host page's CSS cannot restyle the widget and the
 * widget's CSS cannot reach the page. Text that comes from the API (answers, clause texts,
 * document titles) is only ever inserted with textContent / createTextNode: the documents are
 * uploaded by people and may contain markup.
 */
(function () {
  "use strict";
  if (window.__hoidapCchcLoaded) return; // embedded twice: keep one widget
  window.__hoidapCchcLoaded = true;

  // With `async`, document.currentScript is still set while this file runs; the query is a fallback.
  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  var API = apiBase(script);
  var STORE_KEY = "hoidap-cchc:conversation";
  var QUIZ_CLIENT_KEY = "hoidap-cchc:quiz-client"; // weights a new check to what this browser got wrong before
  var PHONE = window.matchMedia("(max-width: 480px)"); // where the panel takes the whole screen
  var SUGGESTED = [
    "Kinh phí thực hiện đề án lấy từ đâu?",
    "Cơ quan nào chủ trì đề án đo lường sự hài lòng với dịch vụ y tế công?",
    "Kế hoạch CCHC năm 2025 của Quảng Nam có mục tiêu gì?",
    "Cơ quan nào chủ trì xây dựng sổ tay hướng dẫn nghiệp vụ lĩnh vực đất đai ở Bình Định?"
  ];
  var TEXT = {
    title: "Hỏi đáp CCHC",
    subtitle: "Tra cứu văn bản cải cách hành chính",
    open: "Mở hỏi đáp cải cách hành chính",
    close: "Đóng hỏi đáp",
    placeholder: "Nhập câu hỏi…",
    send: "Gửi",
    searching: "Đang tìm…",
    welcome: "Xin chào! Hãy đặt câu hỏi về các văn bản cải cách hành chính. Câu trả lời luôn kèm trích dẫn điều khoản.",
    tryThese: "Gợi ý câu hỏi:",
    sources: "Căn cứ trả lời",
    nearest: "Các văn bản gần nhất với câu hỏi:",
    read: "Đọc trong văn bản",
    helpful: "Câu trả lời hữu ích",
    unhelpful: "Câu trả lời chưa hữu ích",
    askFeedback: "Câu trả lời có hữu ích không?",
    thanks: "Cảm ơn bạn đã góp ý",
    network: "Không kết nối được máy chủ hỏi đáp; vui lòng kiểm tra mạng và thử lại.",
    retry: "Gửi lại câu hỏi",
    you: "Bạn hỏi: ",
    unexpected: "Máy chủ trả lời không đúng định dạng; vui lòng thử lại sau.",
    empty: "Hãy nhập câu hỏi trước khi gửi.",
    tabs: "Chức năng",
    chatTab: "Hỏi đáp",
    quizTab: "Kiểm tra kiến thức",
    quizIntro: "Bài kiểm tra gồm các câu hỏi trắc nghiệm lấy từ văn bản cải cách hành chính. Sau mỗi câu, bạn " +
      "xem được đáp án và điều khoản làm căn cứ.",
    agency: "Cơ quan, đơn vị của bạn (không bắt buộc)",
    quizStart: "Bắt đầu kiểm tra",
    quizLoading: "Đang chuẩn bị câu hỏi…",
    questionOf: function (n, total) { return "Câu " + n + "/" + total; },
    right: "✓ Chính xác!",
    wrong: function (letter, option) { return "✗ Chưa đúng. Đáp án đúng: " + letter + ". " + option; },
    basis: "Căn cứ:",
    next: "Câu tiếp theo",
    finish: "Xem kết quả",
    score: function (correct, total) { return "Bạn trả lời đúng " + correct + "/" + total + " câu."; },
    again: "Làm bài kiểm tra mới",
    review: "Xem lại các câu đã làm:",
    escalate: "Gửi câu hỏi cho cán bộ phụ trách",
    escalated: "Đã gửi câu hỏi cho cán bộ phụ trách. Câu trả lời sẽ hiện ở đây khi bạn mở lại hộp hỏi đáp.",
    expert: "Cán bộ phụ trách trả lời",
    expertQuestion: "Câu hỏi: ",
    faq: "Câu trả lời của cán bộ phụ trách, ngày "
  };

  var CSS = [
    ":host { all: initial; }",
    /* explicit values everywhere: `all: initial` cuts inheritance from the page, and the
       initial font of Chromium is a serif one */
    ".root, .root * { box-sizing: border-box; }",
    ".root { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif;",
    "  font-size: 15px; line-height: 1.45; color: #1f2933; font-weight: 400; font-style: normal;",
    "  text-align: left; letter-spacing: normal; text-transform: none; }",
    "button, input { font: inherit; color: inherit; margin: 0; }",
    "button { cursor: pointer; }",
    ":focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }",
    ".launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; display: flex;",
    "  align-items: center; gap: 8px; padding: 12px 18px; border: 0; border-radius: 999px;",
    "  background: #0b5cad; color: #fff; font-weight: 600; box-shadow: 0 4px 14px rgba(0,0,0,.25); }",
    ".launcher:hover { background: #094b8e; }",
    ".panel { position: fixed; right: 20px; bottom: 84px; z-index: 2147483001; width: 390px;",
    "  height: min(620px, calc(100vh - 110px)); display: flex; flex-direction: column;",
    "  background: #fff; border-radius: 12px; box-shadow: 0 10px 40px rgba(0,0,0,.3); overflow: hidden; }",
    ".panel[hidden] { display: none; }",
    ".head { display: flex; align-items: center; gap: 8px; padding: 12px 14px; background: #0b5cad; color: #fff; }",
    ".head h2 { margin: 0; font-size: 17px; font-weight: 700; color: #fff; }",
    ".head p { margin: 0; font-size: 12px; opacity: .9; color: #fff; }",
    ".head .titles { flex: 1; }",
    ".close { border: 0; background: transparent; color: #fff; font-size: 22px; line-height: 1;",
    "  width: 36px; height: 36px; border-radius: 6px; }",
    ".close:hover { background: rgba(255,255,255,.15); }",
    ".log { flex: 1; overflow-y: auto; padding: 12px; background: #f4f6f8; }",
    ".msg { margin: 0 0 10px; padding: 10px 12px; border-radius: 10px; max-width: 92%;",
    "  white-space: pre-wrap; overflow-wrap: anywhere; }",
    ".msg.user { margin-left: auto; background: #0b5cad; color: #fff; }",
    ".msg.bot { background: #fff; border: 1px solid #dde3e9; }",
    ".msg.error { background: #fdecea; border: 1px solid #f5c2bd; color: #8a1c12; }",
    ".msg.status { background: transparent; color: #52606d; font-style: italic; padding: 4px 2px; }",
    ".answer { white-space: pre-wrap; }",
    ".direct { font-weight: 700; font-size: 16px; color: #0b3d73; }",
    ".marker { border: 0; background: #e3eefa; color: #0b5cad; border-radius: 4px; padding: 0 4px;",
    "  font-size: 12px; font-weight: 700; vertical-align: super; line-height: 1.2; }",
    ".section { margin: 10px 0 4px; font-size: 13px; font-weight: 700; color: #52606d; white-space: normal; }",
    ".cites, .docs { list-style: none; margin: 0; padding: 0; white-space: normal; }",
    ".cite { margin: 6px 0; border: 1px solid #dde3e9; border-radius: 8px; background: #fafbfc; }",
    ".cite-toggle { display: block; width: 100%; text-align: left; border: 0; background: transparent;",
    "  padding: 8px 10px; font-size: 13px; }",
    /* the arrow is drawn in a span hidden from screen readers: a button's name is its words, not "▸" */
    ".cite-toggle .arrow::before { content: '▸ '; color: #0b5cad; }",
    ".cite-toggle[aria-expanded='true'] .arrow::before { content: '▾ '; }",
    ".sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;",
    "  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }",
    ".retry { margin-top: 6px; display: block; border: 1px solid #8a1c12; background: #fff; color: #8a1c12;",
    "  border-radius: 6px; padding: 4px 10px; font-size: 13px; }",
    ".cite-toggle .rank { font-weight: 700; color: #0b5cad; }",
    ".cite-toggle .label { font-weight: 600; }",
    /* the document name is long and often the same for every source: two lines until opened */
    ".cite-toggle .doc { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2;",
    "  overflow: hidden; color: #52606d; font-size: 12px; }",
    ".cite-toggle[aria-expanded='true'] .doc { display: block; }",
    ".cite-body { padding: 0 10px 10px; font-size: 13px; }",
    /* a replaced document stays citable but never passes for the one in force */
    ".validity { display: block; margin-top: 2px; color: #8a4b00; font-size: 12px; font-weight: 600; }",
    ".successor { margin: 0 0 6px; font-size: 12px; }",
    ".cite-body[hidden] { display: none; }",
    ".crumb { color: #52606d; font-size: 12px; margin: 0 0 4px; }",
    ".clause { white-space: pre-wrap; margin: 0 0 6px; overflow-wrap: anywhere; }",
    "a { color: #0b5cad; text-decoration: underline; }",
    ".docs li { margin: 4px 0; }",
    ".feedback { display: flex; align-items: center; gap: 6px; margin-top: 8px; font-size: 13px;",
    "  color: #52606d; white-space: normal; }",
    ".feedback button { border: 1px solid #c8d1da; background: #fff; border-radius: 6px; padding: 2px 8px; }",
    ".feedback button:hover { background: #eef2f6; }",
    ".chips { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; white-space: normal; }",
    ".chip { border: 1px solid #0b5cad; background: #fff; color: #0b5cad; border-radius: 999px;",
    "  padding: 5px 10px; font-size: 13px; text-align: left; }",
    ".chip:hover { background: #e3eefa; }",
    ".escalate { margin-top: 8px; border: 1px solid #0b5cad; background: #fff; color: #0b5cad; border-radius: 6px;",
    "  padding: 4px 10px; font-size: 13px; }",
    ".escalate:hover { background: #e3eefa; }",
    ".msg.expert { background: #fff8e6; border: 1px solid #f5d48a; }",
    ".expert-head { font-weight: 700; color: #7a4b00; margin-bottom: 4px; white-space: normal; }",
    ".expert-q { font-style: italic; color: #52606d; margin-bottom: 6px; white-space: normal; }",
    ".faq { font-size: 12px; color: #7a4b00; margin-bottom: 4px; white-space: normal; }",
    ".form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #dde3e9; background: #fff; }",
    ".form input { flex: 1; min-width: 0; padding: 9px 10px; border: 1px solid #9aa5b1; border-radius: 8px;",
    "  background: #fff; color: #1f2933; }",
    ".form .send { border: 0; border-radius: 8px; padding: 9px 16px; background: #0b5cad; color: #fff; font-weight: 600; }",
    ".form .send:disabled { background: #9aa5b1; cursor: wait; }",
    /* tabs: the chat and the knowledge check */
    ".tabs { display: flex; background: #0b5cad; padding: 0 10px; gap: 4px; }",
    ".tab { border: 0; background: transparent; color: #dbe8f6; padding: 8px 12px; font-size: 14px; font-weight: 600;",
    "  border-radius: 8px 8px 0 0; }",
    ".tab[aria-selected='true'] { background: #f4f6f8; color: #0b3d73; }",
    ".tabpanel { flex: 1; display: flex; flex-direction: column; min-height: 0; }",
    ".tabpanel[hidden] { display: none; }",
    ".quiz { flex: 1; overflow-y: auto; padding: 12px; background: #f4f6f8; }",
    ".quiz .card { background: #fff; border: 1px solid #dde3e9; border-radius: 10px; padding: 12px; margin-bottom: 10px; }",
    ".quiz .progress { font-size: 12px; font-weight: 700; color: #52606d; margin: 0 0 6px; }",
    ".quiz .question { margin: 0 0 10px; white-space: pre-wrap; overflow-wrap: anywhere; }",
    ".quiz .options { display: flex; flex-direction: column; gap: 6px; }",
    ".quiz .option { text-align: left; border: 1px solid #9aa5b1; background: #fff; border-radius: 8px; padding: 8px 10px; }",
    ".quiz .option:hover:not(:disabled) { background: #e3eefa; border-color: #0b5cad; }",
    ".quiz .option:disabled { cursor: default; color: #52606d; }",
    ".quiz .option.is-right { border-color: #1e7e34; background: #e6f4ea; color: #14532d; font-weight: 600; }",
    ".quiz .option.is-wrong { border-color: #b42318; background: #fdecea; color: #8a1c12; }",
    ".quiz .verdict { margin: 10px 0 4px; font-weight: 700; }",
    ".quiz .verdict.right { color: #1e7e34; } .quiz .verdict.wrong { color: #b42318; }",
    ".quiz .basis { margin-top: 6px; font-size: 13px; border-left: 3px solid #0b5cad; padding: 4px 8px; background: #fafbfc; }",
    ".quiz .basis .where { font-weight: 600; color: #52606d; margin: 0 0 4px; }",
    ".quiz .primary { border: 0; border-radius: 8px; padding: 9px 16px; background: #0b5cad; color: #fff; font-weight: 600; margin-top: 10px; }",
    ".quiz .primary:disabled { background: #9aa5b1; cursor: wait; }",
    ".quiz label { display: block; font-size: 13px; margin: 10px 0 4px; color: #52606d; }",
    ".quiz input { width: 100%; padding: 8px 10px; border: 1px solid #9aa5b1; border-radius: 8px; background: #fff; }",
    ".quiz .score { font-size: 18px; font-weight: 700; color: #0b3d73; margin: 0 0 8px; }",
    ".quiz .summary { list-style: none; margin: 0; padding: 0; }",
    ".quiz .summary li { margin: 8px 0; font-size: 13px; }",
    /* phones: the panel takes the whole screen */
    "@media (max-width: 480px) {",
    "  .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; }",
    "  .launcher { right: 12px; bottom: 12px; }",
    "}"
  ].join("\n");

  function apiBase(tag) {
    var given = tag && tag.getAttribute("data-api");
    if (given) return given.replace(/\/+$/, "");
    try { return new URL(tag.src, location.href).origin; } catch (e) { return location.origin; }
  }

  /* Small DOM helper: el("button", {class: "x", "data-testid": "y"}, "text", child...).
     String children become text nodes, never markup. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "hidden") node.hidden = !!attrs.hidden;
      else node.setAttribute(name, attrs[name]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child == null) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  /* The launcher's speech-bubble icon, drawn inline: no emoji font or image request needed. */
  function chatIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "20");
    svg.setAttribute("height", "20");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z");
    svg.appendChild(path);
    return svg;
  }

  /* localStorage: the conversation (and an expert's reply to it) is found again on a later visit */
  function storedConversation() {
    try { return localStorage.getItem(STORE_KEY); } catch (e) { return null; } // storage can be blocked
  }
  function storeConversation(id) {
    try { localStorage.setItem(STORE_KEY, id); } catch (e) { /* in-memory copy still works */ }
  }

  /* The one request helper: resolves with the JSON body, rejects with an Error whose message can be shown
     as is (the API's own message, or the network or unexpected-answer text). */
  function request(path, init) {
    return fetch(API + path, init).catch(function () {
      throw Object.assign(new Error(TEXT.network), { network: true }); // the question can be sent again as is
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (!response.ok || !data) {
          throw new Error(data && data.error && data.error.message ? data.error.message : TEXT.unexpected);
        }
        return data;
      });
    });
  }

  function get(path) { return request(path); }

  function post(path, body) {
    return request(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  }

  /* ``text`` as nodes, each suggested document's citation in it a link to the document */
  function linked(text, suggestions) {
    var nodes = [];
    var rest = text;
    while (rest) {
      var best = null;
      suggestions.forEach(function (s) {
        var at = s.citation ? rest.indexOf(s.citation) : -1;
        if (at >= 0 && (!best || at < best.at)) best = { at: at, s: s };
      });
      if (!best) { nodes.push(document.createTextNode(rest)); break; }
      if (best.at) nodes.push(document.createTextNode(rest.slice(0, best.at)));
      var a = docLink(best.s.doc_id, null, best.s.citation);
      a.setAttribute("data-testid", "hoidap-suggested-doc");
      nodes.push(a);
      rest = rest.slice(best.at + best.s.citation.length);
    }
    return nodes;
  }

  function docLink(docId, unitId, text) {
    var href = API + "/vanban/" + encodeURIComponent(docId) + (unitId ? "#" + encodeURIComponent(unitId) : "");
    return el("a", { href: href, target: "_blank", rel: "noopener" }, text);
  }

  function Widget() {
    this.conversationId = storedConversation();
    this.busy = false;
    this.uid = 0;
    this.shownReplies = {}; // expert replies already in the log, by request id
    this.build();
  }

  Widget.prototype.build = function () {
    var self = this;
    this.host = el("div", { id: "hoidap-cchc-widget" });
    // the host element sits in the page: an inline !important style beats any page rule on it
    this.host.style.setProperty("all", "initial", "important");
    var shadow = this.host.attachShadow({ mode: "open" });
    shadow.appendChild(el("style", {}, CSS));

    this.launcher = el("button", { type: "button", class: "launcher", "data-testid": "hoidap-open",
      "aria-label": TEXT.open, "aria-expanded": "false", "aria-controls": "hoidap-panel" },
      chatIcon(), TEXT.title);
    this.closeButton = el("button", { type: "button", class: "close", "data-testid": "hoidap-close",
      "aria-label": TEXT.close }, "×");
    this.log = el("div", { class: "log", "data-testid": "hoidap-messages", "aria-live": "polite",
      "aria-relevant": "additions", "aria-label": "Hội thoại" });
    this.input = el("input", { type: "text", "data-testid": "hoidap-input", placeholder: TEXT.placeholder,
      "aria-label": "Câu hỏi", autocomplete: "off" }); // no maxlength: a long paste is refused aloud, never cut
    this.sendButton = el("button", { type: "submit", class: "send", "data-testid": "hoidap-send" }, TEXT.send);
    this.form = el("form", { class: "form" }, this.input, this.sendButton);
    this.chatTab = el("button", { type: "button", role: "tab", class: "tab", id: "hoidap-tab-chat",
      "aria-selected": "true", "aria-controls": "hoidap-chat", "data-testid": "hoidap-tab-chat" }, TEXT.chatTab);
    this.quizTab = el("button", { type: "button", role: "tab", class: "tab", id: "hoidap-tab-quiz",
      "aria-selected": "false", "aria-controls": "hoidap-quiz", tabindex: "-1", "data-testid": "hoidap-tab-quiz" },
      TEXT.quizTab);
    this.chatPanel = el("div", { id: "hoidap-chat", class: "tabpanel", role: "tabpanel",
      "aria-labelledby": "hoidap-tab-chat" }, this.log, this.form);
    this.quizPanel = el("div", { id: "hoidap-quiz", class: "tabpanel", role: "tabpanel", hidden: true,
      "aria-labelledby": "hoidap-tab-quiz" });
    this.panel = el("div", { id: "hoidap-panel", class: "panel", role: "dialog", "aria-label": TEXT.title,
      "aria-modal": PHONE.matches ? "true" : "false",
      "data-testid": "hoidap-panel", hidden: true },
      el("div", { class: "head" },
        el("div", { class: "titles" }, el("h2", {}, TEXT.title), el("p", {}, TEXT.subtitle)),
        this.closeButton),
      el("div", { class: "tabs", role: "tablist", "aria-label": TEXT.tabs }, this.chatTab, this.quizTab),
      this.chatPanel, this.quizPanel);
    this.quiz = new Quiz(this.quizPanel);
    shadow.appendChild(el("div", { class: "root" }, this.panel, this.launcher));

    this.launcher.addEventListener("click", function () { self.panel.hidden ? self.open() : self.close(); });
    this.closeButton.addEventListener("click", function () { self.close(); });
    this.chatTab.addEventListener("click", function () { self.showTab("chat"); });
    this.quizTab.addEventListener("click", function () { self.showTab("quiz"); });
    [this.chatTab, this.quizTab].forEach(function (tab) {
      tab.addEventListener("keydown", function (event) { // arrow keys move between tabs (WAI-ARIA tabs pattern)
        if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
        event.preventDefault();
        self.showTab(tab === self.chatTab ? "quiz" : "chat");
        (tab === self.chatTab ? self.quizTab : self.chatTab).focus();
      });
    });
    this.form.addEventListener("submit", function (event) { event.preventDefault(); self.ask(self.input.value); });
    shadow.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !self.panel.hidden) { event.preventDefault(); self.close(); }
      if (event.key === "Tab" && !self.panel.hidden && PHONE.matches) self.trapFocus(event, shadow);
    });
    // on a phone the panel covers the page: a modal dialog, whose focus stays inside it
    PHONE.addEventListener("change", function () { self.panel.setAttribute("aria-modal", PHONE.matches ? "true" : "false"); });
    this.welcome();
    document.body.appendChild(this.host);
  };

  /* Tab from the last control of the full-screen dialog goes to its first, Shift+Tab from the first to the last. */
  Widget.prototype.trapFocus = function (event, shadow) {
    var controls = Array.prototype.filter.call(this.panel.querySelectorAll(
      "button, input, a[href], [tabindex]:not([tabindex='-1'])"), function (node) {
      return !node.disabled && node.getClientRects().length > 0;
    });
    if (!controls.length) return;
    var first = controls[0], last = controls[controls.length - 1];
    var active = shadow.activeElement;
    if (event.shiftKey && (active === first || !this.panel.contains(active))) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && (active === last || !this.panel.contains(active))) { event.preventDefault(); first.focus(); }
  };

  Widget.prototype.open = function () {
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    if (this.quizPanel.hidden) this.input.focus(); else this.quizTab.focus();
    this.fetchReplies();
  };

  Widget.prototype.showTab = function (name) {
    var quiz = name === "quiz";
    this.chatPanel.hidden = quiz;
    this.quizPanel.hidden = !quiz;
    this.chatTab.setAttribute("aria-selected", quiz ? "false" : "true");
    this.quizTab.setAttribute("aria-selected", quiz ? "true" : "false");
    this.chatTab.setAttribute("tabindex", quiz ? "-1" : "0");
    this.quizTab.setAttribute("tabindex", quiz ? "0" : "-1");
    if (quiz) this.quiz.show(); else this.input.focus();
  };

  /* Expert replies to this conversation, shown when the widget is opened again. */
  Widget.prototype.fetchReplies = function () {
    var self = this;
    if (!this.conversationId) return;
    get("/api/replies?conversation_id=" + encodeURIComponent(this.conversationId)).then(function (data) {
      (data.replies || []).forEach(function (reply) {
        if (self.shownReplies[reply.request_id]) return;
        self.shownReplies[reply.request_id] = true;
        self.add(self.renderExpertReply(reply));
      });
    }).catch(function () { /* replies are a courtesy: the conversation works without them */ });
  };

  Widget.prototype.renderExpertReply = function (reply) {
    var box = el("div", { class: "msg bot expert", "data-testid": "hoidap-expert-reply" },
      el("div", { class: "expert-head" }, "✉️ " + TEXT.expert),
      el("div", { class: "expert-q" }, TEXT.expertQuestion + (reply.question || "")),
      el("div", { class: "answer" }, reply.answer || ""));
    if ((reply.citations || []).length) {
      var list = el("ul", { class: "docs" });
      reply.citations.forEach(function (c) {
        list.appendChild(el("li", {}, docLink(c.doc_id, c.unit_id, (c.citation || c.doc_id) + ", " + (c.label || ""))));
      });
      box.appendChild(el("div", { class: "section" }, TEXT.sources));
      box.appendChild(list);
    }
    return box;
  };

  Widget.prototype.renderEscalate = function (answerId) {
    var self = this;
    var button = el("button", { type: "button", class: "escalate", "data-testid": "hoidap-escalate" },
      el("span", { "aria-hidden": "true" }, "✉️ "), TEXT.escalate);
    button.addEventListener("click", function () {
      button.disabled = true;
      post("/api/expert", { answer_id: answerId, conversation_id: self.conversationId }).then(function () {
        var done = el("div", { class: "section", "data-testid": "hoidap-escalated", tabindex: "-1" }, TEXT.escalated);
        button.replaceWith(done);
        done.focus();
      }).catch(function (error) {
        button.disabled = false;
        button.after(el("span", { role: "alert", "data-testid": "hoidap-error" }, error.message));
      });
    });
    return button;
  };

  Widget.prototype.close = function () {
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.focus();
  };

  Widget.prototype.scroll = function () { this.log.scrollTop = this.log.scrollHeight; };

  Widget.prototype.add = function (node) { this.log.appendChild(node); this.scroll(); return node; };

  Widget.prototype.welcome = function () {
    var self = this;
    var chips = el("div", { class: "chips", "data-testid": "hoidap-suggestions" });
    SUGGESTED.forEach(function (question) {
      var chip = el("button", { type: "button", class: "chip", "data-testid": "hoidap-suggestion" }, question);
      chip.addEventListener("click", function () { self.ask(question); });
      chips.appendChild(chip);
    });
    this.chips = chips;
    this.add(el("div", { class: "msg bot" }, TEXT.welcome, el("div", { class: "section" }, TEXT.tryThese), chips));
  };

  Widget.prototype.setBusy = function (busy) {
    this.busy = busy;
    this.sendButton.disabled = busy;
    this.form.setAttribute("aria-busy", busy ? "true" : "false");
    Array.prototype.forEach.call(this.chips.querySelectorAll("button"), function (b) { b.disabled = busy; });
  };

  /* Sends a question; ``again``: the question's message already in the log (a retry), not shown twice. */
  Widget.prototype.ask = function (raw, again) {
    var self = this;
    var question = (raw || "").trim();
    if (this.busy) return;
    if (!question) { this.add(el("div", { class: "msg error", role: "alert" }, TEXT.empty)); return; }
    this.input.value = "";
    var mine = again || this.add(el("div", { class: "msg user", "data-testid": "hoidap-user-message" },
      el("span", { class: "sr-only" }, TEXT.you), question));
    var status = this.add(el("div", { class: "msg status", "data-testid": "hoidap-loading" }, TEXT.searching));
    this.setBusy(true);
    var body = { question: question, channel: "widget" };
    if (this.conversationId) body.conversation_id = this.conversationId;
    post("/api/ask", body).then(function (data) {
      if (data.conversation_id && !self.conversationId) {
        self.conversationId = data.conversation_id; // follow-up questions continue this conversation
        storeConversation(data.conversation_id);
      }
      var reply = self.add(self.renderAnswer(data));
      // a long answer is read from its start: scroll there rather than to its end
      self.log.scrollTop = reply.offsetTop - self.log.offsetTop - 8;
    }).catch(function (error) {
      // the question is given back to be corrected (too long) or sent again (no network), never lost
      if (!self.input.value) self.input.value = question;
      var box = self.add(el("div", { class: "msg error", role: "alert", "data-testid": "hoidap-error" },
        sentence(error.message)));
      if (error.network) {
        var retry = el("button", { type: "button", class: "retry", "data-testid": "hoidap-retry" }, TEXT.retry);
        retry.addEventListener("click", function () { box.remove(); self.ask(question, mine); });
        box.appendChild(retry);
      }
    }).then(function () {
      status.remove();
      self.setBusy(false);
      self.input.focus();
    });
  };

  /* An API message as a sentence: "câu hỏi dài 768 ký tự, vượt giới hạn 500 ký tự" → "Câu hỏi dài …." */
  function sentence(text) {
    text = String(text || "");
    return text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?…]$/.test(text) ? "" : ".");
  }

  /* One answer: text with [n] markers as buttons, sources, feedback. */
  Widget.prototype.renderAnswer = function (data) {
    var self = this;
    var box = el("div", { class: "msg bot", "data-testid": "hoidap-reply" });
    var toggles = {}; // rank -> function opening that citation
    var answer = el("div", { class: "answer", "data-testid": "hoidap-answer" });
    if (data.faq) box.appendChild(el("div", { class: "faq", "data-testid": "hoidap-faq" }, TEXT.faq + data.faq.answered_at));
    box.appendChild(answer);

    var citations = data.citations || [];
    if (citations.length) {
      box.appendChild(el("div", { class: "section" }, TEXT.sources));
      var list = el("ol", { class: "cites" });
      citations.forEach(function (c) { list.appendChild(self.renderCitation(c, toggles)); });
      box.appendChild(list);
    }
    // the fact asked for, in bold on the first line; the answer text opens with it
    var text = String(data.answer || "");
    if (data.direct) {
      answer.appendChild(el("strong", { class: "direct", "data-testid": "hoidap-direct" }, String(data.direct)));
      if (text.indexOf(data.direct) === 0) {
        var lead = /^((?: \[\d+\])*)\.? */.exec(text.slice(data.direct.length));
        text = lead[1] + "\n" + text.slice(data.direct.length + lead[0].length);
      } else {
        text = "\n" + text;
      }
    }
    // the nearest documents of an answer that found nothing are named in its text: linked there, listed once
    var suggested = data.abstained ? (data.suggestions || []) : [];
    var unnamed = suggested.filter(function (s) { return !s.citation || text.indexOf(s.citation) < 0; });
    // markers are turned into buttons once the citations exist, so each can open its clause
    text.split(/(\[\d+\])/).forEach(function (part) {
      var match = /^\[(\d+)\]$/.exec(part);
      if (match && toggles[match[1]]) {
        var marker = el("button", { type: "button", class: "marker", "data-testid": "hoidap-marker",
          "aria-label": "Xem trích dẫn " + match[1] }, part);
        marker.addEventListener("click", function () { toggles[match[1]](true); });
        answer.appendChild(marker);
      } else if (part) {
        linked(part, suggested).forEach(function (node) { answer.appendChild(node); });
      }
    });
    if (unnamed.length) {
      box.appendChild(el("div", { class: "section" }, TEXT.nearest));
      var docs = el("ul", { class: "docs", "data-testid": "hoidap-suggested-docs" });
      unnamed.forEach(function (s) {
        docs.appendChild(el("li", {}, docLink(s.doc_id, null, s.citation || s.title || s.doc_id)));
      });
      box.appendChild(docs);
    }
    if (data.answer_id) box.appendChild(this.renderFeedback(data.answer_id));
    if (data.answer_id && data.abstained && !data.faq) box.appendChild(this.renderEscalate(data.answer_id));
    return box;
  };

  Widget.prototype.renderCitation = function (c, toggles) {
    var bodyId = "hoidap-cite-" + (++this.uid);
    var toggle = el("button", { type: "button", class: "cite-toggle", "aria-expanded": "false",
      "aria-controls": bodyId, "data-testid": "hoidap-citation-toggle" },
      el("span", { class: "arrow", "aria-hidden": "true" }),
      el("span", { class: "rank" }, "[" + c.rank + "] "), el("span", { class: "label" }, c.label || ""),
      el("span", { class: "doc" }, c.citation || c.doc_title || c.doc_id),
      c.validity ? el("span", { class: "validity", "data-testid": "hoidap-citation-validity" },
        "⚠ Văn bản " + c.validity) : null);
    var crumb = (c.breadcrumb || []).join(" › ");
    var successor = (c.replaced_by || [])[0];
    var body = el("div", { id: bodyId, class: "cite-body", "data-testid": "hoidap-citation-text", hidden: true },
      crumb ? el("p", { class: "crumb" }, crumb) : null,
      successor ? el("p", { class: "successor" }, "Văn bản thay thế: ",
        docLink(successor.doc_id, null, successor.citation || successor.doc_id)) : null,
      el("p", { class: "clause" }, c.text || ""),
      docLink(c.doc_id, c.unit_id, TEXT.read));
    function set(open) {
      body.hidden = !open;
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) toggle.scrollIntoView({ block: "nearest" });
    }
    toggle.addEventListener("click", function () { set(body.hidden); });
    toggles[String(c.rank)] = set;
    return el("li", { class: "cite", "data-testid": "hoidap-citation", "data-unit-id": c.unit_id }, toggle, body);
  };

  Widget.prototype.renderFeedback = function (answerId) {
    var self = this;
    var row = el("div", { class: "feedback", role: "group", "aria-label": TEXT.askFeedback },
      el("span", {}, TEXT.askFeedback));
    var up = el("button", { type: "button", "data-testid": "hoidap-feedback-up", "aria-label": TEXT.helpful,
      title: TEXT.helpful }, "👍 Có");
    var down = el("button", { type: "button", "data-testid": "hoidap-feedback-down", "aria-label": TEXT.unhelpful,
      title: TEXT.unhelpful }, "👎 Chưa");
    function send(helpful) {
      up.disabled = down.disabled = true;
      post("/api/feedback", { answer_id: answerId, helpful: helpful, channel: "widget" }).then(function () {
        var thanks = el("span", { "data-testid": "hoidap-feedback-thanks", tabindex: "-1" }, TEXT.thanks);
        row.replaceChildren(thanks);
        thanks.focus(); // the focused button is gone: keep keyboard users in the same place
        var box = row.parentNode;
        if (!helpful && box && !box.querySelector("[data-testid=hoidap-escalate]")) box.appendChild(self.renderEscalate(answerId));
      }).catch(function (error) {
        up.disabled = down.disabled = false;
        row.appendChild(el("span", { role: "alert", "data-testid": "hoidap-error" }, error.message));
      });
    }
    up.addEventListener("click", function () { send(true); });
    down.addEventListener("click", function () { send(false); });
    row.appendChild(up);
    row.appendChild(down);
    return row;
  };

  /* The "Kiểm tra kiến thức" tab: a check of published items, one at a time, with the answer and the
     clause it comes from shown after each, and the score at the end. */
  function quizClient() {
    try {
      var id = localStorage.getItem(QUIZ_CLIENT_KEY);
      if (!id) {
        id = "w" + Array.prototype.map.call(crypto.getRandomValues(new Uint8Array(12)), function (b) {
          return ("0" + b.toString(16)).slice(-2);
        }).join("");
        localStorage.setItem(QUIZ_CLIENT_KEY, id);
      }
      return id;
    } catch (e) { return null; } // storage blocked: the check is not weighted, it still works
  }

  function Quiz(panel) {
    this.panel = panel;
    this.box = el("div", { class: "quiz", "data-testid": "hoidap-quiz", "aria-live": "polite" });
    panel.appendChild(this.box);
    this.started = false;
  }

  Quiz.prototype.show = function () {
    if (!this.started) { this.started = true; this.intro(); }
    var focus = this.box.querySelector("button:not(:disabled)");
    if (focus) focus.focus();
  };

  Quiz.prototype.intro = function () {
    var self = this;
    this.agency = el("input", { type: "text", id: "hoidap-quiz-agency", "data-testid": "hoidap-quiz-agency",
      maxlength: "120", autocomplete: "organization", list: "hoidap-agencies" });
    var choices = el("datalist", { id: "hoidap-agencies" });
    // the agencies the admin lists, offered as the officer types (free text is still accepted, and folded to them)
    get("/api/quiz/agencies").then(function (data) {
      (data.names || []).forEach(function (name) { choices.appendChild(el("option", { value: name })); });
    }).catch(function () { /* a plain text box still works */ });
    var begin = el("button", { type: "button", class: "primary", "data-testid": "hoidap-quiz-start" }, TEXT.quizStart);
    begin.addEventListener("click", function () { self.begin(begin); });
    this.box.replaceChildren(el("div", { class: "card" }, el("p", { class: "question" }, TEXT.quizIntro),
      el("label", { for: "hoidap-quiz-agency" }, TEXT.agency), this.agency, choices, begin));
  };

  Quiz.prototype.error = function (message) {
    this.box.appendChild(el("div", { class: "msg error", role: "alert", "data-testid": "hoidap-error" }, message));
  };

  Quiz.prototype.begin = function (button) {
    var self = this;
    button.disabled = true;
    var body = {};
    var client = quizClient();
    if (client) body.client_id = client;
    var agency = (this.agency && this.agency.value || "").trim();
    if (agency) body.agency = agency;
    var loading = el("p", { class: "progress" }, TEXT.quizLoading);
    this.box.appendChild(loading);
    post("/api/quiz/start", body).then(function (data) {
      self.checkId = data.check_id;
      self.items = data.items || [];
      self.results = [];
      self.index = 0;
      self.render();
    }).catch(function (error) {
      loading.remove();
      button.disabled = false;
      self.error(error.message);
    });
  };

  Quiz.prototype.render = function () {
    var self = this;
    var item = this.items[this.index];
    var options = el("div", { class: "options", role: "group", "aria-label": "Các phương án" });
    var card = el("div", { class: "card", "data-testid": "hoidap-quiz-item" },
      el("p", { class: "progress", "data-testid": "hoidap-quiz-progress" },
        TEXT.questionOf(this.index + 1, this.items.length)),
      el("p", { class: "question", "data-testid": "hoidap-quiz-question" }, item.question), options);
    var buttons = item.options.map(function (option, i) {
      var b = el("button", { type: "button", class: "option", "data-testid": "hoidap-quiz-option",
        "data-index": String(i) }, "ABCD".charAt(i) + ". " + option);
      b.addEventListener("click", function () { self.choose(item, i, buttons, card); });
      options.appendChild(b);
      return b;
    });
    this.box.replaceChildren(card);
    this.box.scrollTop = 0;
    buttons[0].focus();
  };

  Quiz.prototype.choose = function (item, choice, buttons, card) {
    var self = this;
    buttons.forEach(function (b) { b.disabled = true; });
    post("/api/quiz/" + encodeURIComponent(this.checkId) + "/answer", { item_id: item.id, choice: choice })
      .then(function (data) {
        var right = data.answer_index;
        buttons[right].classList.add("is-right");
        if (!data.correct) buttons[choice].classList.add("is-wrong");
        self.results.push({ item: item, data: data });
        card.appendChild(el("p", { class: "verdict " + (data.correct ? "right" : "wrong"), role: "status",
          "data-testid": "hoidap-quiz-verdict" },
          data.correct ? TEXT.right : TEXT.wrong("ABCD".charAt(right), item.options[right])));
        card.appendChild(self.basis(data));
        var last = self.index === self.items.length - 1;
        var next = el("button", { type: "button", class: "primary", "data-testid": "hoidap-quiz-next" },
          last ? TEXT.finish : TEXT.next);
        next.addEventListener("click", function () {
          if (last) { self.finish(); } else { self.index += 1; self.render(); }
        });
        card.appendChild(next);
        next.focus();
      }).catch(function (error) {
        buttons.forEach(function (b) { b.disabled = false; });
        self.error(error.message);
      });
  };

  Quiz.prototype.basis = function (data) {
    return el("div", { class: "basis", "data-testid": "hoidap-quiz-clause", "data-unit-id": data.unit_id },
      el("p", { class: "where" }, TEXT.basis + " " + (data.citation || "")),
      el("p", { class: "clause" }, data.unit_text || ""),
      docLink(data.doc_id, data.unit_id, TEXT.read));
  };

  Quiz.prototype.finish = function () {
    var self = this;
    get("/api/quiz/" + encodeURIComponent(this.checkId)).then(function (score) {
      var list = el("ol", { class: "summary" });
      self.results.forEach(function (r) {
        list.appendChild(el("li", { "data-testid": "hoidap-quiz-summary-item" },
          (r.data.correct ? "✓ " : "✗ ") + r.item.question, self.basis(r.data)));
      });
      var again = el("button", { type: "button", class: "primary", "data-testid": "hoidap-quiz-again" }, TEXT.again);
      again.addEventListener("click", function () { self.intro(); self.show(); });
      self.box.replaceChildren(el("div", { class: "card", "data-testid": "hoidap-quiz-result" },
        el("p", { class: "score", "data-testid": "hoidap-quiz-score", tabindex: "-1" },
          TEXT.score(score.correct, score.total)),
        again, el("div", { class: "section" }, TEXT.review), list));
      self.box.scrollTop = 0;
      self.box.querySelector(".score").focus();
    }).catch(function (error) { self.error(error.message); });
  };

  function start() { new Widget(); }
  // an async script may run before <body> exists
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();

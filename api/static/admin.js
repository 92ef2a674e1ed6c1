/* The admin console (/admin). Plain JavaScript, no build step.
 *
 * Signed in with an admin key (POST /api/console/session): the session is an HttpOnly cookie the
 * script never sees; every change sends the session's CSRF token in X-CSRF-Token. Every string from
 * the API (document text, questions people asked) goes in with textContent, never as markup.
 */
(function () {
  "use strict";
  var csrf = null;
  var TABS = ["vanban", "cauhoi", "kiemtra", "ketqua"];
  var QUIZ_MISSING = "Chức năng kiểm tra kiến thức chưa có trên máy chủ này (địa chỉ /api/admin/quiz không tồn tại).";

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "class") node.className = attrs[name];
      else if (name === "hidden" || name === "checked" || name === "disabled") node[name] = !!attrs[name];
      else if (name === "value") node.value = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child == null) continue;
      node.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
    }
    return node;
  }
  function when(epoch) {
    if (!epoch) return "";
    // the browser's local time, written as officers write it: 16:23:36 03/12/2026
    var d = new Date(epoch * 1000);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds()) + " " + two(d.getDate()) + "/" +
      two(d.getMonth() + 1) + "/" + d.getFullYear();
  }
  function flash(text) { $("flash").textContent = text || ""; }

  /* fetch with the session cookie; changes carry the CSRF token. Rejects with an Error holding the
     API's Vietnamese message and its HTTP status. */
  function api(method, path, body) {
    var init = { method: method, credentials: "same-origin", headers: {} };
    if (method !== "GET") init.headers["X-CSRF-Token"] = csrf || "";
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    return fetch(path, init).catch(function () {
      throw Object.assign(new Error("Không kết nối được máy chủ; hãy kiểm tra mạng và thử lại."), { status: 0 });
    }).then(function (response) {
      if (response.status === 204) return null;
      var type = response.headers.get("content-type") || "";
      var read = type.indexOf("json") >= 0 ? response.json().catch(function () { return null; }) : response.text();
      return read.then(function (data) {
        if (!response.ok) {
          var message = data && data.error ? data.error.message : "Lỗi máy chủ (mã " + response.status + ")";
          if (response.status === 401 && path.indexOf("/api/console/") < 0) showSignIn("Phiên đăng nhập đã hết; hãy đăng nhập lại.");
          throw Object.assign(new Error(message), { status: response.status });
        }
        // a page of a longer list says how long in X-Total-Count
        if (Array.isArray(data) && response.headers.get("X-Total-Count")) data.total = Number(response.headers.get("X-Total-Count"));
        return data;
      });
    });
  }

  // --- sign-in ---------------------------------------------------------------------------------

  function showSignIn(message) {
    csrf = null;
    $("nav").hidden = true;
    TABS.forEach(function (t) { $("tab-" + t).hidden = true; });
    $("signin").hidden = false;
    flash(message || "");
    $("key").focus();
  }

  function signedIn(session) {
    csrf = session.csrf_token;
    $("signin").hidden = true;
    $("nav").hidden = false;
    show();
  }

  $("signin-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var error = $("signin-error");
    error.hidden = true;
    api("POST", "/api/console/session", { key: $("key").value }).then(function (session) {
      $("key").value = "";
      flash("");
      signedIn(session);
    }).catch(function (e) {
      error.textContent = e.message;
      error.hidden = false;
    });
  });

  $("signout").addEventListener("click", function () {
    api("DELETE", "/api/console/session").then(function () { showSignIn("Đã đăng xuất."); })
      .catch(function (e) { flash(e.message); });
  });

  // --- tabs ------------------------------------------------------------------------------------

  function show() {
    if (!csrf) return;
    var tab = location.hash.slice(1);
    if (TABS.indexOf(tab) < 0) tab = "vanban";
    TABS.forEach(function (t) { $("tab-" + t).hidden = t !== tab; });
    Array.prototype.forEach.call(document.querySelectorAll("nav a"), function (a) {
      if (a.getAttribute("data-tab") === tab) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
    ({ vanban: function () { loadDocuments(docsOffset); }, cauhoi: loadQuestions, kiemtra: function () { loadQuiz(quizOffset); },
       ketqua: loadResults })[tab]();
  }
  window.addEventListener("hashchange", function () { flash(""); show(); }); // a message belongs to the page it was said on

  // --- documents -------------------------------------------------------------------------------

  var PAGE = 50;
  var docsOffset = 0;
  var docsAsked = 0; // the newest request: an older answer arriving late is dropped
  var formats = null;

  /* Pages of a list: "Trang 2/40" with the previous and next pages, when there is more than one. */
  function pager(box, total, offset, size, go) {
    box.replaceChildren();
    if (total <= size) return;
    var page = Math.floor(offset / size) + 1, pages = Math.ceil(total / size);
    var prev = el("button", { type: "button", class: "secondary", "data-testid": box.getAttribute("data-testid") + "-prev", disabled: page === 1 }, "‹ Trang trước");
    var next = el("button", { type: "button", class: "secondary", "data-testid": box.getAttribute("data-testid") + "-next", disabled: page === pages }, "Trang sau ›");
    prev.addEventListener("click", function () { go(offset - size); });
    next.addEventListener("click", function () { go(offset + size); });
    box.appendChild(prev);
    box.appendChild(el("span", { "data-testid": box.getAttribute("data-testid") + "-at" }, "Trang " + page + "/" + pages));
    box.appendChild(next);
  }
  function number(n) { return Number(n).toLocaleString("vi-VN"); }
  function cell(label, child) {
    var td = el("td", { "data-label": label });
    for (var i = 1; i < arguments.length; i++) if (arguments[i] != null) td.appendChild(typeof arguments[i] === "string" ? document.createTextNode(arguments[i]) : arguments[i]);
    return td;
  }

  function loadFormats() {
    if (formats) return;
    api("GET", "/api/admin/formats").then(function (r) {
      formats = r.suffixes;
      $("file").setAttribute("accept", formats.join(","));
      $("formats").textContent = "(" + formats.join(" ") + ")";
    }).catch(function (e) { flash(e.message); });
  }

  function loadDocuments(offset) {
    loadFormats();
    docsOffset = offset || 0;
    var mine = ++docsAsked;
    var query = new URLSearchParams({ offset: String(docsOffset), limit: String(PAGE), sort: $("docs-sort").value });
    if ($("docs-q").value.trim()) query.set("q", $("docs-q").value.trim());
    api("GET", "/api/library?" + query.toString()).then(function (data) {
      if (mine !== docsAsked) return;
      var body = $("docs-table").tBodies[0];
      body.replaceChildren();
      data.items.forEach(function (doc) { body.appendChild(documentRow(doc)); });
      $("docs-count").textContent = data.total ? (data.total > PAGE ? (docsOffset + 1) + "–" + (docsOffset + data.items.length) + " / " : "") +
        number(data.total) + " văn bản" : "Không có văn bản nào khớp.";
      pager($("docs-pager"), data.total, docsOffset, PAGE, loadDocuments);
    }).catch(function (e) { flash(e.message); });
    loadTrash();
  }

  function documentRow(doc) {
    var replace = el("input", { type: "file", hidden: true, "aria-label": "Tệp thay thế cho " + doc.id });
    if (formats) replace.setAttribute("accept", formats.join(","));
    var replaceButton = el("button", { type: "button", class: "secondary" }, "Thay thế");
    replaceButton.addEventListener("click", function () { replace.click(); });
    replace.addEventListener("change", function () {
      if (!replace.files.length) return;
      var form = new FormData();
      form.append("file", replace.files[0]);
      upload("PUT", "/api/admin/documents/" + encodeURIComponent(doc.id), form);
    });
    var remove = el("button", { type: "button", class: "danger" }, "Xóa");
    remove.addEventListener("click", function () {
      if (!window.confirm("Xóa văn bản " + doc.id + "? Văn bản vào thùng rác và khôi phục được.")) return;
      api("DELETE", "/api/admin/documents/" + encodeURIComponent(doc.id)).then(function (r) {
        result("Đã xóa văn bản " + r.deleted + "; khôi phục được từ thùng rác đến " + when(Date.parse(r.restorable_until) / 1000) + ".");
        loadDocuments(docsOffset);
      }).catch(function (e) { result(e.message, true); });
    });
    var link = el("a", { href: "/vanban/" + encodeURIComponent(doc.id), target: "_blank" }, doc.title || doc.id);
    var editor = metadataEditor(doc);
    var edit = el("button", { type: "button", class: "secondary", "data-testid": "console-edit" }, "Sửa thông tin");
    edit.addEventListener("click", function () { editor.hidden = !editor.hidden; });
    return el("tr", { "data-doc-id": doc.id }, cell("Mã", doc.id),
      cell("Văn bản", link, el("div", { class: "muted" }, doc.citation || ""),
        doc.in_force === false ? el("span", { class: "badge warn" }, "Đã được thay thế") : null, editor),
      cell("Năm", doc.period || ""), cell("Số đoạn", String(doc.units)),
      el("td", {}, el("div", { class: "actions" }, edit, replaceButton, remove, replace)));
  }

  var BY = { deleted: "xóa khỏi kho", restore: "thay bằng bản khôi phục từ thùng rác" };
  function loadTrash() {
    api("GET", "/api/admin/trash").then(function (entries) {
      var body = $("trash-table").tBodies[0];
      body.replaceChildren();
      if (!entries.length) body.appendChild(el("tr", {}, el("td", { colspan: "5", class: "muted" }, "Thùng rác trống.")));
      entries.forEach(function (entry) {
        var restore = el("button", { type: "button", class: "secondary", "data-testid": "console-trash-restore" }, "Khôi phục bản này");
        restore.addEventListener("click", function () {
          restore.disabled = true;
          result("Đang khôi phục và cập nhật tra cứu…");
          api("POST", "/api/admin/documents/" + encodeURIComponent(entry.doc_id) + "/restore?trash_id=" + entry.trash_id).then(function (r) {
            result("Đã khôi phục văn bản " + r.restored + " (bản tải lên lúc " + when(entry.uploaded_at) + "): " + r.units + " đoạn.");
            loadDocuments(docsOffset);
          }).catch(function (e) { result(e.message, true); });
        });
        var by = entry.by || {};
        var left = entry.reason === "deleted" ? "Đã xóa lúc " + when(entry.trashed_at)
          : "Bị thay thế lúc " + when(entry.trashed_at) + (by.kind === "upload" ? " bằng tệp " + by.file + " (tải lên lúc " + when(by.uploaded_at) + ")" : by.kind ? ", " + BY[by.kind] : "");
        body.appendChild(el("tr", { "data-testid": "console-trash-row", "data-doc-id": entry.doc_id },
          cell("Văn bản", el("strong", {}, entry.title || entry.doc_id), el("div", { class: "muted" }, "Mã " + entry.doc_id)),
          cell("Bản này", el("span", { class: "copy", "data-testid": "console-trash-copy" },
            "Tệp " + (entry.file || "?") + ", tải lên lúc " + when(entry.uploaded_at) + ", " + entry.units + " đoạn")),
          cell("Rời kho", el("span", { "data-testid": "console-trash-left" }, left)),
          cell("Khôi phục được đến", when(entry.restorable_until)), el("td", {}, restore)));
      });
    }).catch(function (e) { flash(e.message); });
  }
  $("docs-filters").addEventListener("submit", function (event) { event.preventDefault(); loadDocuments(0); });
  var docsTimer = null;
  $("docs-filters").addEventListener("input", function (event) {
    clearTimeout(docsTimer);
    docsTimer = setTimeout(function () { loadDocuments(0); }, event.target.tagName === "SELECT" ? 0 : 250);
  });

  /* A small form correcting the kind and title (trích yếu) of a document, the two fields a header
     read wrongly most often gets wrong; PATCH /api/admin/documents/{id}/metadata keeps them by id. */
  function metadataEditor(doc) {
    var kind = el("input", { type: "text", value: doc.type || "", maxlength: "40", "data-testid": "console-edit-kind", "aria-label": "Loại văn bản của " + doc.id });
    var title = el("input", { type: "text", value: doc.title || "", maxlength: "500", size: "60", "data-testid": "console-edit-title", "aria-label": "Trích yếu của " + doc.id });
    var form = el("form", { class: "metadata-editor", hidden: true },
      el("label", {}, "Loại văn bản ", kind), " ", el("label", {}, "Trích yếu ", title), " ",
      el("button", { type: "submit", "data-testid": "console-edit-save" }, "Lưu"));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var changes = {};
      if (kind.value.trim() !== (doc.type || "")) changes.doc_type = kind.value;
      if (title.value.trim() !== (doc.title || "")) changes.title = title.value;
      if (!Object.keys(changes).length) { result("Không có gì thay đổi.", false); return; }
      api("PATCH", "/api/admin/documents/" + encodeURIComponent(doc.id) + "/metadata", changes).then(function (r) {
        result("Đã sửa " + doc.id + ": " + r.document.citation + ".");
        loadDocuments(docsOffset);
      }).catch(function (e) { result(e.message, true); });
    });
    return form;
  }

  function result(text, bad) {
    var box = $("upload-result");
    box.hidden = false;
    box.className = "result" + (bad ? " bad" : "");
    box.textContent = text;
    box.scrollIntoView({ block: "nearest" });
  }

  function upload(method, path, form) {
    result("Đang tải lên và cập nhật chỉ mục…");
    return api(method, path, form).then(function (r) {
      var what = { added: "Đã thêm", updated: "Đã thay thế", replaced: "Đã thay thế", indexed: "Đã đưa vào tra cứu",
        unchanged: "Không đổi (nội dung như bản đang có)" }[r.status] || "Đã cập nhật";
      result(what + " văn bản " + r.doc_id + ": " + r.units + " đoạn" +
        (r.replaced_trash_id ? "; bản cũ vào thùng rác, khôi phục được" : "") + ".");
      loadDocuments(docsOffset);
    }).catch(function (e) { result(e.message, true); });
  }

  $("upload-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var file = $("file").files[0];
    if (!file) { result("Hãy chọn một tệp văn bản" + (formats ? " (" + formats.join(" ") + ")" : "") + ".", true); return; }
    var form = new FormData();
    form.append("file", file);
    var params = [];
    if ($("docid").value.trim()) params.push("doc_id=" + encodeURIComponent($("docid").value.trim()));
    if ($("replace").checked) params.push("replace=true");
    upload("POST", "/api/admin/documents" + (params.length ? "?" + params.join("&") : ""), form);
  });

  // --- questions and the expert queue ---------------------------------------------------------

  function loadQuestions() {
    api("GET", "/api/admin/experts/requests?status=open").then(renderQueue).catch(function (e) { flash(e.message); });
    loadLog(0);
    api("GET", "/api/admin/experts/faq").then(function (entries) {
      var box = $("faq");
      box.replaceChildren();
      if (!entries.length) box.appendChild(el("p", { class: "empty" }, "Chưa có câu hỏi thường gặp."));
      entries.forEach(function (entry) {
        var retire = el("button", { type: "button", class: "secondary" }, "Ngừng dùng");
        retire.addEventListener("click", function () {
          api("DELETE", "/api/admin/experts/faq/" + entry.id).then(loadQuestions).catch(function (e) { flash(e.message); });
        });
        box.appendChild(el("div", { class: "card", "data-testid": "console-faq-entry" }, el("strong", {}, entry.question),
          el("div", {}, entry.answer), el("div", { class: "muted" }, when(entry.created_at) +
            (entry.units.length ? " · " + entry.units.map(function (u) { return u.citation + ", " + u.label; }).join("; ") : "")), retire));
      });
    }).catch(function (e) { flash(e.message); });
  }

  var CHANNELS = { api: "API", widget: "Widget", telegram: "Telegram", zalo: "Zalo" };
  var logAsked = 0;
  /* GET /api/admin/questions: a page of the log (X-Total-Count in all), filtered by words, channel and state. */
  function loadLog(offset) {
    var mine = ++logAsked;
    var query = new URLSearchParams({ offset: String(offset), limit: String(PAGE) });
    if ($("log-q").value.trim()) query.set("q", $("log-q").value.trim());
    if ($("log-channel").value) query.set("channel", $("log-channel").value);
    if ($("log-state").value) query.set("state", $("log-state").value);
    api("GET", "/api/admin/questions?" + query.toString()).then(function (rows) {
      var page = { rows: rows, total: rows.total != null ? rows.total : rows.length };
      if (mine !== logAsked) return;
      var body = $("log-table").tBodies[0];
      body.replaceChildren();
      if (!page.rows.length) body.appendChild(el("tr", {}, el("td", { colspan: "4", class: "muted" }, "Không có câu hỏi nào khớp.")));
      page.rows.forEach(function (row) { body.appendChild(logRow(row)); });
      $("log-count").textContent = page.total > PAGE ? (offset + 1) + "–" + (offset + page.rows.length) + " / " + number(page.total) + " câu hỏi"
        : number(page.total) + " câu hỏi";
      pager($("log-pager"), page.total, offset, PAGE, loadLog);
    }).catch(function (e) { flash(e.message); });
  }

  function logRow(row) {
    var state = cell("Tình trạng");
    var expert = row.expert;
    if (expert && expert.reply) {
      state.appendChild(el("span", { class: "badge ok", "data-testid": "console-log-expert" }, "cán bộ đã trả lời"));
      state.appendChild(el("div", { class: "reply" }, expert.reply));
    } else if (expert) {
      state.appendChild(el("span", { class: "badge" }, "đang chờ cán bộ trả lời"));
    } else if (row.abstained) {
      state.appendChild(el("span", { class: "badge warn" }, "không trả lời được"));
    }
    if (row.negative) state.appendChild(el("span", { class: "badge warn" }, "👎 " + row.negative));
    if (row.positive) state.appendChild(el("span", { class: "badge ok" }, "👍 " + row.positive));
    if (row.comments) state.appendChild(el("div", { class: "muted" }, row.comments));
    return el("tr", { "data-testid": "console-log-row", "data-channel": row.channel }, cell("Thời gian", when(row.created_at)),
      cell("Kênh", CHANNELS[row.channel] || row.channel), cell("Câu hỏi", row.question), state);
  }
  var logTimer = null;
  $("log-filters").addEventListener("input", function (event) {
    clearTimeout(logTimer);
    logTimer = setTimeout(function () { loadLog(0); }, event.target.tagName === "SELECT" ? 0 : 250);
  });
  $("log-filters").addEventListener("submit", function (event) { event.preventDefault(); loadLog(0); });

  function renderQueue(requests) {
    var box = $("queue");
    box.replaceChildren();
    if (!requests.length) { box.appendChild(el("p", { class: "empty" }, "Không có câu hỏi nào đang chờ.")); return; }
    requests.forEach(function (req) { box.appendChild(renderRequest(req)); });
  }

  function renderRequest(req) {
    var channel = { api: "widget", telegram: "Telegram", zalo: "Zalo" }[req.channel] || req.channel;
    var text = el("textarea", { "aria-label": "Câu trả lời", "data-testid": "console-reply-text",
      placeholder: "Nhập câu trả lời cho người hỏi…" });
    var query = el("input", { type: "search", "aria-label": "Tìm đoạn văn bản để trích dẫn", value: req.question,
      "data-testid": "console-search" });
    var find = el("button", { type: "button", class: "secondary", "data-testid": "console-search-button" }, "Tìm đoạn văn bản");
    var hits = el("ul", { class: "hits", "data-testid": "console-hits" });
    var asFaq = el("input", { type: "checkbox", checked: true, "data-testid": "console-reply-faq" });
    var send = el("button", { type: "submit", "data-testid": "console-reply-send" }, "Gửi trả lời");
    var status = el("p", { class: "muted", role: "status" });
    find.addEventListener("click", function () {
      hits.replaceChildren(el("li", { class: "muted" }, "Đang tìm…"));
      api("GET", "/api/admin/search?q=" + encodeURIComponent(query.value)).then(function (units) {
        hits.replaceChildren();
        if (!units.length) hits.appendChild(el("li", { class: "muted" }, "Không tìm thấy đoạn nào."));
        units.forEach(function (u) {
          var box = el("input", { type: "checkbox", value: u.unit_id, "data-testid": "console-hit" });
          var link = el("a", { href: "/vanban/" + encodeURIComponent(u.doc_id) + "#" + encodeURIComponent(u.unit_id), target: "_blank" }, "đọc");
          hits.appendChild(el("li", {}, el("label", {}, box, el("span", {}, el("strong", {}, u.label), " — " + u.citation,
            el("div", { class: "muted" }, u.text.length > 300 ? u.text.slice(0, 300) + "…" : u.text), link))));
        });
      }).catch(function (e) { hits.replaceChildren(el("li", { class: "error" }, e.message)); });
    });
    var form = el("form", { class: "card", "data-testid": "console-request", "data-request-id": String(req.id) },
      el("div", {}, el("span", { class: "badge" }, channel), req.abstained ? el("span", { class: "badge warn" }, "không trả lời được") : el("span", { class: "badge warn" }, "👎"),
        el("span", { class: "muted" }, when(req.created_at))),
      el("strong", {}, req.question),
      el("details", {}, el("summary", { class: "muted" }, "Câu trả lời tự động"), el("div", { class: "muted" }, req.bot_answer)),
      text, el("div", { class: "card row" }, query, find), hits,
      el("label", { class: "inline" }, asFaq, " Đưa vào câu hỏi thường gặp (trả lời sẵn cho câu hỏi gần giống)"),
      send, status);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var units = Array.prototype.map.call(hits.querySelectorAll("input:checked"), function (b) { return b.value; });
      if (!text.value.trim() && !units.length) { status.textContent = "Hãy nhập câu trả lời hoặc chọn đoạn văn bản để trích dẫn."; return; }
      send.disabled = true;
      api("POST", "/api/admin/experts/requests/" + req.id + "/reply",
        { text: text.value.trim() || "Mời xem đoạn văn bản được trích dẫn dưới đây.", unit_ids: units, faq: asFaq.checked }).then(function () {
        flash("Đã gửi câu trả lời cho người hỏi qua " + channel + ".");
        loadQuestions();
      }).catch(function (e) { send.disabled = false; status.textContent = e.message; });
    });
    return form;
  }

  // --- quiz items (the /api/admin/quiz contract) -----------------------------------------------

  function empty(box, text, testid) { box.replaceChildren(el("p", { class: "empty", "data-testid": testid }, text)); }

  var QUIZ_PAGE = 20;
  var quizOffset = 0;
  var quizAsked = 0;
  var selected = {}; // item id -> true, across the pages of one filter

  function loadQuiz(offset) {
    quizOffset = offset || 0;
    var mine = ++quizAsked;
    var box = $("quiz");
    box.replaceChildren(el("p", { class: "muted" }, "Đang tải…"));
    var query = new URLSearchParams({ status: $("quiz-status").value, offset: String(quizOffset), limit: String(QUIZ_PAGE) });
    if ($("quiz-kind").value) query.set("kind", $("quiz-kind").value);
    if ($("quiz-q").value.trim()) query.set("q", $("quiz-q").value.trim());
    api("GET", "/api/admin/quiz/items?" + query.toString()).then(function (data) {
      if (mine !== quizAsked) return; // the choice changed while this was loading
      var items = (data && data.items) || []; // {"total": n, "items": [...]}
      var total = data.total != null ? data.total : items.length;
      $("quiz-bulk").hidden = !items.length;
      pager($("quiz-pager"), total, quizOffset, QUIZ_PAGE, loadQuiz);
      if (!items.length) { empty(box, "Không có câu hỏi nào ở trạng thái này.", "console-quiz-empty"); return; }
      box.replaceChildren(el("p", { class: "muted", "data-testid": "console-quiz-count" }, total > QUIZ_PAGE ?
        (quizOffset + 1) + "–" + (quizOffset + items.length) + " / " + number(total) + " câu hỏi" : total + " câu hỏi"));
      items.forEach(function (item) { box.appendChild(renderItem(item)); });
      showSelected();
    }).catch(function (e) { $("quiz-bulk").hidden = true; empty(box, e.status === 404 ? QUIZ_MISSING : e.message, "console-quiz-empty"); });
  }

  function showSelected() {
    var n = Object.keys(selected).length;
    $("quiz-selected").textContent = n ? "Đã chọn " + n + " câu" : "Chưa chọn câu nào";
    var boxes = document.querySelectorAll("[data-testid=console-quiz-select]");
    $("quiz-select-page").checked = boxes.length > 0 && Array.prototype.every.call(boxes, function (b) { return b.checked; });
    ["quiz-bulk-publish", "quiz-bulk-retire", "quiz-bulk-draft"].forEach(function (id) { $(id).disabled = !n; });
    var status = $("quiz-status").value;
    $("quiz-bulk-publish").hidden = status === "published";
    $("quiz-bulk-retire").hidden = status === "retired";
    $("quiz-bulk-draft").hidden = status === "draft";
  }

  var BULK_DONE = { published: "Đã phát hành", retired: "Đã ngừng dùng", draft: "Đã chuyển về chờ duyệt" };
  function bulk(status) {
    var ids = Object.keys(selected);
    if (!ids.length) return;
    api("POST", "/api/admin/quiz/items/status", { ids: ids, status: status }).then(function (r) {
      selected = {};
      flash(BULK_DONE[status] + " " + r.changed + " câu hỏi.");
      loadQuiz(0);
    }).catch(function (e) { flash(e.message); });
  }
  $("quiz-bulk-publish").addEventListener("click", function () { bulk("published"); });
  $("quiz-bulk-retire").addEventListener("click", function () { bulk("retired"); });
  $("quiz-bulk-draft").addEventListener("click", function () { bulk("draft"); });
  $("quiz-select-page").addEventListener("change", function () {
    var on = $("quiz-select-page").checked;
    Array.prototype.forEach.call(document.querySelectorAll("[data-testid=console-quiz-select]"), function (b) {
      b.checked = on;
      if (on) selected[b.value] = true; else delete selected[b.value];
    });
    showSelected();
  });
  var quizTimer = null;
  $("quiz-filters").addEventListener("input", function (event) {
    clearTimeout(quizTimer);
    selected = {}; // a choice belongs to what was shown
    quizTimer = setTimeout(function () { loadQuiz(0); }, event.target.tagName === "SELECT" ? 0 : 250);
  });
  $("quiz-filters").addEventListener("submit", function (event) { event.preventDefault(); loadQuiz(0); });

  var KIND = { mcq: "Trắc nghiệm", truefalse: "Đúng/sai" };
  var FACT = { percent: "tỷ lệ", docnumber: "số văn bản", agency: "cơ quan chủ trì", deadline: "thời hạn" };
  var STATUS_DONE = { published: "Đã phát hành", retired: "Đã ngừng dùng", draft: "Đã chuyển về chờ duyệt" };

  /* One item of GET /api/admin/quiz/items: {id, kind ("mcq" | "truefalse"), question, options, answer_index,
     unit_id, doc_id, status, citation (a string), label, fact, fact_kind}. */
  function renderItem(item) {
    var question = el("textarea", { "aria-label": "Câu hỏi", "data-testid": "console-quiz-question" });
    question.value = item.question || "";
    var name = "answer-" + item.id;
    var options = el("ol", { class: "options" });
    var fixed = item.kind === "truefalse"; // always "Đúng", "Sai": only the right answer can change
    var inputs = (item.options || []).map(function (option, i) {
      var radio = el("input", { type: "radio", name: name, value: String(i), checked: i === item.answer_index, "aria-label": "Đáp án đúng " + (i + 1) });
      var input = el("input", { type: "text", "aria-label": "Phương án " + (i + 1), "data-testid": "console-quiz-option" });
      input.value = option;
      input.readOnly = fixed;
      options.appendChild(el("li", {}, radio, input));
      return { radio: radio, input: input };
    });
    var status = el("p", { class: "muted", role: "status" });
    function patch(change) {
      return api("PATCH", "/api/admin/quiz/items/" + encodeURIComponent(item.id), change).then(function (saved) {
        status.textContent = "Đã lưu.";
        if (change.status) {
          flash(STATUS_DONE[saved.status] + " câu hỏi.");
          delete selected[saved.id];
          loadQuiz(quizOffset);
        }
      }).catch(function (e) { status.textContent = e.message; });
    }
    var save = el("button", { type: "button", class: "secondary", "data-testid": "console-quiz-save" }, "Lưu sửa đổi");
    save.addEventListener("click", function () {
      var chosen = inputs.findIndex(function (x) { return x.radio.checked; });
      if (chosen < 0) { status.textContent = "Hãy chọn đáp án đúng."; return; }
      var change = { question: question.value, answer_index: chosen };
      if (!fixed) change.options = inputs.map(function (x) { return x.input.value; });
      patch(change);
    });
    var buttons = el("div", { class: "card row" }, save);
    [["published", "Phát hành", "console-quiz-publish"], ["retired", "Ngừng dùng", "console-quiz-retire"], ["draft", "Về chờ duyệt", "console-quiz-draft"]]
      .forEach(function (b) {
        if (b[0] === item.status) return;
        var button = el("button", { type: "button", "data-testid": b[2], class: b[0] === "retired" ? "danger" : "" }, b[1]);
        button.addEventListener("click", function () { button.disabled = true; patch({ status: b[0] }).then(function () { button.disabled = false; }); });
        buttons.appendChild(button);
      });
    var source = el("div", { class: "muted" }, (KIND[item.kind] || item.kind) + (FACT[item.fact_kind] ? " về " + FACT[item.fact_kind] : "") +
      " · " + (item.citation || item.doc_id || "") + " ",
      item.unit_id ? el("a", { href: "/vanban/" + encodeURIComponent(item.doc_id) + "#" + encodeURIComponent(item.unit_id), target: "_blank" }, "đoạn trích dẫn") : null);
    var pick = el("input", { type: "checkbox", value: item.id, checked: !!selected[item.id], "data-testid": "console-quiz-select",
      "aria-label": "Chọn câu hỏi: " + (item.question || "").slice(0, 80) });
    pick.addEventListener("change", function () {
      if (pick.checked) selected[item.id] = true; else delete selected[item.id];
      showSelected();
    });
    return el("div", { class: "card", "data-testid": "console-quiz-item", "data-item-id": String(item.id), "data-status": item.status },
      el("label", { class: "quiz-select" }, pick, " Chọn"), source, question, options, buttons, status);
  }

  $("quiz-generate").addEventListener("click", function () {
    var button = $("quiz-generate");
    button.disabled = true;
    api("POST", "/api/admin/quiz/generate", { count: Number($("quiz-count").value) || 20 }).then(function (r) {
      flash("Đã tạo thêm " + r.added + " câu hỏi (chờ duyệt).");
      $("quiz-status").value = "draft";
      selected = {};
      loadQuiz(0);
    }).catch(function (e) { flash(e.status === 404 ? QUIZ_MISSING : e.message); }).then(function () { button.disabled = false; });
  });

  // --- results ---------------------------------------------------------------------------------

  /* GET /api/admin/quiz/results?by=agency|item is a JSON list of {key, taken, correct, share} (by item also
     `question`), in the server's order: by agency the most answered first, by item the least often right first.
     The chart and the table keep that order, row for row. */
  var CHART_ROWS = 30;
  function loadResults() {
    loadAgencies();
    var by = $("results-by").value;
    $("results-csv").href = "/api/admin/quiz/results?by=" + encodeURIComponent(by) + "&format=csv";
    var box = $("results");
    box.replaceChildren(el("p", { class: "muted" }, "Đang tải…"));
    api("GET", "/api/admin/quiz/results?by=" + encodeURIComponent(by)).then(function (rows) {
      if (by !== $("results-by").value) return; // the choice changed while this was loading
      rows = Array.isArray(rows) ? rows : [];
      if (!rows.length) { empty(box, "Chưa có kết quả kiểm tra nào.", "console-results-empty"); return; }
      var taken = rows.reduce(function (n, row) { return n + row.taken; }, 0);
      var note = rows.length + (by === "item" ? " câu hỏi, " : " cơ quan, đơn vị, ") + taken + " lượt trả lời" +
        (rows.length > CHART_ROWS ? "; biểu đồ vẽ " + CHART_ROWS + (by === "item" ? " câu ít đúng nhất" : " cơ quan có nhiều lượt nhất") +
          ", bảng dưới đủ cả " + rows.length : "") + ".";
      var narrow = box.clientWidth && box.clientWidth < 600 ? box.clientWidth : 0;
      box.replaceChildren(el("p", { class: "muted", "data-testid": "console-results-note" }, note), chart(rows, by, narrow), table(rows, by));
    }).catch(function (e) { empty(box, e.status === 404 ? QUIZ_MISSING : e.message, "console-results-empty"); });
  }
  function share(row) { return row.share != null ? Number(row.share) : (row.taken ? row.correct / row.taken : 0); }
  function labelOf(row, by) {
    if (by === "item") return questionWords(row.question) || String(row.key);
    return row.key ? String(row.key) : "(không ghi cơ quan)";
  }
  /* What an item asks, in its own words: an older item's opening "Theo <document> (<unit>), " and the cloze's
     "Điền vào chỗ trống:" are left out, so that bars are told apart by their questions. */
  function questionWords(text) {
    text = String(text || "");
    var older = /^Theo .*?\)(?:,|:)\s*/.exec(text);
    if (older) text = text.slice(older[0].length);
    text = text.replace(/^điền vào chỗ trống:\s*/i, "").replace(/\s*\(Theo [^()]*\)\s*$/, "");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }
  /* A label cut at a word, with "…", to ``max`` characters. */
  function cut(text, max) {
    if (text.length <= max) return text;
    var head = text.slice(0, max - 1);
    var space = head.lastIndexOf(" ");
    return (space > max / 2 ? head.slice(0, space) : head) + "…";
  }

  /* A horizontal bar per row (a <g> carrying the row's key and counts): the share answered correctly, in plain SVG. */
  /* Wide: the label left of its bar. Narrow (a phone): the label on its own line above the bar, the drawing as
     wide as the screen, so that its text is read at its own size (13px), never scaled down to a few pixels. */
  function chart(rows, by, narrow) {
    var ns = "http://www.w3.org/2000/svg";
    var shown = rows.slice(0, CHART_ROWS);
    var bar = 22, gap = 8, left = 300, width = 520, top = 10, labelChars = 44, line = 0;
    if (narrow) { left = 0; width = narrow - 90; labelChars = Math.floor(narrow / 7.5); line = 18; }
    var step = bar + gap + line;
    var height = top + shown.length * step + 10;
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 " + (left + width + 90) + " " + height);
    svg.setAttribute("data-layout", narrow ? "narrow" : "wide");
    svg.setAttribute("class", "chart");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "Tỷ lệ trả lời đúng " + (by === "item" ? "theo câu hỏi" : "theo cơ quan, đơn vị"));
    svg.setAttribute("data-testid", "console-results-chart");
    svg.setAttribute("data-by", by);
    function node(parent, tag, attrs, text) {
      var n = document.createElementNS(ns, tag);
      Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
      if (text != null) n.textContent = text;
      parent.appendChild(n);
      return n;
    }
    shown.forEach(function (row, i) {
      var y = top + i * step + line;
      var value = Math.max(0, Math.min(1, share(row)));
      var label = labelOf(row, by);
      var percent = Math.round(value * 100) + "%";
      var g = node(svg, "g", { "data-testid": "console-results-bar", "data-key": String(row.key), "data-taken": String(row.taken),
        "data-correct": String(row.correct) });
      node(g, "title", {}, label + ": " + row.correct + "/" + row.taken + " đúng (" + percent + ")");
      node(g, "text", narrow ? { x: 0, y: y - 5, "data-testid": "console-results-label" }
        : { x: left - 8, y: y + bar * 0.7, "text-anchor": "end", "data-testid": "console-results-label" }, cut(label, labelChars));
      node(g, "rect", { x: left, y: y, width: width, height: bar, fill: "#eef2f6" });
      node(g, "rect", { x: left, y: y, width: Math.round(width * value), height: bar, "data-testid": "console-results-fill",
        fill: value < 0.5 ? "#b42318" : value < 0.8 ? "#f5a623" : "#1e6b34" });
      node(g, "text", { x: left + width + 6, y: y + bar * 0.7 }, percent + " (" + row.correct + "/" + row.taken + ")");
    });
    return svg;
  }
  function table(rows, by) {
    var body = el("tbody", {});
    rows.forEach(function (row) {
      body.appendChild(el("tr", { "data-key": String(row.key) }, el("td", {}, labelOf(row, by)), el("td", {}, String(row.taken)),
        el("td", {}, String(row.correct)), el("td", {}, Math.round(share(row) * 100) + "%")));
    });
    return el("div", { class: "scroll" }, el("table", { "data-testid": "console-results-table" }, el("thead", {}, el("tr", {},
      el("th", {}, by === "item" ? "Câu hỏi" : "Cơ quan, đơn vị"), el("th", {}, "Lượt trả lời"), el("th", {}, "Đúng"),
      el("th", {}, "Tỷ lệ đúng"))), body));
  }
  $("results-by").addEventListener("change", loadResults);

  /* The agencies takers choose from, one a line; PUT /api/admin/quiz/agencies refuses two spellings of one. */
  var agenciesEdited = false; // what the admin is typing is never overwritten by a list arriving late
  function loadAgencies() {
    api("GET", "/api/admin/quiz/agencies").then(function (r) { if (!agenciesEdited) $("agencies").value = r.names.join("\n"); })
      .catch(function (e) { if (e.status !== 404) flash(e.message); });
  }
  $("agencies").addEventListener("input", function () { agenciesEdited = true; });
  $("agencies-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var names = $("agencies").value.split("\n").map(function (n) { return n.trim(); }).filter(Boolean);
    api("PUT", "/api/admin/quiz/agencies", { names: names }).then(function (r) {
      agenciesEdited = false;
      $("agencies").value = r.names.join("\n");
      flash("Đã lưu danh sách " + r.names.length + " cơ quan, đơn vị.");
      loadResults();
    }).catch(function (e) { flash(e.message); });
  });

  // --- start -----------------------------------------------------------------------------------

  api("GET", "/api/console/session").then(signedIn).catch(function (e) {
    showSignIn(e.status === 401 ? "" : e.message);
  });
})();

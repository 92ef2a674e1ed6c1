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
    var d = new Date(epoch * 1000);
    return d.toLocaleString("vi-VN", { hour12: false });
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
    ({ vanban: loadDocuments, cauhoi: loadQuestions, kiemtra: loadQuiz, ketqua: loadResults })[tab]();
  }
  window.addEventListener("hashchange", function () { flash(""); show(); }); // a message belongs to the page it was said on

  // --- documents -------------------------------------------------------------------------------

  function loadDocuments() {
    api("GET", "/api/documents").then(function (docs) {
      var body = $("docs-table").tBodies[0];
      body.replaceChildren();
      docs.forEach(function (doc) {
        var replace = el("input", { type: "file", hidden: true, "aria-label": "Tệp thay thế cho " + doc.id });
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
            result("Đã xóa " + r.deleted + " (chỉ mục " + r.index_version + "); khôi phục được đến " + r.restorable_until + ".");
            loadDocuments();
          }).catch(function (e) { result(e.message, true); });
        });
        var link = el("a", { href: "/vanban/" + encodeURIComponent(doc.id), target: "_blank" }, doc.title || doc.id);
        var editor = metadataEditor(doc);
        var edit = el("button", { type: "button", class: "secondary", "data-testid": "console-edit" }, "Sửa thông tin");
        edit.addEventListener("click", function () { editor.hidden = !editor.hidden; });
        body.appendChild(el("tr", { "data-doc-id": doc.id }, el("td", {}, doc.id),
          el("td", {}, link, el("div", { class: "muted" }, doc.citation || ""), editor),
          el("td", {}, String(doc.units)), el("td", {}, edit, " ", replaceButton, " ", remove, replace)));
      });
    }).catch(function (e) { flash(e.message); });
    api("GET", "/api/admin/trash").then(function (entries) {
      var body = $("trash-table").tBodies[0];
      body.replaceChildren();
      if (!entries.length) body.appendChild(el("tr", {}, el("td", { colspan: "5", class: "muted" }, "Thùng rác trống.")));
      entries.forEach(function (entry) {
        var restore = el("button", { type: "button", class: "secondary" }, "Khôi phục");
        restore.addEventListener("click", function () {
          api("POST", "/api/admin/documents/" + encodeURIComponent(entry.doc_id) + "/restore?trash_id=" + entry.trash_id).then(function (r) {
            result("Đã khôi phục " + r.restored + ": " + r.units + " đoạn (chỉ mục " + r.index_version + ").");
            loadDocuments();
          }).catch(function (e) { result(e.message, true); });
        });
        body.appendChild(el("tr", {}, el("td", {}, entry.doc_id), el("td", {}, entry.title || ""),
          el("td", {}, entry.reason === "replaced" ? "bị thay thế" : entry.reason === "deleted" ? "đã xóa" : entry.reason),
          el("td", {}, entry.restorable_until), el("td", {}, restore)));
      });
    }).catch(function (e) { flash(e.message); });
  }

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
        result("Đã sửa " + doc.id + ": " + r.document.citation + " (chỉ mục " + r.index_version + ").");
        loadDocuments();
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
      var what = { added: "Đã thêm", replaced: "Đã thay thế", unchanged: "Không đổi (nội dung như bản đang có)" }[r.status] || r.status;
      result(what + " văn bản " + r.doc_id + ": " + r.units + " đoạn; chỉ mục " + r.index_version +
        " (" + r.embedded + " đoạn mới được mã hóa)" + (r.replaced_trash_id ? "; bản cũ vào thùng rác" : "") + ".");
      loadDocuments();
    }).catch(function (e) { result(e.message, true); });
  }

  $("upload-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var file = $("file").files[0];
    if (!file) { result("Hãy chọn một tệp .txt .md .pdf .docx hoặc .html.", true); return; }
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
    api("GET", "/api/admin/questions?limit=200").then(function (rows) {
      var body = $("log-table").tBodies[0];
      body.replaceChildren();
      if (!rows.length) body.appendChild(el("tr", {}, el("td", { colspan: "4", class: "muted" }, "Chưa có câu hỏi nào.")));
      rows.forEach(function (row) {
        var state = el("td", {});
        if (row.abstained) state.appendChild(el("span", { class: "badge warn" }, "không trả lời được"));
        if (row.negative) state.appendChild(el("span", { class: "badge warn" }, "👎 " + row.negative));
        if (row.positive) state.appendChild(el("span", { class: "badge ok" }, "👍 " + row.positive));
        if (row.comments) state.appendChild(el("div", { class: "muted" }, row.comments));
        body.appendChild(el("tr", {}, el("td", {}, when(row.created_at)), el("td", {}, row.channel),
          el("td", {}, row.question), state));
      });
    }).catch(function (e) { flash(e.message); });
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

  function loadQuiz() {
    var box = $("quiz");
    box.replaceChildren(el("p", { class: "muted" }, "Đang tải…"));
    var status = $("quiz-status").value;
    api("GET", "/api/admin/quiz/items?status=" + encodeURIComponent(status)).then(function (data) {
      if (status !== $("quiz-status").value) return; // the choice changed while this was loading
      var items = (data && data.items) || []; // {"items": [...]}
      if (!items.length) { empty(box, "Không có câu hỏi nào ở trạng thái này.", "console-quiz-empty"); return; }
      box.replaceChildren(el("p", { class: "muted", "data-testid": "console-quiz-count" }, items.length + " câu hỏi"));
      items.forEach(function (item) { box.appendChild(renderItem(item)); });
    }).catch(function (e) { empty(box, e.status === 404 ? QUIZ_MISSING : e.message, "console-quiz-empty"); });
  }

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
          flash(STATUS_DONE[saved.status] + " câu hỏi " + saved.id + ".");
          loadQuiz();
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
    return el("div", { class: "card", "data-testid": "console-quiz-item", "data-item-id": String(item.id), "data-status": item.status },
      source, question, options, buttons, status);
  }

  $("quiz-status").addEventListener("change", loadQuiz);
  $("quiz-generate").addEventListener("click", function () {
    var button = $("quiz-generate");
    button.disabled = true;
    api("POST", "/api/admin/quiz/generate", { count: Number($("quiz-count").value) || 20 }).then(function (r) {
      flash("Đã tạo thêm " + r.added + " câu hỏi (chờ duyệt).");
      $("quiz-status").value = "draft";
      loadQuiz();
    }).catch(function (e) { flash(e.status === 404 ? QUIZ_MISSING : e.message); }).then(function () { button.disabled = false; });
  });

  // --- results ---------------------------------------------------------------------------------

  /* GET /api/admin/quiz/results?by=agency|item is a JSON list of {key, taken, correct, share} (by item also
     `question`), in the server's order: by agency the most answered first, by item the least often right first.
     The chart and the table keep that order, row for row. */
  var CHART_ROWS = 30;
  function loadResults() {
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
      box.replaceChildren(el("p", { class: "muted", "data-testid": "console-results-note" }, note), chart(rows, by), table(rows, by));
    }).catch(function (e) { empty(box, e.status === 404 ? QUIZ_MISSING : e.message, "console-results-empty"); });
  }
  function share(row) { return row.share != null ? Number(row.share) : (row.taken ? row.correct / row.taken : 0); }
  function labelOf(row, by) {
    if (by === "item") return row.question || String(row.key);
    return row.key ? String(row.key) : "(không ghi cơ quan)";
  }

  /* A horizontal bar per row (a <g> carrying the row's key and counts): the share answered correctly, in plain SVG. */
  function chart(rows, by) {
    var ns = "http://www.w3.org/2000/svg";
    var shown = rows.slice(0, CHART_ROWS);
    var bar = 22, gap = 8, left = 260, width = 560, top = 10;
    var height = top + shown.length * (bar + gap) + 10;
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 " + (left + width + 110) + " " + height);
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
      var y = top + i * (bar + gap);
      var value = Math.max(0, Math.min(1, share(row)));
      var label = labelOf(row, by);
      var percent = Math.round(value * 100) + "%";
      var g = node(svg, "g", { "data-testid": "console-results-bar", "data-key": String(row.key), "data-taken": String(row.taken),
        "data-correct": String(row.correct) });
      node(g, "title", {}, label + ": " + row.correct + "/" + row.taken + " đúng (" + percent + ")");
      node(g, "text", { x: left - 8, y: y + bar * 0.7, "text-anchor": "end", "data-testid": "console-results-label" },
        label.length > 38 ? label.slice(0, 37) + "…" : label);
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

  // --- start -----------------------------------------------------------------------------------

  api("GET", "/api/console/session").then(signedIn).catch(function (e) {
    showSignIn(e.status === 401 ? "" : e.message);
  });
})();

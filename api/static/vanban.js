/* The document library (/vanban): GET /api/library searched by whole words of the number or title (with or
   without diacritics), filtered by province, kind, year (the year a document is about) and validity, a page
   at a time. Every string from the API goes in with textContent. */
(function () {
  "use strict";
  var PAGE = 50;
  var list = document.getElementById("docs");
  var statusLine = document.getElementById("status");
  var more = document.getElementById("more");
  var fields = { q: "q", province: "province", kind: "kind", year: "year", inforce: "inforce" };
  var shown = 0;
  var asked = 0; // the newest request: an older answer arriving late is dropped
  var timer = null;

  function $(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }
  function fill(select, values) {
    values.forEach(function (value) { select.appendChild(el("option", null, String(value))).value = String(value); });
  }
  function issued(doc) {
    if (doc.date_text) return doc.date_text;
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(doc.date || "");
    return m ? m[3] + "/" + m[2] + "/" + m[1] : (doc.date || "");
  }
  function link(docId, text) {
    var a = el("a", null, text);
    a.href = "/vanban/" + encodeURIComponent(docId);
    return a;
  }

  function params(offset) {
    var p = new URLSearchParams();
    var v = function (k) { return $(fields[k]).value.trim(); };
    if (v("q")) p.set("q", v("q"));
    if (v("province")) p.set("province", v("province"));
    if (v("kind")) p.set("kind", v("kind"));
    if (v("year")) p.set("year", v("year"));
    if (v("inforce")) p.set("in_force", v("inforce") === "yes" ? "true" : "false");
    p.set("offset", String(offset));
    p.set("limit", String(PAGE));
    return p;
  }

  function item(doc) {
    var li = el("li", "doc");
    li.setAttribute("data-testid", "lib-doc");
    li.setAttribute("data-doc-id", doc.id);
    var title = link(doc.id, doc.title || doc.id);
    title.className = "title";
    li.appendChild(title);
    var meta = el("div", "meta");
    [doc.type, doc.province].forEach(function (v) { if (v) meta.appendChild(el("span", "badge", String(v))); });
    if (doc.period) {
      var year = meta.appendChild(el("span", "badge year", "Năm " + doc.period));
      year.setAttribute("data-testid", "lib-year-badge");
    }
    if (issued(doc)) meta.appendChild(el("span", "issued", "ban hành " + issued(doc) + " · "));
    meta.appendChild(document.createTextNode(doc.citation || ""));
    meta.appendChild(document.createTextNode(" · " + (doc.units || 0) + " đoạn"));
    li.appendChild(meta);
    if (doc.in_force === false) {
      var validity = el("div", "validity");
      validity.setAttribute("data-testid", "lib-validity");
      var successors = doc.replaced_by || [];
      validity.appendChild(el("span", "badge off", successors.length ? "Đã được thay thế bởi" : "Hết hiệu lực"));
      successors.forEach(function (s, i) {
        if (i) validity.appendChild(document.createTextNode("; "));
        validity.appendChild(link(s.doc_id, s.citation || s.doc_id));
      });
      li.appendChild(validity);
    }
    return li;
  }

  function load(offset) {
    var mine = ++asked;
    var query = params(offset);
    if (!offset) history.replaceState(null, "", location.pathname + (query.get("q") || query.get("province") ||
      query.get("kind") || query.get("year") || query.get("in_force") ? "?" + visible(query) : ""));
    more.hidden = true;
    return fetch("/api/library?" + query.toString()).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (!response.ok) throw new Error(data && data.error ? data.error.message : "Không tải được danh sách văn bản (mã lỗi " + response.status + ").");
        return data;
      });
    }).then(function (data) {
      if (mine !== asked) return null;
      if (!offset) { list.replaceChildren(); shown = 0; }
      data.items.forEach(function (doc) { list.appendChild(item(doc)); });
      shown += data.items.length;
      statusLine.className = "count";
      statusLine.textContent = data.total ? (shown < data.total ? shown + " / " : "") + data.total + " văn bản khớp"
        : "Không có văn bản nào khớp bộ lọc; hãy bỏ bớt điều kiện.";
      more.hidden = shown >= data.total;
      return data;
    }).catch(function (error) {
      if (mine !== asked) return null;
      statusLine.className = "error";
      statusLine.textContent = error instanceof TypeError ? "Không kết nối được máy chủ; vui lòng thử lại." : error.message;
      return null;
    });
  }

  /* the filters as the page's own address shows them (?q=…&province=…), without paging */
  function visible(query) {
    var p = new URLSearchParams(query);
    p.delete("offset");
    p.delete("limit");
    if (p.has("in_force")) { p.set("inforce", p.get("in_force") === "true" ? "yes" : "no"); p.delete("in_force"); }
    return p.toString();
  }

  function start() {
    var first = new URLSearchParams(location.search);
    load(0).then(function (data) {
      if (!data) return;
      fill($("province"), data.facets.provinces || []);
      fill($("kind"), data.facets.kinds || []);
      fill($("year"), data.facets.years || []);
      if (data.facets.validity) $("inforce-box").hidden = false;
      var given = false;
      Object.keys(fields).forEach(function (k) {
        if (first.get(k)) { $(fields[k]).value = first.get(k); given = true; }
      });
      if (given) load(0);
    });
  }

  $("filters").addEventListener("input", function (event) {
    clearTimeout(timer);
    // typing waits for a pause; a choice in a list is applied at once
    timer = setTimeout(function () { load(0); }, event.target.tagName === "SELECT" ? 0 : 200);
  });
  $("filters").addEventListener("submit", function (event) { event.preventDefault(); clearTimeout(timer); load(0); });
  more.addEventListener("click", function () { load(shown); });
  start();
})();

/* The document library (/vanban): /api/documents filtered by province, kind, year and (when the index
   carries it) whether a document is still in force; searched by number or title, with or without
   diacritics. Every string from the API goes in with textContent. */
(function () {
  "use strict";
  var docs = [];
  var list = document.getElementById("docs");
  var statusLine = document.getElementById("status");
  var fields = { q: "q", province: "province", kind: "kind", year: "year", inforce: "inforce" };

  function $(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }
  /* lowercase, no diacritics, đ → d: "Đồng Tháp" and "dong thap" compare equal */
  function fold(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "d")
      .toLowerCase().replace(/\s+/g, " ").trim();
  }
  function inForce(doc) {
    if (typeof doc.in_force === "boolean") return doc.in_force;
    return !doc.replaced_by;
  }
  function fill(select, values) {
    values.forEach(function (value) { select.appendChild(el("option", null, String(value))).value = String(value); });
  }
  function unique(key) {
    var seen = {};
    docs.forEach(function (d) { if (d[key] != null && d[key] !== "") seen[d[key]] = true; });
    return Object.keys(seen).sort(function (a, b) { return key === "year" ? b - a : a.localeCompare(b, "vi"); });
  }

  function matches(doc, f) {
    if (f.province && doc.province !== f.province) return false;
    if (f.kind && doc.type !== f.kind) return false;
    if (f.year && String(doc.year) !== f.year) return false;
    if (f.inforce && inForce(doc) !== (f.inforce === "yes")) return false;
    if (f.q) {
      var hay = fold([doc.number, doc.number_display, doc.title, doc.citation, doc.id].join(" "));
      return f.q.split(" ").every(function (word) { return hay.indexOf(word) >= 0; });
    }
    return true;
  }

  function render() {
    var f = {};
    Object.keys(fields).forEach(function (k) { f[k] = $(fields[k]).value; });
    f.q = fold(f.q);
    var shown = docs.filter(function (d) { return matches(d, f); });
    list.replaceChildren();
    shown.forEach(function (doc) {
      var item = el("li", "doc");
      item.setAttribute("data-testid", "lib-doc");
      item.setAttribute("data-doc-id", doc.id);
      var link = el("a", "title", doc.title || doc.id);
      link.href = "/vanban/" + encodeURIComponent(doc.id);
      item.appendChild(link);
      var meta = el("div", "meta");
      [doc.type, doc.province, doc.year].forEach(function (v) { if (v) meta.appendChild(el("span", "badge", String(v))); });
      if (!inForce(doc)) meta.appendChild(el("span", "badge off", "Đã được thay thế" + (doc.replaced_by ? " bởi " + doc.replaced_by : "")));
      meta.appendChild(document.createTextNode(doc.citation || ""));
      meta.appendChild(document.createTextNode(" · " + (doc.units || 0) + " đoạn"));
      item.appendChild(meta);
      list.appendChild(item);
    });
    statusLine.className = "count";
    statusLine.textContent = shown.length ? shown.length + " / " + docs.length + " văn bản"
      : "Không có văn bản nào khớp bộ lọc; hãy bỏ bớt điều kiện.";
  }

  fetch("/api/documents").then(function (response) {
    return response.json().catch(function () { return null; }).then(function (data) {
      if (!response.ok) throw new Error(data && data.error ? data.error.message : "Không tải được danh sách văn bản (mã lỗi " + response.status + ").");
      return data;
    });
  }).then(function (data) {
    docs = data || [];
    fill($("province"), unique("province"));
    fill($("kind"), unique("type"));
    fill($("year"), unique("year"));
    if (docs.some(function (d) { return "replaced_by" in d || "in_force" in d; })) $("inforce-box").hidden = false;
    var params = new URLSearchParams(location.search);
    Object.keys(fields).forEach(function (k) { if (params.get(k)) $(fields[k]).value = params.get(k); });
    render();
  }).catch(function (error) {
    statusLine.className = "error";
    statusLine.textContent = error instanceof TypeError ? "Không kết nối được máy chủ; vui lòng thử lại." : error.message;
  });
  $("filters").addEventListener("input", render);
  $("filters").addEventListener("submit", function (event) { event.preventDefault(); render(); });
})();

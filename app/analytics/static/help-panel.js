// The help center on the dashboard: its visits and self-service rate beside the overall one,
// searches, votes, and the searches that found nothing next to the bot's knowledge gaps,
// each one click from a new article or a variant on /kb. Self-contained, like kb-status.js:
// it reads the statistics API with the dashboard's stored admin token and its period.
(function () {
  "use strict";

  var english = (document.documentElement.lang || "").indexOf("en") === 0 ||
    /[?&]lang=en\b/.test(location.search);
  var T = english ? {
    title: "Help center", visits: "Visits", self: "Solved without contact", overall: "Overall self-service",
    views: "Article views", searches: "Searches", none: "Without result", ctr: "Search click-through",
    votes: "Helpful / not helpful", noResult: "Searches without a result", gaps: "Bot's knowledge gaps",
    count: "Count", example: "Wording", newArticle: "New article", variant: "As a variant",
    empty: "Nothing in this period.", note: "A visit is one visitor's day; contacted: chat, escalate or WhatsApp within 24 h."
  } : {
    title: "Pusat bantuan", visits: "Kunjungan", self: "Selesai tanpa menghubungi", overall: "Layanan mandiri keseluruhan",
    views: "Artikel dibaca", searches: "Pencarian", none: "Tanpa hasil", ctr: "Klik dari pencarian",
    votes: "Membantu / tidak", noResult: "Pencarian tanpa hasil", gaps: "Celah pengetahuan bot",
    count: "Jumlah", example: "Kalimat", newArticle: "Artikel baru", variant: "Jadikan variasi",
    empty: "Tidak ada pada periode ini.", note: "Kunjungan = satu pengunjung per hari; menghubungi = chat, eskalasi atau WhatsApp dalam 24 jam."
  };

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }
  function pct(v) { return v === null || v === undefined ? "–" : v.toFixed(1).replace(/\.0$/, "") + " %"; }

  // The dashboard's API layer: the admin token or a signed-in account's session.
  function get(path, params) { return window.RouterDashboard.api.getJson(path, params); }

  function table(title, items, hook) {
    var box = el("div", null, "help-col");
    box.appendChild(el("h3", title));
    if (!items.length) { box.appendChild(el("p", T.empty, "muted")); return box; }
    var t = el("table"), head = el("tr");
    [T.count, T.example, ""].forEach(function (h) { head.appendChild(el("th", h)); });
    t.appendChild(head);
    items.forEach(function (item) {
      var row = el("tr");
      row.setAttribute("data-test", hook);
      row.appendChild(el("td", item.count, "num"));
      row.appendChild(el("td", item.example));
      var tools = el("td");
      [["new", T.newArticle, "help-new-article"], ["variant", T.variant, "help-add-variant"]].forEach(function (a) {
        var link = el("a", a[1]);
        link.href = "/kb#" + a[0] + "=" + encodeURIComponent(item.example);
        link.setAttribute("data-test", a[2]);
        tools.appendChild(link);
        tools.appendChild(document.createTextNode(" "));
      });
      row.appendChild(tools);
      t.appendChild(row);
    });
    box.appendChild(t);
    return box;
  }

  function render(node, help, selfService, gaps) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
    node.appendChild(el("h2", T.title));
    var cards = el("div", null, "help-cards");
    [[T.visits, help.visits], [T.self, pct(help.help_self_service_rate)],
      [T.overall, pct(selfService.overall_self_service_rate)], [T.views, help.views],
      [T.searches, help.searches], [T.none, help.searches_no_result], [T.ctr, pct(help.search_click_through)],
      [T.votes, help.votes.helpful + " / " + help.votes.not_helpful]].forEach(function (c) {
      var card = el("div", null, "help-card");
      card.appendChild(el("span", c[0], "label"));
      card.appendChild(el("strong", c[1]));
      cards.appendChild(card);
    });
    node.appendChild(cards);
    node.appendChild(el("p", T.note, "muted"));
    var cols = el("div", null, "help-cols");
    cols.appendChild(table(T.noResult, help.no_result, "help-no-result"));
    cols.appendChild(table(T.gaps, gaps.items.slice(0, 10), "help-gap"));
    node.appendChild(cols);
    // Styled here so the panel stays one file (the CSP allows styles set through the DOM).
    node.querySelectorAll(".help-cards").forEach(function (c) { c.style.cssText = "display:flex;flex-wrap:wrap;gap:10px"; });
    node.querySelectorAll(".help-card").forEach(function (c) { c.style.cssText = "display:flex;flex-direction:column;min-width:130px;padding:8px 10px;border:1px solid #dde3ea;border-radius:6px"; });
    node.querySelectorAll(".help-cols").forEach(function (c) { c.style.cssText = "display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,320px),1fr));gap:16px"; });
    node.querySelectorAll("td a").forEach(function (a) { a.style.marginRight = "8px"; });
    node.hidden = false;
  }

  function load() {
    var node = document.getElementById("help-panel");
    if (!node) { return; }
    var params = new URLSearchParams();
    var from = (document.getElementById("from") || {}).value, to = (document.getElementById("to") || {}).value;
    if (from) { params.set("from", from); }
    if (to) { params.set("to", to); }
    var gapParams = new URLSearchParams(params);
    gapParams.set("limit", "10");
    Promise.all([get("/api/v1/stats/help", params), get("/api/v1/stats/self-service", params),
      get("/api/v1/stats/gaps", gapParams)])
      .then(function (r) { render(node, r[0], r[1], r[2]); })
      .catch(function () { node.hidden = true; });
  }

  // dashboard.js calls this after each successful load (sign-in, refresh, a new period).
  window.RouterDashboard.helpPanel = { load: load };
})();

// The article list: every article with its statistics of the last 30 days, searchable.
(function () {
  "use strict";
  var KB = window.KB = window.KB || {};
  var state = { items: [], stats: {}, selected: null };

  function fold(text) {
    return String(text || "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }

  function matches(article, query) {
    if (!query) { return true; }
    var haystack = fold([article.slug, article.question, article.category,
      (article.variants || []).join(" "), (article.tags || []).join(" ")].join(" "));
    return fold(query).split(/\s+/).every(function (word) { return haystack.indexOf(word) >= 0; });
  }

  function render() {
    var body = KB.clear(document.querySelector("#articles-table tbody"));
    var query = document.getElementById("article-search").value.trim();
    var shown = state.items.filter(function (a) { return matches(a, query); });
    if (!shown.length) {
      var tr = KB.el("tr");
      var td = KB.el("td", KB.t(state.items.length ? "no_match_list" : "no_articles"), "empty");
      td.colSpan = 5;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    shown.forEach(function (article) {
      var stats = state.stats[article.slug] || { served: 0, helpful: 0, escalated_after: 0 };
      var tr = KB.el("tr", null, (article.active ? "" : "inactive ") +
        (article.slug === state.selected ? "selected" : ""));
      tr.setAttribute("data-test", "article-row");
      tr.setAttribute("data-slug", article.slug);
      tr.tabIndex = 0;
      var first = KB.el("td");
      first.appendChild(KB.el("span", article.slug + (article.active ? "" : " (" + KB.t("inactive") + ")"), "slug"));
      first.appendChild(document.createTextNode(article.question));
      tr.appendChild(first);
      tr.appendChild(KB.el("td", article.category || ""));
      tr.appendChild(KB.el("td", stats.served, "num"));
      tr.appendChild(KB.el("td", stats.helpful, "num"));
      tr.appendChild(KB.el("td", stats.escalated_after, "num"));
      function open() { KB.editor.open(article.slug); }
      tr.addEventListener("click", open);
      tr.addEventListener("keydown", function (event) { if (event.key === "Enter") { open(); } });
      body.appendChild(tr);
    });
  }

  KB.articles = {
    load: function () {
      return Promise.all([
        KB.getJson("/api/v1/kb/articles"),
        KB.getJson("/api/v1/stats/articles")
      ]).then(function (results) {
        state.items = results[0].items;
        state.stats = {};
        results[1].items.forEach(function (s) { state.stats[s.slug] = s; });
        render();
        document.dispatchEvent(new CustomEvent("kb:articles"));
      });
    },
    render: render,
    all: function () { return state.items; },
    select: function (slug) { state.selected = slug; render(); },
    start: function () {
      document.getElementById("article-search").addEventListener("input", render);
    }
  };
})();

/* Help center enhancements: suggestions while typing, the view and vote events, search
   clicks, and "Butuh Bantuan Lebih Lanjut" opening the web chat with what was read.
   The pages work without it. No cookies: what was read stays in this browser
   (localStorage) and goes to the chat only when the visitor opens it. */
(function () {
  "use strict";
  var KEY = "router.help";
  var lang = document.body.dataset.lang || "id";

  function state() {
    try { return JSON.parse(localStorage.getItem(KEY) || "{}") || {}; } catch (e) { return {}; }
  }
  function save(s) {
    s.at = Date.now(); // the chat takes what was read within the last day only
    try { localStorage.setItem(KEY, JSON.stringify(s)); } catch (e) { /* private mode */ }
  }
  function event(body) {
    var data = JSON.stringify(body);
    // sendBeacon survives leaving the page (a click on a result); fetch is the fallback.
    if (navigator.sendBeacon && navigator.sendBeacon("/api/v1/help/events", new Blob([data], { type: "application/json" }))) return;
    fetch("/api/v1/help/events", { method: "POST", headers: { "Content-Type": "application/json" }, body: data, keepalive: true }).catch(function () {});
  }
  function context() {
    var s = state();
    return { articles: (s.read || []).slice(0, 5), search: s.search || null };
  }
  window.RouterHelp = { context: context };

  var article = document.querySelector("article[data-slug]");
  if (article) {
    var slug = article.dataset.slug, s = state();
    s.read = [slug].concat((s.read || []).filter(function (x) { return x !== slug; })).slice(0, 5);
    save(s);
    event({ type: "view", slug: slug });
  }

  var results = document.querySelector(".results[data-search-id]");
  if (results && results.dataset.query) {
    var st = state();
    st.search = results.dataset.query;
    save(st);
    results.addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest("a[data-slug]");
      if (a && results.dataset.searchId) event({ type: "search_click", slug: a.dataset.slug, search_id: results.dataset.searchId });
    });
  }

  document.querySelectorAll(".vote").forEach(function (box) {
    box.querySelectorAll("button").forEach(function (b) {
      b.addEventListener("click", function () {
        event({ type: "vote", slug: box.dataset.slug, helpful: b.dataset.helpful === "true" });
        box.querySelectorAll("button").forEach(function (o) { o.disabled = true; o.setAttribute("aria-pressed", String(o === b)); });
        box.querySelector(".thanks").hidden = false;
      });
    });
  });

  document.querySelectorAll('[data-test="help-whatsapp"]').forEach(function (a) {
    a.addEventListener("click", function () { event({ type: "contact", slug: article ? article.dataset.slug : undefined }); });
  });
  document.querySelectorAll('[data-test="help-escalate"]').forEach(function (a) {
    a.addEventListener("click", function (e) {
      event({ type: "contact", slug: article ? article.dataset.slug : undefined });
      if (!window.RouterChat) return; // no widget: the link opens the full-page chat
      e.preventDefault();
      window.RouterChat.escalate(context());
    });
  });

  // Suggestions while typing: the same search as the page, as JSON.
  document.querySelectorAll("form.search").forEach(function (form) {
    var input = form.querySelector("input[name=q]"), list = form.querySelector(".suggest"), timer = 0, seq = 0;
    if (!input || !list) return;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 3) { list.hidden = true; return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch("/api/v1/help/search?suggest=true&lang=" + lang + "&q=" + encodeURIComponent(q)).then(function (r) { return r.json(); }).then(function (data) {
          if (mine !== seq) return;
          list.textContent = "";
          (data.matches || []).slice(0, 5).forEach(function (m) {
            var li = document.createElement("li"), a = document.createElement("a");
            a.href = "/help/a/" + m.slug + (lang === "en" ? "?lang=en" : "");
            a.textContent = m.question;
            a.dataset.test = "help-suggestion";
            li.appendChild(a);
            list.appendChild(li);
          });
          list.hidden = !list.children.length;
          var st = state(); st.search = q; save(st);
        }).catch(function () {});
      }, 250);
    });
    document.addEventListener("click", function (e) { if (!form.contains(e.target)) list.hidden = true; });
  });
})();

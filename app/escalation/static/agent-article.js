// Which KB article answered the customer, sent with "resolve" ({"article": slug}) so the bot
// learns the customer's wording. Pre-filled when the agent inserted a KB suggestion; the agent
// may pick another suggestion (search the KB to list more) or none, which teaches the bot that
// the KB does not cover the question (it stops answering questions like it).
(function () {
  "use strict";
  var A = (window.Agent = window.Agent || {});
  var TEXT = {
    id: { label: "Artikel yang menjawab", none: "Tidak ada di KB" },
    en: { label: "Article that answered", none: "Not in the KB" }
  };
  var text = TEXT[A.lang] || TEXT.id;
  var handoff = null;
  var known = {};  // slug -> question, of every suggestion shown for this handoff

  function select() { return document.getElementById("resolve-article"); }

  function option(slug, label) {
    var item = document.createElement("option");
    item.value = slug;
    item.textContent = label;
    return item;
  }

  function render(chosen) {
    var box = select();
    if (!box) { return; }
    box.textContent = "";
    box.appendChild(option("", text.none));
    Object.keys(known).forEach(function (slug) { box.appendChild(option(slug, known[slug])); });
    box.value = chosen && known[chosen] ? chosen : "";
  }

  // Called by suggestions.js with what it shows (one line there).
  A.onSuggestions = function (items, handoffId) {
    var chosen = select() ? select().value : "";
    if (handoffId !== handoff) { handoff = handoffId; known = {}; chosen = ""; }
    items.forEach(function (item) { known[item.slug] = item.question; });
    render(chosen);
  };

  // Called by conversation.js when it resolves (one line there): the body, or none.
  A.resolveBody = function () {
    var box = select();
    return box && box.value ? { article: box.value } : undefined;
  };

  document.addEventListener("DOMContentLoaded", function () {
    var slot = document.getElementById("resolve-article-slot");
    if (!slot) { return; }
    var box = document.createElement("select");
    box.id = "resolve-article";
    box.setAttribute("data-test", "resolve-article");
    box.setAttribute("aria-label", text.label);
    box.title = text.label;
    slot.appendChild(box);
    render("");
    // Inserting a suggestion into the reply means it answered: pre-fill it.
    document.getElementById("suggestions").addEventListener("click", function (event) {
      var button = event.target.closest("[data-test=suggestion]");
      if (button) { render(button.getAttribute("data-slug")); }
    });
  });
})();

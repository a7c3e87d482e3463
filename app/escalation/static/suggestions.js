// KB answers beside the transcript: for the customer's latest messages, or for what the agent
// types in the search box. One click puts the answer and its link into the reply box.
(function () {
  "use strict";
  var A = (window.Agent = window.Agent || {});
  var current = null;  // the handoff shown
  var seq = 0;  // an older answer arriving late must not replace a newer one

  function render(items) {
    var list = document.getElementById("suggestions");
    list.textContent = "";
    document.getElementById("suggestions-empty").hidden = items.length > 0;
    items.forEach(function (item) {
      var li = A.el("li");
      var button = A.el("button", null, "suggestion");
      button.type = "button";
      button.setAttribute("data-test", "suggestion");
      button.setAttribute("data-slug", item.slug);
      button.title = A.t("use");
      button.appendChild(A.el("div", item.question, "q"));
      button.appendChild(A.el("div", item.answer, "a"));
      button.appendChild(A.el("div", Math.round(item.score * 100) + "%" + (item.url ? " · " + item.url : ""), "meta"));
      button.addEventListener("click", function () { use(item); });
      li.appendChild(button);
      list.appendChild(li);
    });
  }

  function use(item) {
    var input = document.getElementById("reply-input");
    var text = item.answer + (item.url ? "\n" + item.url : "");
    input.value = input.value.trim() ? input.value.replace(/\s+$/, "") + "\n\n" + text : text;
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  A.loadSuggestions = function (handoffId, query) {
    if (current !== handoffId) { render([]); }  // never another customer's suggestions
    current = handoffId;
    var mine = ++seq;
    var path = "/api/v1/handoffs/" + handoffId + "/suggestions?limit=3";
    if (query) { path += "&q=" + encodeURIComponent(query); }
    return A.get(path).then(function (data) {
      if (mine === seq && current === handoffId) { render(data.items); if (A.onSuggestions) { A.onSuggestions(data.items, handoffId); } }
    }, function (error) {
      if (error.status !== 401 && mine === seq) { A.notice(error.message); }
    });
  };

  A.initSuggestions = function () {
    document.getElementById("kb-form").addEventListener("submit", function (event) {
      event.preventDefault();
      if (current === null) { return; }
      var query = document.getElementById("kb-query").value.trim();
      A.loadSuggestions(current, query || null);
    });
  };
})();

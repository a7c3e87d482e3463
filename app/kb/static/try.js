// "Try it": what the bot would do with a wording, live while typing (GET /api/v1/kb/search).
(function () {
  "use strict";
  var KB = window.KB = window.KB || {};
  var DELAY_MS = 200;
  var timer = null;
  var sequence = 0; // answers to older keystrokes are dropped

  function render(result) {
    var holder = KB.clear(document.getElementById("try-result"));
    var head = KB.el("p");
    head.appendChild(KB.el("span", KB.t("decision_" + result.decision), "decision " + result.decision));
    holder.setAttribute("data-decision", result.decision);
    var top = result.matches[0];
    head.appendChild(document.createTextNode(
      result.decision === "answer" ? KB.t("would_answer", top.slug)
        : KB.t(result.decision === "suggest" ? "would_suggest" : "would_none")));
    if (result.model) {
      head.appendChild(KB.el("span", " (" + KB.t("decided_by", result.model) + ")", "hint"));
    }
    holder.appendChild(head);
    var list = KB.el("ol", null, "matches");
    result.matches.forEach(function (match) {
      var item = KB.el("li");
      item.setAttribute("data-test", "try-match");
      item.setAttribute("data-slug", match.slug);
      item.appendChild(KB.el("span", match.score.toFixed(2), "score"));
      var meter = KB.el("span", null, "meter");
      var fillBar = KB.el("span");
      fillBar.style.width = Math.round(match.score * 100) + "%";
      meter.appendChild(fillBar);
      item.appendChild(meter);
      var link = KB.el("a", match.slug + ": " + match.question);
      link.href = "#";
      link.addEventListener("click", function (event) {
        event.preventDefault();
        KB.editor.open(match.slug);
      });
      item.appendChild(link);
      list.appendChild(item);
    });
    holder.appendChild(list);
  }

  function ask() {
    var text = document.getElementById("try-input").value.trim();
    var mine = ++sequence;
    if (!text) { KB.clear(document.getElementById("try-result")); return; }
    KB.getJson("/api/v1/kb/search", { q: text, limit: "3" }).then(function (result) {
      if (mine === sequence) { render(result); }
    }).catch(function (error) {
      if (mine !== sequence) { return; }
      var holder = KB.clear(document.getElementById("try-result"));
      holder.appendChild(KB.el("p", error.message, "error"));
    });
  }

  KB.tryIt = {
    start: function () {
      var input = document.getElementById("try-input");
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(ask, DELAY_MS);
      });
      // After a save the same wording may be read differently: ask again.
      document.addEventListener("kb:articles", function () { if (input.value.trim()) { ask(); } });
    }
  };
})();

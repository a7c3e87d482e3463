// Assist beside the transcript (GET /api/v1/handoffs/{id}/assist): what the customer wants and
// what the bot already tried, and reply drafts from the KB and colleagues' past replies (or
// written by the configured model). One click puts a draft into the reply box; nothing is sent
// until the agent presses send.
(function () {
  "use strict";
  var A = (window.Agent = window.Agent || {});
  A.addText({
    id: {
      assist: "Bantuan menjawab", assistLoading: "Menyiapkan ringkasan dan draf…",
      assistNone: "Belum ada draf untuk pertanyaan ini.", assistInsert: "Sisipkan ke balasan",
      assistArticle: "Artikel KB: {slug}", assistPast: "Balasan agen sebelumnya (#{id})",
      assistModel: "Ditulis oleh model {model}: periksa sebelum mengirim.",
      assistFailed: "Bantuan tidak tersedia: {reason}"
    },
    en: {
      assist: "Reply assist", assistLoading: "Preparing a summary and drafts…",
      assistNone: "No drafts for this question yet.", assistInsert: "Insert into the reply",
      assistArticle: "KB article: {slug}", assistPast: "An earlier agent reply (#{id})",
      assistModel: "Written by the model {model}: check it before sending.",
      assistFailed: "Assist unavailable: {reason}"
    }
  });
  var current = null;  // the handoff shown
  var seq = 0;  // an older answer arriving late must not replace a newer one

  function $(id) { return document.getElementById(id); }

  function sourceText(source) {
    return source.kind === "article" ? A.t("assistArticle", { slug: source.slug })
      : A.t("assistPast", { id: source.handoff_id });
  }

  function insert(text) {
    var input = $("reply-input");
    input.value = input.value.trim() ? input.value.replace(/\s+$/, "") + "\n\n" + text : text;
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  function render(data) {
    var list = $("assist-drafts");
    list.textContent = "";
    $("assist-summary").textContent = data ? data.summary : A.t("assistLoading");
    var model = $("assist-model");
    model.hidden = !(data && data.generated_by === "llm");
    model.textContent = data && data.model ? A.t("assistModel", { model: data.model }) : "";
    var drafts = data ? data.drafts : [];
    $("assist-empty").hidden = !data || drafts.length > 0;
    drafts.forEach(function (draft) {
      var li = A.el("li");
      var button = A.el("button", null, "suggestion draft" + (draft.generated_by === "llm" ? " by-model" : ""));
      button.type = "button";
      button.setAttribute("data-test", "assist-draft");
      button.title = A.t("assistInsert");
      button.appendChild(A.el("div", draft.text, "a"));
      button.appendChild(A.el("div", draft.sources.map(sourceText).join(" · "), "meta"));
      button.addEventListener("click", function () { insert(draft.text); });
      li.appendChild(button);
      list.appendChild(li);
    });
  }

  A.loadAssist = function (handoffId) {
    if (current !== handoffId) { render(null); }  // never another customer's drafts
    current = handoffId;
    var mine = ++seq;
    return A.get("/api/v1/handoffs/" + handoffId + "/assist?lang=" + (A.lang === "en" ? "en" : "id")).then(function (data) {
      if (mine === seq && current === handoffId) { render(data); }
    }, function (error) {
      if (error.status !== 401 && mine === seq) { $("assist-summary").textContent = A.t("assistFailed", { reason: error.message }); }
    });
  };
})();

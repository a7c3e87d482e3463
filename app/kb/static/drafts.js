// KB drafts (GET /api/v1/kb/drafts): each large knowledge gap proposed as an article, its
// answer from the agents' replies that resolved those conversations (or the model's rewrite).
// The editor corrects it and publishes in one step (POST .../publish): the gap's wordings
// become the article's variants.
(function () {
  "use strict";
  var KB = window.KB = window.KB || {};
  KB.addTexts({
    id: {
      drafts_title: "Draf artikel", drafts_hint: "dari celah terbesar dan balasan agen yang menyelesaikannya",
      no_drafts: "Belum ada draf: celah besar yang sudah dijawab agen akan muncul di sini.",
      draft_from: "Dari {0} balasan agen", draft_by_model: "ditulis ulang oleh model", draft_no_answer: "Belum ada balasan agen: tulis jawabannya.",
      publish: "Terbitkan", published: "Diterbitkan sebagai {0}.", draft_published_before: "Draf ini sudah diterbitkan.",
      draft_gone: "Celah ini sudah tidak ada; muat ulang halaman."
    },
    en: {
      drafts_title: "Article drafts", drafts_hint: "from the largest gaps and the agents' replies that resolved them",
      no_drafts: "No drafts yet: large gaps that agents answered will appear here.",
      draft_from: "From {0} agent replies", draft_by_model: "rewritten by the model", draft_no_answer: "No agent reply yet: write the answer.",
      publish: "Publish", published: "Published as {0}.", draft_published_before: "This draft was already published.",
      draft_gone: "This gap is gone; reload the page."
    }
  });
  var drafts = [];

  function slugify(text) {
    var slug = text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    return slug.slice(0, 60).replace(/-+$/, "") || "artikel";
  }

  function field(label, input) {
    var wrap = KB.el("label");
    wrap.appendChild(KB.el("span", KB.t(label)));
    wrap.appendChild(input);
    return wrap;
  }

  function input(value, tag) {
    var node = KB.el(tag || "input");
    node.value = value;
    return node;
  }

  function publish(draft, form, done, button) {
    var body = {
      slug: form.slug.value.trim(), question: form.question.value.trim(), answer: form.answer.value.trim(),
      variants: form.variants.value.split("\n").map(function (v) { return v.trim(); }).filter(Boolean)
    };
    button.disabled = true;
    done.className = "done";
    KB.request("/api/v1/kb/drafts/" + encodeURIComponent(draft.id) + "/publish", { method: "POST", json: body })
      .then(function (r) {
        done.textContent = KB.t("published", r.body.slug);
        KB.editor.showStatus();
        return KB.articles.load();
      }).catch(function (error) {
        button.disabled = false;
        done.className = "error";
        done.textContent = error.code === "draft_already_published" ? KB.t("draft_published_before")
          : error.code === "draft_not_found" ? KB.t("draft_gone") : error.message;
      });
  }

  function row(draft) {
    var node = KB.el("form", null, "gap draft");
    node.setAttribute("data-test", "draft-row");
    node.setAttribute("data-id", draft.id);
    node.appendChild(KB.el("span", KB.t("asked", draft.count), "count"));
    var body = KB.el("div", null, "draft-fields");
    var form = {
      slug: input(slugify(draft.question)), question: input(draft.question),
      answer: input(draft.answer, "textarea"), variants: input(draft.variants.join("\n"), "textarea")
    };
    form.slug.required = form.question.required = form.answer.required = true;
    form.slug.pattern = "[a-z0-9]+(-[a-z0-9]+)*";
    form.answer.rows = 4;
    form.variants.rows = 3;
    body.appendChild(field("f_question", form.question));
    body.appendChild(field("f_answer", form.answer));
    body.appendChild(field("f_variants", form.variants));
    body.appendChild(field("f_slug", form.slug));
    var note = draft.answer ? KB.t("draft_from", draft.sources.length) : KB.t("draft_no_answer");
    if (draft.generated_by === "llm") { note += " · " + KB.t("draft_by_model"); }
    body.appendChild(KB.el("div", note, "others"));
    var tools = KB.el("div", null, "tools");
    var button = KB.el("button", KB.t("publish"), "primary");
    button.type = "submit";
    button.setAttribute("data-test", "draft-publish");
    var done = KB.el("span", "", "done");
    done.setAttribute("data-test", "draft-done");
    tools.appendChild(button);
    tools.appendChild(done);
    body.appendChild(tools);
    node.appendChild(body);
    node.addEventListener("submit", function (event) {
      event.preventDefault();
      publish(draft, form, done, button);
    });
    return node;
  }

  function render() {
    var holder = document.getElementById("drafts");
    if (!holder) { return; }
    KB.clear(holder);
    if (!drafts.length) { holder.appendChild(KB.el("p", KB.t("no_drafts"), "empty")); return; }
    drafts.forEach(function (draft) { holder.appendChild(row(draft)); });
  }

  KB.drafts = {
    load: function () {
      return KB.getJson("/api/v1/kb/drafts", { limit: "10" }).then(function (data) {
        drafts = data.items;
        render();
      }, function (error) {  // drafts are extra: the rest of the page stays usable
        var holder = document.getElementById("drafts");
        if (holder) { KB.clear(holder).appendChild(KB.el("p", error.message, "error")); }
      });
    },
    render: render
  };
})();

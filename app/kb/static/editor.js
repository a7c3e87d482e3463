// The article editor: create, edit, delete through the KB API. A save sends the revision it
// started from (If-Match); the service refuses it with 409 if someone saved in between, and
// the editor says so instead of overwriting (or merging) the other save.
(function () {
  "use strict";
  var KB = window.KB = window.KB || {};
  var current = null; // {slug, etag} of the article being edited, null for a new one
  var statusTimer = null;
  var FIELDS = ["slug", "question", "answer", "variants", "url", "category", "tags",
    "question-en", "answer-en"];

  function $(id) { return document.getElementById(id); }
  function field(name) { return $("f-" + name); }

  function notice(text, kind) {
    var node = KB.clear($("editor-notice"));
    node.className = kind || "";
    if (text) { node.appendChild(document.createTextNode(text)); }
    return node;
  }

  function lines(text, separator) {
    return text.split(separator).map(function (s) { return s.trim(); })
      .filter(function (s) { return s; });
  }

  function fill(article) {
    var en = (article.translations || {}).en || {};
    field("slug").value = article.slug || "";
    field("question").value = article.question || "";
    field("answer").value = article.answer || "";
    field("variants").value = (article.variants || []).join("\n");
    field("url").value = article.url || "";
    field("category").value = article.category || "";
    field("tags").value = (article.tags || []).join(", ");
    field("active").checked = article.active !== false;
    field("question-en").value = en.question || "";
    field("answer-en").value = en.answer || "";
    if (KB.help) { KB.help.fill(article); } // the help center's body (kb-help.js)
  }

  function show(isNew) {
    $("editor-title").textContent = KB.t(isNew ? "new_title" : "edit_title");
    field("slug").readOnly = !isNew;
    $("delete").hidden = isNew;
    $("confirm-delete").hidden = true;
    $("editor-panel").hidden = false;
    $("content").classList.add("editing");
    notice("");
  }

  function close() {
    current = null;
    $("editor-panel").hidden = true;
    $("content").classList.remove("editing");
  }

  function body() {
    var questionEn = field("question-en").value.trim();
    var answerEn = field("answer-en").value.trim();
    if (Boolean(questionEn) !== Boolean(answerEn)) { throw new Error(KB.t("en_half")); }
    var data = {
      question: field("question").value,
      answer: field("answer").value,
      variants: lines(field("variants").value, "\n"),
      url: field("url").value.trim() || null,
      category: field("category").value.trim() || null,
      tags: lines(field("tags").value, ","),
      active: field("active").checked,
      translations: questionEn ? { en: { question: questionEn, answer: answerEn } } : {}
    };
    if (!current) { data.slug = field("slug").value.trim(); }
    if (KB.help) { KB.help.collect(data); }
    return data;
  }

  function failed(error) {
    if (error.status === 409 && error.code === "edit_conflict") {
      var node = notice(KB.t("conflict") + " ", "error");
      var reload = KB.el("button", KB.t("reload"));
      reload.type = "button";
      reload.setAttribute("data-test", "reload-article");
      reload.addEventListener("click", function () { KB.editor.open(current.slug); });
      node.appendChild(reload);
    } else {
      notice(error.message, "error");
    }
  }

  function save(event) {
    event.preventDefault();
    var data;
    try { data = body(); } catch (error) { notice(error.message, "error"); return; }
    var request = current
      ? KB.request("/api/v1/kb/articles/" + encodeURIComponent(current.slug),
        { method: "PATCH", json: data, ifMatch: current.etag })
      : KB.request("/api/v1/kb/articles", { method: "POST", json: data });
    request.then(function (result) {
      current = { slug: result.body.slug, etag: result.etag };
      fill(result.body);
      show(false);
      notice(KB.t("saved"), "ok");
      KB.articles.select(current.slug);
      KB.editor.showStatus();
      return KB.articles.load();
    }).catch(failed);
  }

  function remove() {
    KB.request("/api/v1/kb/articles/" + encodeURIComponent(current.slug),
      { method: "DELETE", ifMatch: current.etag })
      .then(function () {
        var slug = current.slug;
        close();
        KB.setStatus(KB.t("deleted", slug));
        KB.editor.showStatus();
        return KB.articles.load();
      }).catch(function (error) { $("confirm-delete").hidden = true; failed(error); });
  }

  function renderStatus(status) {
    var node = $("kb-status");
    node.hidden = false;
    if (status.semantic_ready && status.models && status.models.length) {
      node.textContent = KB.t("status_ready", status.articles, status.phrasings, status.version);
    } else if (!status.semantic_ready) {
      node.textContent = KB.t("status_pending", (status.models || []).map(function (m) {
        return m.name + " " + m.embedded + "/" + m.total;
      }).join(", "));
    } else {
      node.textContent = KB.t("status_words", status.version, status.articles, status.phrasings);
    }
  }

  KB.editor = {
    open: function (slug) {
      return KB.request("/api/v1/kb/articles/" + encodeURIComponent(slug)).then(function (r) {
        current = { slug: slug, etag: r.etag };
        fill(r.body);
        show(false);
        KB.articles.select(slug);
        $("editor-panel").scrollIntoView({ block: "nearest" });
      }).catch(failed);
    },
    openNew: function (question) {
      current = null;
      fill({ question: question || "", slug: KB.slugify(question || "") });
      show(true);
      KB.articles.select(null);
      $("editor-panel").scrollIntoView({ block: "nearest" });
      field(question ? "answer" : "slug").focus();
    },
    // The semantic readiness of the index (GET /api/v1/kb/status) while it catches up
    // with the save; hidden when this service has no such endpoint (404).
    showStatus: function () {
      clearTimeout(statusTimer);
      var tries = 0;
      function poll() {
        KB.request("/api/v1/kb/status").then(function (r) {
          renderStatus(r.body);
          if (!r.body.semantic_ready && ++tries < 30) { statusTimer = setTimeout(poll, 2000); }
        }).catch(function () { $("kb-status").hidden = true; });
      }
      poll();
    },
    start: function () {
      $("editor").addEventListener("submit", save);
      $("cancel").addEventListener("click", function () { close(); KB.articles.select(null); });
      $("delete").addEventListener("click", function () { $("confirm-delete").hidden = false; });
      $("delete-no").addEventListener("click", function () { $("confirm-delete").hidden = true; });
      $("delete-yes").addEventListener("click", remove);
      FIELDS.forEach(function (name) {
        field(name).addEventListener("input", function () { notice(""); });
      });
    }
  };

  KB.slugify = function (text) {
    return String(text).toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").split("-").slice(0, 6).join("-");
  };
})();

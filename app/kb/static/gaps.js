// Knowledge gaps (GET /api/v1/stats/gaps): each wording the bot missed can become a variant
// of an article (preselected: the one its customers confirmed) or a new article.
(function () {
  "use strict";
  var KB = window.KB = window.KB || {};
  var gaps = [];

  function articleChoice(gap) {
    var select = KB.el("select");
    select.setAttribute("data-test", "gap-article");
    select.appendChild(new Option(KB.t("choose_article"), ""));
    var confirmed = gap.confirmed_articles.map(function (a) { return a.slug; });
    KB.articles.all().forEach(function (article) {
      var option = new Option(article.slug + ": " + article.question, article.slug);
      select.appendChild(option);
    });
    if (confirmed.length) { select.value = confirmed[0]; }
    return select;
  }

  // Read the article, append the wording, save from that revision (If-Match): a concurrent
  // edit makes this a 409 the editor reports, never a silent overwrite.
  function addVariant(gap, slug, done) {
    var path = "/api/v1/kb/articles/" + encodeURIComponent(slug);
    return KB.request(path).then(function (r) {
      var variants = r.body.variants.slice();
      var exists = variants.concat([r.body.question]).some(function (v) {
        return v.toLowerCase() === gap.example.toLowerCase();
      });
      if (exists) { done.textContent = KB.t("variant_exists", slug); return null; }
      variants.push(gap.example);
      return KB.request(path, { method: "PATCH", json: { variants: variants }, ifMatch: r.etag })
        .then(function () {
          done.textContent = KB.t("variant_added", slug);
          KB.editor.showStatus();
          return KB.articles.load();
        });
    }).catch(function (error) {
      done.textContent = error.status === 409 ? KB.t("conflict") : error.message;
      done.className = "error";
    });
  }

  function render() {
    var holder = KB.clear(document.getElementById("gaps"));
    if (!gaps.length) { holder.appendChild(KB.el("p", KB.t("no_gaps"), "empty")); return; }
    gaps.forEach(function (gap) {
      var row = KB.el("div", null, "gap");
      row.setAttribute("data-test", "gap-row");
      row.appendChild(KB.el("span", KB.t("asked", gap.count), "count"));
      var text = KB.el("div");
      text.appendChild(KB.el("div", gap.example, "example"));
      var others = gap.examples.filter(function (e) { return e !== gap.example; });
      if (others.length) { text.appendChild(KB.el("div", KB.t("also", others.join(" | ")), "others")); }
      if (gap.confirmed_articles.length) {
        text.appendChild(KB.el("div", KB.t("confirmed", gap.confirmed_articles.map(function (a) {
          return a.slug + " (" + a.count + ")";
        }).join(", ")), "others"));
      }
      row.appendChild(text);
      var tools = KB.el("div", null, "tools");
      var select = articleChoice(gap);
      var add = KB.el("button", KB.t("add_variant"));
      add.type = "button";
      add.setAttribute("data-test", "gap-add-variant");
      var create = KB.el("button", KB.t("new_from_gap"));
      create.type = "button";
      create.setAttribute("data-test", "gap-new-article");
      var done = KB.el("span", "", "done");
      done.setAttribute("data-test", "gap-done");
      add.addEventListener("click", function () {
        if (!select.value) { select.focus(); return; }
        done.className = "done";
        addVariant(gap, select.value, done);
      });
      create.addEventListener("click", function () { KB.editor.openNew(gap.example); });
      [select, add, create, done].forEach(function (node) { tools.appendChild(node); });
      row.appendChild(tools);
      holder.appendChild(row);
    });
  }

  KB.gaps = {
    load: function () {
      return KB.getJson("/api/v1/stats/gaps", { limit: "30" }).then(function (data) {
        gaps = data.items;
        render();
      });
    },
    render: render
  };
})();

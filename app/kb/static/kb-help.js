// The help center's parts of the KB page: an article's Markdown body with a preview
// rendered (and sanitised) by the service exactly as /help shows it, the categories' names,
// descriptions and order, and the most-read articles.
(function () {
  "use strict";
  var KB = window.KB = window.KB || {};
  var timer = 0, categories = [];

  function $(id) { return document.getElementById(id); }

  function preview() {
    var text = $("f-body").value, box = $("body-preview");
    clearTimeout(timer);
    if (!text.trim()) { box.hidden = true; KB.clear(box); return; }
    timer = setTimeout(function () {
      KB.request("/api/v1/kb/preview", { method: "POST", json: { body: text } }).then(function (r) {
        box.innerHTML = r.body.html; // sanitised by the service (nh3), as on /help
        box.hidden = false;
      }).catch(function () { box.hidden = true; });
    }, 300);
  }

  function input(value, type) {
    var node = KB.el("input");
    node.type = type || "text";
    node.value = value === null || value === undefined ? "" : value;
    return node;
  }

  function renderCategories() {
    var box = KB.clear($("help-categories"));
    var table = KB.el("table"), head = KB.el("tr");
    ["cat_slug", "cat_name", "cat_description", "cat_position"].forEach(function (k) { head.appendChild(KB.el("th", KB.t(k))); });
    table.appendChild(head);
    categories.forEach(function (c) {
      var row = KB.el("tr");
      row.setAttribute("data-test", "category-row");
      row.dataset.slug = c.slug;
      row.appendChild(KB.el("td", c.slug));
      [["name", c.name], ["description", c.description]].forEach(function (pair) {
        var cell = KB.el("td"), field = input(pair[1]);
        field.name = pair[0];
        cell.appendChild(field);
        row.appendChild(cell);
      });
      var cell = KB.el("td", null, "num"), position = input(c.position >= 10000 ? "" : c.position, "number");
      position.name = "position";
      position.min = "0";
      cell.appendChild(position);
      row.appendChild(cell);
      table.appendChild(row);
    });
    box.appendChild(table);
    var save = KB.el("button", KB.t("cat_save"), "primary");
    save.type = "button";
    save.setAttribute("data-test", "category-save");
    var note = KB.el("span", "", "hint");
    save.addEventListener("click", function () {
      var items = [];
      table.querySelectorAll("tr[data-slug]").forEach(function (row, index) {
        var name = row.querySelector("[name=name]").value.trim();
        var position = row.querySelector("[name=position]").value;
        if (!name) { return; }
        items.push({ slug: row.dataset.slug, name: name,
          description: row.querySelector("[name=description]").value.trim() || null,
          position: position === "" ? index : Number(position) });
      });
      KB.request("/api/v1/kb/categories", { method: "PUT", json: { items: items } }).then(function (r) {
        categories = r.body.items;
        renderCategories();
        $("help-categories").appendChild(KB.el("p", KB.t("cat_saved"), "hint"));
      }).catch(function (error) { note.textContent = error.message; note.className = "error"; });
    });
    box.appendChild(save);
    box.appendChild(note);
  }

  function renderMostRead(stats) {
    var box = KB.clear($("most-read"));
    var items = (stats.articles || []).filter(function (a) { return a.views; }).slice(0, 10);
    if (!items.length) { box.appendChild(KB.el("p", KB.t("none_read"), "hint")); return; }
    var table = KB.el("table"), head = KB.el("tr");
    ["col_article", "col_views", "col_helpful", "col_contacted"].forEach(function (k) { head.appendChild(KB.el("th", KB.t(k))); });
    table.appendChild(head);
    items.forEach(function (a) {
      var row = KB.el("tr"), cell = KB.el("td"), link = KB.el("a", a.slug);
      link.href = "/help/a/" + encodeURIComponent(a.slug);
      link.target = "_blank";
      cell.appendChild(link);
      row.appendChild(cell);
      row.appendChild(KB.el("td", a.views, "num"));
      row.appendChild(KB.el("td", a.helpful + " / " + (a.helpful + a.not_helpful), "num"));
      row.appendChild(KB.el("td", a.contacted_after, "num"));
      table.appendChild(row);
    });
    box.appendChild(table);
  }

  // From the dashboard's help panel: /kb#new=<wording> opens a new article with it as the
  // question; /kb#variant=<wording> offers to add it to an article as a variant.
  function variantBar(text) {
    var bar = KB.el("section", null, "panel wide"), label = KB.el("span", KB.t("help_variant", text) + " ");
    var select = KB.el("select"), add = KB.el("button", KB.t("add_variant"), "primary"), done = KB.el("span", "", "hint");
    bar.setAttribute("data-test", "help-variant");
    select.setAttribute("data-test", "help-variant-article");
    add.type = "button";
    add.setAttribute("data-test", "help-variant-add");
    KB.articles.all().forEach(function (a) {
      var option = KB.el("option", a.question);
      option.value = a.slug;
      select.appendChild(option);
    });
    add.addEventListener("click", function () {
      var slug = select.value;
      KB.request("/api/v1/kb/articles/" + encodeURIComponent(slug)).then(function (r) {
        var variants = (r.body.variants || []).concat([text]);
        return KB.request("/api/v1/kb/articles/" + encodeURIComponent(slug),
          { method: "PATCH", json: { variants: variants }, ifMatch: r.etag });
      }).then(function () {
        done.textContent = KB.t("help_variant_done", slug);
        add.disabled = true;
        return KB.articles.load();
      }).catch(function (error) { done.textContent = error.message; done.className = "error"; });
    });
    [label, select, add, done].forEach(function (node) { bar.appendChild(node); });
    $("content").insertBefore(bar, $("content").firstChild);
  }

  function fromHash() {
    var match = /^#(new|variant)=(.*)$/.exec(location.hash);
    if (!match) { return; }
    var text = decodeURIComponent(match[2]).trim();
    history.replaceState(null, "", location.pathname + location.search);
    if (!text) { return; }
    if (match[1] === "new") { KB.editor.openNew(text); } else { variantBar(text); }
  }

  KB.help = {
    fill: function (article) { $("f-body").value = article.body || ""; preview(); },
    collect: function (data) { data.body = $("f-body").value.trim() ? $("f-body").value : null; },
    load: function () {
      KB.getJson("/api/v1/kb/categories").then(function (r) { categories = r.items; renderCategories(); })
        .catch(function () { $("help-categories-panel").hidden = true; });
      KB.getJson("/api/v1/stats/help").then(renderMostRead)
        .catch(function () { $("most-read-panel").hidden = true; });
      fromHash();
    }
  };

  document.addEventListener("DOMContentLoaded", function () { $("f-body").addEventListener("input", preview); });
})();

// Agent tools on the agent page: canned replies (type "/" and a shortcut in the reply box;
// {name} becomes the customer's name), private notes (saved to the transcript, never sent),
// and the conversation's labels.
(function () {
  "use strict";
  var A = (window.Agent = window.Agent || {});
  var $ = function (id) { return document.getElementById(id); };
  var canned = [];  // {shortcut, text, shared}, own first on equal shortcuts
  var current = null;  // the open handoff's detail
  var SLASH = /(^|\s)\/([a-z0-9_-]*)$/;

  function loadCanned() {
    return A.get("/api/v1/canned-responses").then(function (body) { canned = body.items; }).catch(function () {});
  }

  function customerName() {
    var name = current && current.customer && current.customer.name;
    return name ? name.split(" ")[0] : A.t("customerFallback");
  }

  function fill(text) { return text.replace(/\{name\}/g, customerName()); }

  // --- the canned menu ---------------------------------------------------------------------
  function typed() {
    var input = $("reply-input");
    var before = input.value.slice(0, input.selectionStart);
    var match = SLASH.exec(before);
    return match ? { query: match[2], start: before.length - match[2].length - 1 } : null;
  }

  function matches(query) {
    var seen = {};
    return canned.filter(function (item) {
      if (item.shortcut.indexOf(query) !== 0 || seen[item.shortcut]) { return false; }
      seen[item.shortcut] = true;  // a personal reply hides a shared one with its shortcut
      return true;
    }).slice(0, 8);
  }

  function hideMenu() { $("canned-menu").hidden = true; $("canned-menu").textContent = ""; }

  function insert(item) {
    var input = $("reply-input");
    var slash = typed();
    if (!slash) { return; }
    var caret = input.selectionStart;
    var text = fill(item.text);
    input.value = input.value.slice(0, slash.start) + text + input.value.slice(caret);
    var at = slash.start + text.length;
    input.setSelectionRange(at, at);
    input.focus();
    hideMenu();
  }

  function showMenu() {
    var menu = $("canned-menu");
    var slash = typed();
    if (!slash || $("reply-input").disabled) { hideMenu(); return; }
    var found = matches(slash.query);
    menu.textContent = "";
    if (!found.length) {
      menu.appendChild(A.el("li", A.t("cannedNone", { q: slash.query }), "empty"));
    }
    found.forEach(function (item, index) {
      var li = A.el("li");
      var button = A.el("button");
      button.type = "button";
      button.setAttribute("data-test", "canned-item");
      button.setAttribute("data-shortcut", item.shortcut);
      if (index === 0) { button.className = "first"; }
      button.appendChild(A.el("span", "/" + item.shortcut, "q"));
      button.appendChild(A.el("span", fill(item.text), "a"));
      // mousedown: before the reply box loses its caret to the click.
      button.addEventListener("mousedown", function (event) { event.preventDefault(); insert(item); });
      li.appendChild(button);
      menu.appendChild(li);
    });
    menu.hidden = false;
  }

  function onKey(event) {
    if ($("canned-menu").hidden) { return; }
    if (event.key === "Escape") { hideMenu(); return; }
    if (event.key === "Enter" || event.key === "Tab") {
      var slash = typed();
      var found = slash ? matches(slash.query) : [];
      if (found.length) {
        // Before conversation.js's Enter-to-send: pick the reply instead of sending "/sal".
        event.preventDefault();
        event.stopImmediatePropagation();
        insert(found[0]);
      }
    }
  }

  // --- notes ---------------------------------------------------------------------------------
  function saveNote() {
    var id = A.currentHandoff();
    var input = $("reply-input");
    var text = input.value.trim();
    if (!id || !text) { return; }
    $("note").disabled = true;
    A.post("/api/v1/handoffs/" + id + "/notes", { text: text }).then(function () {
      if (input.value.trim() === text) { input.value = ""; }
      A.notice(A.t("noteSaved"), true);
      A.refreshOpen();
    }, function (error) {
      if (error.status !== 401) { A.notice(A.t("sendFailed", { reason: A.reason(error) })); }
    }).then(function () { $("note").disabled = false; });
  }

  // --- labels --------------------------------------------------------------------------------
  function renderLabels(detail) {
    var input = $("labels-input");
    if (document.activeElement !== input) { input.value = (detail.labels || []).join(", "); }
  }

  function saveLabels() {
    if (!current) { return; }
    var labels = $("labels-input").value.split(",").map(function (l) { return l.trim(); }).filter(Boolean);
    A.request("PUT", "/api/v1/conversations/" + current.conversation_id + "/labels", { labels: labels }).then(function (body) {
      $("labels-input").value = body.labels.join(", ");
      A.notice(A.t("labelsSaved"), true);
    }, function (error) {
      if (error.status !== 401) { A.notice(A.reason(error)); }
    });
  }

  var previousOnDetail = A.onDetail;
  A.onDetail = function (detail) {
    current = detail;
    renderLabels(detail);
    $("note").disabled = detail.status === "resolved" || detail.status === "cancelled";
    if (previousOnDetail) { previousOnDetail(detail); }
  };

  function build() {
    var box = $("reply-tools");
    var menu = A.el("ul", null, "canned-menu");
    menu.id = "canned-menu";
    menu.setAttribute("data-test", "canned-menu");
    menu.hidden = true;
    var row = A.el("div", null, "tool-row");
    var note = A.el("button", A.t("addNote"));
    note.id = "note";
    note.type = "button";
    note.setAttribute("data-test", "note");
    note.addEventListener("click", saveNote);
    var labels = A.el("input");
    labels.id = "labels-input";
    labels.setAttribute("data-test", "labels-input");
    labels.setAttribute("aria-label", A.t("labels"));
    labels.placeholder = A.t("labels") + " (" + A.t("labelsHint") + ")";
    labels.maxLength = 400;
    var save = A.el("button", A.t("labelsSave"));
    save.type = "button";
    save.setAttribute("data-test", "labels-save");
    save.addEventListener("click", saveLabels);
    labels.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); saveLabels(); } });
    row.appendChild(note);
    row.appendChild(labels);
    row.appendChild(save);
    box.appendChild(menu);
    box.appendChild(row);
    var input = $("reply-input");
    input.addEventListener("input", showMenu);
    input.addEventListener("keydown", onKey, true);  // capture: ahead of Enter-to-send
    // Later than a click in the menu; not when the box has its focus back meanwhile.
    input.addEventListener("blur", function () {
      setTimeout(function () { if (document.activeElement !== input) { hideMenu(); } }, 150);
    });
    input.addEventListener("focus", function () {
      if (!canned.length) { loadCanned().then(function () { if (typed()) { showMenu(); } }); }
    });
  }

  var startQueue = A.startQueue;
  A.startQueue = function () { startQueue(); if (A.me) { loadCanned(); } };

  document.addEventListener("DOMContentLoaded", build);
})();

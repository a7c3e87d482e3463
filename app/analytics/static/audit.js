// The audit log on the dashboard (admins only): the latest entries of GET /api/v1/audit,
// filtered by action, with "more" for older pages. Self-contained: dashboard.js calls
// RouterDashboard.audit.load() after each successful load; a 403 (a supervisor) hides it.
(function () {
  "use strict";
  var D = (window.RouterDashboard = window.RouterDashboard || {});
  var TEXT = {
    id: { title: "Log audit", time: "Waktu", actor: "Pelaku", action: "Tindakan", target: "Sasaran",
      details: "Rincian", all: "semua tindakan", more: "Lebih lama", empty: "Belum ada catatan.",
      failed: "Log audit tidak bisa dimuat" },
    en: { title: "Audit log", time: "Time", actor: "Actor", action: "Action", target: "Target",
      details: "Details", all: "all actions", more: "Older", empty: "Nothing recorded yet.",
      failed: "The audit log could not be loaded" }
  };
  var ACTIONS = ["auth.login", "auth.login_failed", "auth.logout", "agent.created", "agent.deactivated",
    "agent.role_changed", "agent.password_reset", "kb.article_created", "kb.article_updated",
    "kb.article_deleted", "kb.imported", "handoff.claimed", "handoff.released", "handoff.resolved",
    "contact.erased"];
  var cursor = null;

  function $(id) { return document.getElementById(id); }
  function t(key) { return TEXT[D.i18n && D.i18n.lang() === "en" ? "en" : "id"][key]; }
  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    row.appendChild(td);
  }

  function details(value) {
    var keys = Object.keys(value || {});
    return keys.map(function (k) { return k + ": " + JSON.stringify(value[k]); }).join(", ");
  }

  function label() {
    $("audit-title").textContent = t("title");
    ["time", "actor", "action", "target", "details"].forEach(function (key) { $("audit-th-" + key).textContent = t(key); });
    $("audit-more").textContent = t("more");
    $("audit-action").options[0].textContent = t("all");
  }

  function fetchPage(append) {
    var params = new URLSearchParams({ limit: "20" });
    if ($("audit-action").value) { params.set("action", $("audit-action").value); }
    if (append && cursor) { params.set("cursor", cursor); }
    return fetch("/api/v1/audit?" + params.toString(), { headers: D.api.headers(), cache: "no-store" })
      .then(function (response) {
        if (response.status === 403 || response.status === 401) { $("audit-panel").hidden = true; return; }
        if (!response.ok) { throw new Error(response.statusText); }
        return response.json().then(function (page) { render(page, append); });
      }).catch(function (error) {
        $("audit-panel").hidden = false;
        $("audit-empty").textContent = t("failed") + ": " + error.message;
        $("audit-empty").hidden = false;
      });
  }

  function render(page, append) {
    var body = $("audit-table").tBodies[0];
    if (!append) { while (body.firstChild) { body.removeChild(body.firstChild); } }
    page.items.forEach(function (item) {
      var row = document.createElement("tr");
      row.setAttribute("data-test", "audit-row");
      cell(row, D.format ? D.format.dateTime(item.at) : item.at);
      cell(row, item.actor);
      cell(row, item.action);
      cell(row, item.target);
      cell(row, details(item.details));
      body.appendChild(row);
    });
    cursor = page.cursor;
    $("audit-more").hidden = !cursor;
    $("audit-empty").textContent = t("empty");
    $("audit-empty").hidden = body.rows.length > 0;
    $("audit-panel").hidden = false;
  }

  D.audit = {
    load: function () { label(); return fetchPage(false); }
  };

  document.addEventListener("DOMContentLoaded", function () {
    var select = $("audit-action");
    ACTIONS.forEach(function (action) {
      var option = document.createElement("option");
      option.value = action;
      option.textContent = action;
      select.appendChild(option);
    });
    select.addEventListener("change", function () { fetchPage(false); });
    $("audit-more").addEventListener("click", function () { fetchPage(true); });
  });
})();

// Ops dashboard: reads /api/v1/stats/* with the admin token, draws the numbers, and opens the
// conversations behind them. The period, channel, language and the open list or transcript
// live in the URL, so a link shows a colleague the same view.
(function () {
  "use strict";

  var D = window.RouterDashboard;
  var t = D.i18n.t, $ = D.dom.$;
  var CARDS = { "kpi-total": {}, "kpi-deflected": { outcome: "deflected" },
    "kpi-escalated": { outcome: "escalated" }, "kpi-unresolved": { outcome: "unresolved" },
    "kpi-open": { outcome: "open" } };
  var LIST_KEYS = D.drill.KEYS;
  var state = readUrl();
  var resolved = null; // the period the API chose when the URL names none (last 30 days)

  function readUrl() {
    var p = new URLSearchParams(location.search);
    var list = null;
    if (p.get("list")) {
      list = { text: p.getAll("text") };
      LIST_KEYS.forEach(function (key) { list[key] = p.get(key) || ""; });
    }
    return { from: p.get("from") || "", to: p.get("to") || "", channel: p.get("channel") || "",
      label: p.get("label") || "", list: list, conversation: p.get("conversation") || "" };
  }

  function writeUrl(push) {
    var p = new URLSearchParams();
    ["from", "to", "channel", "label"].forEach(function (key) { if (state[key]) { p.set(key, state[key]); } });
    if (D.i18n.explicit()) { p.set("lang", D.i18n.lang()); } // chosen, so a link keeps it
    if (state.list) {
      p.set("list", "1");
      LIST_KEYS.forEach(function (key) { if (state.list[key]) { p.set(key, state.list[key]); } });
      state.list.text.forEach(function (text) { p.append("text", text); });
    }
    if (state.conversation) { p.set("conversation", state.conversation); }
    var url = location.pathname + (p.toString() ? "?" + p.toString() : "");
    history[push ? "pushState" : "replaceState"](null, "", url);
  }

  function setStatus(text, isError) {
    $("status").textContent = text;
    $("status").className = isError ? "error" : "";
  }

  function period() {
    var params = new URLSearchParams();
    var from = state.from || (resolved && resolved.from), to = state.to || (resolved && resolved.to);
    if (from) { params.set("from", from); }
    if (to) { params.set("to", to); }
    return params;
  }

  // The agents' label filter, for the statistics that take it (issue 32).
  function labelled(params) {
    var copy = new URLSearchParams(params);
    if (state.label) { copy.set("label", state.label); }
    return copy;
  }

  function granularity() {
    if (!state.from) { return "day"; }
    var end = state.to ? new Date(state.to) : new Date();
    return (end - new Date(state.from)) / 86400000 > 45 ? "week" : "day";
  }

  function view() {
    return { period: period(), channel: state.channel, label: state.label, list: state.list };
  }

  function openList(list) {
    state.list = { text: list.text || [] };
    LIST_KEYS.forEach(function (key) { state.list[key] = list[key] || ""; });
    state.conversation = "";
    writeUrl(true);
    D.drill.hideConversation();
    showDrill().then(function () { $("conversations-panel").scrollIntoView({ block: "start" }); });
  }

  function openConversation(id) {
    state.conversation = String(id);
    writeUrl(true);
    D.drill.showConversation(id).catch(drillFailed);
  }

  function drillFailed(error) { setStatus(t("load_failed") + ": " + error.message, true); }

  function showDrill() {
    var done = Promise.resolve();
    if (state.list) {
      done = D.drill.showList(view(), openConversation);
    } else {
      D.drill.hideList();
    }
    if (state.conversation) {
      done = done.then(function () { return D.drill.showConversation(state.conversation); });
    } else {
      D.drill.hideConversation();
    }
    return done.catch(drillFailed);
  }

  // The channels the service reports (a new one appears without a page change).
  function addChannelOption(name) {
    var select = $("channel");
    if (!name || [].some.call(select.options, function (o) { return o.value === name; })) { return; }
    select.appendChild(D.dom.el("option", name)).value = name;
  }

  function renderSelfService(data) {
    Object.keys(data.by_channel).forEach(addChannelOption);
    D.format.setZone(data.timezone);
    $("timezone").textContent = t("times_in") + " " + data.timezone;
    resolved = state.from || state.to ? null : { from: data.from, to: data.to };
    $("from").value = state.from || D.format.localDate(data.from);
    $("to").value = state.to || D.format.localDate(data.to);
    D.panels.selfService(data, openList);
  }

  function load() {
    var base = new URLSearchParams();
    if (state.from) { base.set("from", state.from); }
    if (state.to) { base.set("to", state.to); }
    var selfParams = labelled(base);
    selfParams.set("granularity", granularity());
    if (state.channel) { selfParams.set("channel", state.channel); }
    var gapParams = new URLSearchParams(base);
    gapParams.set("limit", "15");
    setStatus(t("loading"), false);
    return Promise.all([
      D.api.getJson("/api/v1/stats/self-service", selfParams),
      D.api.getJson("/api/v1/stats/agents", labelled(base)),
      D.api.getJson("/api/v1/stats/gaps", gapParams),
      D.api.getJson("/api/v1/stats/articles", base)
    ]).then(function (results) {
      renderSelfService(results[0]);
      D.panels.agents(results[1]);
      D.panels.gaps(results[2], openList);
      D.panels.articles(results[3], openList);
      $("content").hidden = false;
      setStatus(t("updated") + " " + D.format.dateTime(new Date().toISOString()) + ".", false);
      if (D.audit) { D.audit.load(); }
      if (D.helpPanel) { D.helpPanel.load(); } // help-panel.js (issue 31)
      if (D.serviceLevels) { D.serviceLevels.reload(); } // service-levels.js (issue 33)
      return showDrill();
    }).catch(function (error) {
      if (error.status === 401 || error.status === 403) {
        D.api.forget();
        showTokenForm();
        setStatus(t("refused") + " (" + error.message + "). " + t("enter_again"), true);
      } else {
        setStatus(t("load_failed") + ": " + error.message, true);
      }
    });
  }

  function downloadCsv() {
    var params = period();
    params.set("sections", "help"); // the help center's numbers after the rows (issue 31)
    var name = "conversations_" + $("from").value + "_" + $("to").value + ".csv";
    D.api.download("/api/v1/stats/export.csv", params, name).catch(function (error) {
      setStatus(t("csv_failed") + ": " + error.message, true);
    });
  }

  function showTokenForm() {
    $("token-form").hidden = false;
    $("controls").hidden = true;
    $("content").hidden = true;
  }

  function showControls() {
    $("token-form").hidden = true;
    $("controls").hidden = false;
  }

  function applyPreset() {
    var days = Number($("preset").value);
    if (!days) { return; }
    var today = D.format.localDate(new Date().toISOString());
    var start = new Date(today + "T00:00:00Z");
    start.setUTCDate(start.getUTCDate() - (days - 1));
    state.from = start.toISOString().slice(0, 10);
    state.to = today;
    $("preset").value = "";
    writeUrl(false);
    load();
  }

  function bind() {
    $("token-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var form = window.RouterAccount.takeForm($("token"));
      if (form.usePassword) {
        D.api.forget();
        window.RouterAccount.signIn(form.email, form.password).then(function () { showControls(); load(); },
          function (error) { setStatus(window.RouterAccount.failure(error, D.i18n.lang()), true); });
        return;
      }
      if (!form.token) { return; }
      D.api.setToken(form.token);
      showControls();
      load();
    });
    ["from", "to"].forEach(function (id) {
      $(id).addEventListener("change", function () {
        state[id] = $(id).value;
        writeUrl(false);
        load();
      });
    });
    $("preset").addEventListener("change", applyPreset);
    $("channel").addEventListener("change", function () {
      state.channel = $("channel").value;
      writeUrl(false);
      load();
    });
    $("label-filter").addEventListener("change", function () {
      state.label = $("label-filter").value.trim().toLowerCase().replace(/\s+/g, "-");
      writeUrl(false);
      load();
    });
    $("lang").addEventListener("change", function () {
      D.i18n.setLang($("lang").value);
      writeUrl(false);
      load();
    });
    $("refresh").addEventListener("click", load);
    $("csv").addEventListener("click", downloadCsv);
    $("conversations-close").addEventListener("click", function () {
      state.list = null;
      state.conversation = "";
      writeUrl(true);
      showDrill();
    });
    $("transcript-close").addEventListener("click", function () {
      state.conversation = "";
      writeUrl(true);
      D.drill.hideConversation();
    });
    Object.keys(CARDS).forEach(function (id) {
      var card = $(id).parentNode;
      card.classList.add("drill");
      D.dom.clickable(card, function () { openList(CARDS[id]); });
    });
    $("forget").addEventListener("click", function () {
      window.RouterAccount.signOut();
      D.api.forget();
      showTokenForm();
      setStatus(t("forgotten"), false);
    });
    window.addEventListener("popstate", function () {
      state = readUrl();
      $("channel").value = state.channel;
      $("label-filter").value = state.label;
      load();
    });
  }

  function start() {
    D.i18n.apply();
    $("lang").value = D.i18n.lang();
    if (D.i18n.explicit()) { writeUrl(false); } // a language chosen earlier: into the link
    addChannelOption(state.channel);
    $("channel").value = state.channel;
    $("label-filter").value = state.label;
    setStatus(t("enter_token"), false);
    bind();
    if (D.api.token()) {
      showControls();
      load();
      return;
    }
    window.RouterAccount.resume().then(function (session) {
      if (session) { showControls(); load(); } else { showTokenForm(); }
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();

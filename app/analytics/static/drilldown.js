// From a number to the conversations behind it: the filtered list (GET /api/v1/conversations,
// paged with its cursor) and one transcript (GET /api/v1/conversations/{id}).
(function () {
  "use strict";

  var D = window.RouterDashboard;
  var t = D.i18n.t, term = D.i18n.term, el = D.dom.el, $ = D.dom.$;
  var shown = null; // the filters of the list on screen, to ignore answers to older clicks
  var KEYS = ["outcome", "reason", "article", "rated"]; // a list's filters besides text

  function listParams(view, cursor) {
    var params = new URLSearchParams(view.period);
    if (view.channel) { params.set("channel", view.channel); }
    if (view.label) { params.set("label", view.label); }
    KEYS.forEach(function (key) {
      if (view.list[key]) { params.set(key, view.list[key]); }
    });
    (view.list.text || []).forEach(function (text) { params.append("text", text); });
    if (cursor) { params.set("cursor", cursor); }
    return params;
  }

  function describe(list) {
    var parts = [];
    if (list.outcome) { parts.push(t("filter_outcome") + ": " + term(list.outcome)); }
    if (list.reason) { parts.push(t("filter_reason") + ": " + term(list.reason)); }
    if (list.article) {
      // As the API reads it: rated, ended on (with an outcome), or else served.
      var ended = (list.outcome && list.outcome !== "open") || list.reason;
      var how = list.rated ? "filter_rated_" + list.rated : ended ? "filter_ended" : "filter_served";
      parts.push(t(how) + ": " + list.article);
    }
    if (list.text && list.text.length) {
      parts.push(t("filter_text") + ": \u201c" + list.text.join("\u201d, \u201c") + "\u201d");
    }
    return parts.join(" \u00b7 ");
  }

  function row(item, onOpen) {
    var tr = el("tr", null, "drill");
    tr.setAttribute("data-test", "conversation-row");
    tr.setAttribute("data-conversation-id", String(item.id));
    [
      D.format.dateTime(item.created_at),
      item.channel,
      item.customer.name || item.customer.external_id,
      term(item.outcome) + (item.reason ? " (" + term(item.reason) + ")" : ""),
      item.first_message || "-"
    ].forEach(function (text, i) { tr.appendChild(el("td", text, i === 4 ? "message" : "")); });
    D.dom.clickable(tr, function () { onOpen(item.id); });
    return tr;
  }

  function appendPage(view, cursor, onOpen) {
    var key = JSON.stringify([view.period, view.channel, view.label, view.list]);
    shown = key;
    var body = $("conversations-table").querySelector("tbody");
    var more = $("conversations-more");
    more.hidden = true;
    return D.api.getJson("/api/v1/conversations", listParams(view, cursor)).then(function (page) {
      if (shown !== key) { return; }
      if (!cursor) { D.dom.clear(body); }
      page.items.forEach(function (item) { body.appendChild(row(item, onOpen)); });
      if (!body.children.length) {
        var td = el("td", t("no_conversations"), "empty");
        td.colSpan = 5;
        body.appendChild(el("tr")).appendChild(td);
      }
      more.hidden = !page.cursor;
      more.onclick = function () { appendPage(view, page.cursor, onOpen); };
    });
  }

  function showList(view, onOpen) {
    var panel = $("conversations-panel");
    panel.hidden = false;
    $("conversations-filter").textContent = describe(view.list);
    return appendPage(view, null, onOpen);
  }

  function itemText(message) {
    var parts = [];
    if (message.kind && message.kind !== "text") { parts.push("[" + message.kind + "]"); }
    if (message.text) {
      parts.push(message.text);
    } else if (message.caption) {
      parts.push(message.caption);
    }
    var place = message.location;
    if (place) {
      parts.push([place.name, place.address, place.latitude + ", " + place.longitude]
        .filter(Boolean).join(" \u00b7 "));
    }
    if (!parts.length && message.action) {
      var known = t("action_" + message.action);
      parts.push(t("pressed") + " " + (known === "action_" + message.action ? message.action : known));
    }
    return parts.join(" ") || "-";
  }

  function transcriptItem(message) {
    var li = el("li", null, "msg " + message.sender);
    li.setAttribute("data-test", "transcript-item");
    li.setAttribute("data-sender", message.sender);
    var head = el("div", null, "msg-head");
    head.appendChild(el("strong", t("sender_" + message.sender)));
    head.appendChild(el("span", D.format.dateTime(message.created_at), "muted"));
    li.appendChild(head);
    li.appendChild(el("div", itemText(message), "msg-text"));
    var extras = (message.buttons || []).map(function (b) { return el("span", b.title, "chip"); });
    if (message.article_slug) { extras.push(el("span", t("filter_article") + ": " + message.article_slug, "chip article")); }
    if (extras.length) {
      var line = el("div", null, "msg-extras");
      extras.forEach(function (node) { line.appendChild(node); });
      li.appendChild(line);
    }
    return li;
  }

  function meta(conversation) {
    var handoff = conversation.handoff;
    var agent = !handoff ? t("no_handoff") :
      (handoff.agent_name || "-") + " \u00b7 " + term(handoff.status) +
      (handoff.csat_score ? " \u00b7 CSAT " + handoff.csat_score : "");
    return [
      ["#", String(conversation.id)],
      [t("channel"), conversation.channel],
      [t("customer"), (conversation.customer.name || "-") + " (" + conversation.customer.external_id + ")"],
      [t("time"), D.format.dateTime(conversation.created_at)],
      [t("outcome"), term(conversation.outcome) +
        (conversation.reason ? " (" + term(conversation.reason) + ")" : "") +
        (conversation.article_slug ? " \u00b7 " + conversation.article_slug : "")],
      [t("handoff"), agent]
    ];
  }

  function showConversation(id) {
    var panel = $("transcript-panel");
    panel.hidden = false;
    return D.api.getJson("/api/v1/conversations/" + encodeURIComponent(id)).then(function (c) {
      var list = D.dom.clear($("transcript-meta"));
      meta(c).forEach(function (pair) {
        list.appendChild(el("dt", pair[0]));
        list.appendChild(el("dd", pair[1]));
      });
      var items = D.dom.clear($("transcript-items"));
      c.transcript.forEach(function (message) { items.appendChild(transcriptItem(message)); });
      panel.scrollIntoView({ block: "start" });
    });
  }

  D.drill = {
    KEYS: KEYS,
    showList: showList,
    showConversation: showConversation,
    hideList: function () { $("conversations-panel").hidden = true; shown = null; },
    hideConversation: function () { $("transcript-panel").hidden = true; }
  };
})();

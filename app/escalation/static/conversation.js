// The open handoff: header (customer, channel, reason, position, WhatsApp window), the live
// transcript (long-poll on /messages), claim / release / resolve, and the reply box.
(function () {
  "use strict";
  var A = (window.Agent = window.Agent || {});
  var $ = function (id) { return document.getElementById(id); };
  var WAIT = 25;  // long-poll seconds (the server caps it)
  var open = null;  // {id, detail, cursor, seen: {id: true}, loop, windowEndsAt}

  A.currentHandoff = function () { return open ? open.id : null; };

  // What an API failure means to the agent, in their language.
  A.reason = function (error, detail) {
    switch (error.code) {
      case "already_claimed":
        return detail && detail.agent_name ? A.t("alreadyClaimed", { name: detail.agent_name }) : A.t("alreadyClaimedSomeone");
      case "handoff_closed": return A.t("handoffClosed");
      case "not_claim_holder": return A.t("notClaimHolder");
      case "not_claimed": return A.t("notClaimed");
      case "window_closed": return A.t("windowClosed");
      default: return error.message || error.code;
    }
  };

  function isMine(detail) {
    if (detail.status !== "assigned") { return false; }
    return A.me.kind === "admin" || (detail.agent_id !== null && detail.agent_id === A.me.id);
  }

  function windowSecondsLeft() {
    if (!open || open.windowEndsAt === null) { return null; }
    return Math.max(0, Math.round((open.windowEndsAt - Date.now()) / 1000));
  }

  function renderState() {
    var detail = open.detail;
    var mine = isMine(detail);
    var waiting = detail.status === "waiting";
    var closed = detail.status === "resolved" || detail.status === "cancelled";
    var left = windowSecondsLeft();
    var windowClosed = left !== null && left <= 0 && !closed;
    $("claim").hidden = !waiting;
    $("release").hidden = !mine;
    $("resolve").hidden = !(mine || (A.me.kind === "admin" && waiting));
    var state;
    if (closed) { state = A.t(detail.status); }
    else if (waiting) { state = A.t("waitingState") + (A.me.kind === "admin" ? "" : " · " + A.t("claimFirst")); }
    else if (detail.agent_id !== null && detail.agent_id === A.me.id) { state = A.t("claimedByYou"); }
    else { state = A.t("claimedBy", { name: detail.agent_name || A.t("admin") }); }
    if (left !== null && !windowClosed && !closed) { state += " · " + A.t("windowLeft", { time: A.duration(left) }); }
    $("conv-state").textContent = state;
    $("window-closed").hidden = !windowClosed;
    $("window-closed").textContent = A.t("windowClosed");
    var canReply = !closed && !windowClosed && (mine || A.me.kind === "admin");
    $("reply-input").disabled = !canReply;
    $("send").disabled = !canReply;
  }

  function renderHead() {
    var detail = open.detail;
    $("conv-name").textContent = detail.customer.name || detail.customer.external_id;
    var meta = [detail.channel, A.label("reasons", detail.reason)];
    if (detail.position) { meta.push(A.t("position", { n: detail.position })); }
    meta.push(A.t("waiting", { time: A.duration((Date.now() - Date.parse(detail.created_at)) / 1000) }));
    $("conv-meta").textContent = meta.join(" · ");
    var left = detail.reply_window_seconds_left;
    open.windowEndsAt = left === null || left === undefined ? null : Date.now() + left * 1000;
    renderState();
    if (A.onDetail) { A.onDetail(detail); }  // team, transfer, labels (agent-team.js, agent-tools.js)
  }

  function append(items) {
    var list = $("transcript");
    var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    var added = [];
    items.forEach(function (item) {
      if (open.seen[item.id]) { return; }
      open.seen[item.id] = true;
      list.appendChild(A.renderItem(item));
      added.push(item);
      if (item.id > open.cursor) { open.cursor = item.id; }
    });
    if (added.length && atBottom) { list.scrollTop = list.scrollHeight; }
    return added;
  }

  function refreshDetail() {
    if (!open) { return Promise.resolve(); }
    var id = open.id;
    return A.get("/api/v1/handoffs/" + id).then(function (detail) {
      if (open && open.id === id) { open.detail = detail; renderHead(); append(detail.transcript); }
      return detail;
    });
  }
  A.refreshOpen = function () { return refreshDetail().catch(function () {}); };

  function poll(signal) {
    var id = open.id;
    var path = "/api/v1/handoffs/" + id + "/messages?wait=" + WAIT + "&after=" + open.cursor;
    return A.get(path, { signal: signal }).then(function (page) {
      if (!open || open.id !== id) { return; }
      A.offline(false);
      var added = append(page.messages);
      if (added.length) {
        refreshDetail().catch(function () {});  // status, position, the WhatsApp window
        var fromCustomer = added.some(function (m) { return m.sender === "customer"; });
        if (fromCustomer && !$("kb-query").value.trim()) { A.loadSuggestions(id, null); }
        if (fromCustomer && A.loadAssist) { A.loadAssist(id); }
      }
    });
  }

  A.closeHandoff = function () {
    if (open && open.loop) { open.loop.stop(); }
    open = null;
    $("conversation").hidden = true;
    $("help").hidden = true;
    document.body.classList.remove("viewing");
    A.markActive(null);
  };

  A.openHandoff = function (id) {
    if (open && open.id === id) { return Promise.resolve(); }
    A.closeHandoff();
    open = { id: id, detail: null, cursor: 0, seen: {}, loop: null, windowEndsAt: null };
    $("transcript").textContent = "";
    $("reply-input").value = "";
    $("kb-query").value = "";
    A.clearNotice();
    A.markActive(id);
    return A.get("/api/v1/handoffs/" + id).then(function (detail) {
      if (!open || open.id !== id) { return; }
      open.detail = detail;
      $("conversation").hidden = false;
      $("help").hidden = false;
      document.body.classList.add("viewing");
      renderHead();
      append(detail.transcript);
      $("transcript").scrollTop = $("transcript").scrollHeight;
      open.loop = A.loop(poll);
      A.loadSuggestions(id, null);
      if (A.loadAssist) { A.loadAssist(id); }
    }, function (error) {
      if (error.status !== 401) { A.notice(A.reason(error)); }
    });
  };

  function act(action) {
    if (!open) { return; }
    var id = open.id;
    var button = $(action);
    button.disabled = true;
    A.post("/api/v1/handoffs/" + id + "/" + action, action === "resolve" && A.resolveBody ? A.resolveBody() : undefined).then(function (detail) {
      A.clearNotice();
      if (action === "resolve") { A.notice(A.t("resolvedDone"), true); }
      if (action === "release") { A.notice(A.t("released"), true); }
      if (open && open.id === id) { open.detail = detail; renderHead(); }
      A.refreshQueue();
    }, function (error) {
      if (error.status === 401) { return; }
      // Show who won, not a blank error: the handoff as it is now names them.
      refreshDetail().then(function (detail) { A.notice(A.reason(error, detail)); }, function () { A.notice(A.reason(error)); });
      A.refreshQueue();
    }).then(function () { button.disabled = false; });
  }

  function send() {
    if (!open || $("send").disabled) { return; }
    var input = $("reply-input");
    var text = input.value.trim();
    if (!text) { return; }
    var id = open.id;
    $("send").disabled = true;
    A.post("/api/v1/handoffs/" + id + "/messages", { text: text }).then(function () {
      A.clearNotice();
      if (input.value.trim() === text) { input.value = ""; }
      // Shown at once, instead of at the poll's next turn.
      return A.get("/api/v1/handoffs/" + id + "/messages?after=" + open.cursor).then(function (page) {
        if (open && open.id === id) { append(page.messages); }
      });
    }, function (error) {
      // The text stays in the box, so nothing typed is lost; the box is usable again at once.
      if (error.status !== 401) { A.notice(A.t("sendFailed", { reason: A.reason(error, open && open.detail) })); }
      if (open) { renderState(); }
      return refreshDetail();
    }).catch(function () {}).then(function () { if (open) { renderState(); } });
  }

  A.initConversation = function () {
    $("claim").addEventListener("click", function () { act("claim"); });
    $("release").addEventListener("click", function () { act("release"); });
    $("resolve").addEventListener("click", function () { act("resolve"); });
    $("back").addEventListener("click", function () { A.closeHandoff(); });
    $("reply-form").addEventListener("submit", function (event) { event.preventDefault(); send(); });
    $("reply-input").addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        send();
      }
    });
    // The WhatsApp window counts down between polls.
    setInterval(function () { if (open && open.detail && open.windowEndsAt !== null) { renderState(); } }, 1000);
  };
})();

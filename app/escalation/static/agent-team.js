// Teams and presence on the agent page: the status control (online on open, away after the
// idle minutes, offline on sign-out and when the page closes), the queue's team filter, each
// item's team, the transfer control, and ringing when a handoff is assigned to this agent.
(function () {
  "use strict";
  var A = (window.Agent = window.Agent || {});
  var $ = function (id) { return document.getElementById(id); };
  var STATUSES = ["online", "away", "offline"];
  var WAIT = 25;
  var presence = { status: "offline", chosen: "online", idleMinutes: 5, heartbeat: 30, timer: null, lastActive: Date.now() };
  var directory = { teams: [], agents: [] };
  var filter = "";  // "" all, "mine" my teams first (the default order), a team id, "none"
  var mineLoop = null;
  var mineShown = null;  // ids assigned to me on screen (null before the first answer)
  var current = null;  // the open handoff's detail

  // The token, or a signed-in session's CSRF header (api.js).
  function headers() {
    return Object.assign({ "Content-Type": "application/json" }, A.authHeaders());
  }

  // --- presence ---------------------------------------------------------------------------
  function putStatus(status, keepalive) {
    if (!A.me || A.me.kind === "admin") { return Promise.resolve(); }
    if (keepalive) {
      // The page is going away: a keepalive request outlives it (sendBeacon cannot carry the
      // Authorization header); the server's sweep covers a browser that sends nothing.
      try {
        fetch("/api/v1/agents/me/status", { method: "PUT", headers: headers(), keepalive: true, body: JSON.stringify({ status: status }) });
      } catch (e) { /* nothing more can be done while unloading */ }
      return Promise.resolve();
    }
    return A.request("PUT", "/api/v1/agents/me/status", { status: status }).then(function (body) {
      presence.status = body.status;
      presence.idleMinutes = body.idle_minutes;
      if (body.heartbeat_seconds !== presence.heartbeat) {  // the server's pace, from now on
        presence.heartbeat = body.heartbeat_seconds;
        if (presence.timer) { clearInterval(presence.timer); presence.timer = setInterval(tick, presence.heartbeat * 1000); }
      }
      renderPresence();
      if (body.assigned && body.assigned.length) { A.refreshQueue(); }
    });
  }

  function renderPresence() {
    var select = $("presence");
    if (select) { select.value = presence.status; select.className = "presence " + presence.status; }
  }

  function effective() {
    // Chosen "online" turns "away" by itself after the idle minutes, and back on activity.
    var idle = (Date.now() - presence.lastActive) / 60000 >= presence.idleMinutes;
    if (presence.chosen === "online" && idle) { return "away"; }
    return presence.chosen;
  }

  function tick() {
    if (!A.me) { return; }
    putStatus(effective()).catch(function () {});
  }

  function active() {
    var wasIdle = effective() !== presence.chosen;
    presence.lastActive = Date.now();
    if (wasIdle && A.me) { tick(); }
  }

  function startPresence() {
    if (A.me.kind === "admin") { $("presence-box").hidden = true; return; }
    $("presence-box").hidden = false;
    presence.chosen = "online";
    presence.lastActive = Date.now();
    tick();
    clearInterval(presence.timer);
    presence.timer = setInterval(tick, presence.heartbeat * 1000);
  }

  function buildPresence() {
    var box = $("presence-box");
    var select = A.el("select");
    select.id = "presence";
    select.setAttribute("data-test", "presence");
    select.setAttribute("aria-label", A.t("presence"));
    STATUSES.forEach(function (status) {
      var option = A.el("option", A.t(status));
      option.value = status;
      select.appendChild(option);
    });
    select.addEventListener("change", function () {
      presence.chosen = select.value;
      presence.lastActive = Date.now();
      tick();
    });
    box.appendChild(select);
    box.hidden = true;
    ["mousemove", "keydown", "click", "touchstart", "scroll"].forEach(function (name) {
      document.addEventListener(name, active, { passive: true });
    });
    window.addEventListener("pagehide", function () { putStatus("offline", true); });
    window.addEventListener("pageshow", function (event) { if (event.persisted && A.me) { tick(); } });
  }

  // --- the queue: filter, team per item -------------------------------------------------
  A.queueFilter = function () {
    if (filter === "" || filter === "mine") { return ""; }
    return "&team=" + encodeURIComponent(filter);
  };

  function teamName(id) {
    var team = directory.teams.filter(function (t) { return t.id === id; })[0];
    return team ? team.name : "";
  }

  A.decorateRow = function (li, item) {
    li.setAttribute("data-team-id", item.team ? String(item.team.id) : "");
    var badge = A.el("span", item.team ? item.team.name : A.t("noTeam"), "badge team");
    badge.setAttribute("data-test", "queue-team");
    li.querySelector(".line1").appendChild(badge);
  };

  function buildFilter() {
    var box = $("team-filter-box");
    box.textContent = "";
    var select = A.el("select");
    select.id = "team-filter";
    select.setAttribute("data-test", "team-filter");
    select.setAttribute("aria-label", A.t("team"));
    [["", A.t("allTeams")], ["none", A.t("noTeam")]].concat(directory.teams.map(function (t) { return [String(t.id), t.name]; }))
      .forEach(function (pair) {
        var option = A.el("option", pair[1]);
        option.value = pair[0];
        select.appendChild(option);
      });
    select.value = filter;
    select.addEventListener("change", function () {
      filter = select.value;
      A.stopQueue();
      A.startQueue();
    });
    box.appendChild(select);
  }

  function loadDirectory() {
    return A.get("/api/v1/teams/directory").then(function (body) {
      directory = body;
      buildFilter();
      if (current) { renderTools(current); }
    }).catch(function () {});
  }

  // --- the open handoff: its team and the transfer control ------------------------------
  function mayTransfer(detail) {
    if (detail.status === "resolved" || detail.status === "cancelled") { return false; }
    var supervisor = A.me.kind === "admin" || A.me.role === "supervisor" || A.me.role === "admin";
    return supervisor || (detail.status === "assigned" && detail.agent_id === A.me.id);
  }

  var rendered = "";  // what the tools show, so a refresh does not reset a half-made choice

  function renderTools(detail) {
    var box = $("team-tools");
    var key = JSON.stringify([detail.id, detail.team, detail.status, detail.agent_id, directory]);
    if (key === rendered && box.firstChild) { return; }
    var same = rendered.indexOf("[" + detail.id + ",") === 0;  // the same handoff, refreshed
    rendered = key;
    var chosen = same && box.querySelector("select") ? box.querySelector("select").value : "";
    box.textContent = "";
    var line = A.el("div", null, "team-line");
    var team = A.el("span", A.t("team") + ": " + (detail.team ? detail.team.name : A.t("noTeam")), "meta");
    team.setAttribute("data-test", "conv-team");
    line.appendChild(team);
    if (mayTransfer(detail)) {
      var select = A.el("select");
      select.setAttribute("data-test", "transfer-target");
      select.setAttribute("aria-label", A.t("transferTo"));
      var first = A.el("option", A.t("transferTo"));
      first.value = "";
      select.appendChild(first);
      directory.teams.forEach(function (t) {
        var option = A.el("option", A.t("toTeam", { name: t.name }));
        option.value = "team:" + t.id;
        select.appendChild(option);
      });
      directory.agents.forEach(function (a) {
        if (a.id === detail.agent_id) { return; }
        var option = A.el("option", A.t("toAgent", { name: a.name, status: A.t(a.status), open: a.open_count, max: a.max_open }));
        option.value = "agent:" + a.id;
        select.appendChild(option);
      });
      var button = A.el("button", A.t("transfer"));
      button.type = "button";
      button.setAttribute("data-test", "transfer");
      button.addEventListener("click", function () { transfer(detail.id, select.value, button); });
      line.appendChild(select);
      line.appendChild(button);
      if (chosen && select.querySelector("option[value='" + chosen + "']")) { select.value = chosen; }
    }
    box.appendChild(line);
  }

  function transfer(id, target, button) {
    if (!target) { return; }
    var parts = target.split(":");
    var body = {};
    body[parts[0]] = Number(parts[1]);
    button.disabled = true;
    A.post("/api/v1/handoffs/" + id + "/transfer", body).then(function () {
      A.notice(A.t("transferred"), true);
      A.refreshOpen();
      A.refreshQueue();
      loadDirectory();
    }, function (error) {
      if (error.status === 401) { return; }
      var known = { agent_at_capacity: "agentAtCapacity", unknown_team: "unknownTarget", unknown_agent: "unknownTarget" };
      A.notice(known[error.code] ? A.t(known[error.code]) : A.reason(error));
    }).then(function () { button.disabled = false; });
  }

  var previousOnDetail = A.onDetail;
  A.onDetail = function (detail) {
    current = detail;
    renderTools(detail);
    if (previousOnDetail) { previousOnDetail(detail); }
  };

  // --- ringing: a handoff given to me (auto-assignment, a transfer) -----------------------
  function stepMine(signal) {
    var path = "/api/v1/handoffs?status=assigned&mine=true&limit=200";
    if (mineShown !== null) { path += "&wait=" + WAIT + "&known=" + Object.keys(mineShown).join(","); }
    return A.get(path, { signal: signal }).then(function (data) {
      var ids = {};
      data.items.forEach(function (item) {
        ids[item.id] = true;
        // Not the one the agent just claimed on screen: that needs no bell.
        if (mineShown !== null && !mineShown[item.id] && item.id !== A.currentHandoff()) { A.ring(item); }
      });
      var changed = mineShown === null || Object.keys(ids).join(",") !== Object.keys(mineShown).join(",");
      mineShown = ids;
      if (changed) { A.refreshQueue(); }
    });
  }

  // Started and stopped with the queue (agent.js signs in and out through these).
  var startQueue = A.startQueue;
  A.startQueue = function () {
    startQueue();
    if (!A.me) { return; }
    if (!mineLoop) {
      loadDirectory();
      startPresence();
      if (A.me.kind !== "admin") { mineShown = null; mineLoop = A.loop(stepMine); }
    }
  };
  var stopQueue = A.stopQueue;
  A.stopQueue = function () {
    stopQueue();
    if (!A.me) {  // signing out, not a filter change
      if (mineLoop) { mineLoop.stop(); mineLoop = null; }
      clearInterval(presence.timer);
      filter = "";
    }
  };
  // For a sign-out that does not go through forgetToken (a session's logout): call first.
  A.presenceOffline = function () { return putStatus("offline", true); };
  // Signing out: offline first, while the page still holds the credentials.
  var forgetToken = A.forgetToken;
  A.forgetToken = function () {
    if (A.me && A.me.kind !== "admin") { putStatus("offline", true); }
    forgetToken();
  };

  document.addEventListener("DOMContentLoaded", buildPresence);
})();

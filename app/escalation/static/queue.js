// The live queue and "mine": a long-poll on /api/v1/handoffs that returns when the waiting
// ids differ from the ones shown; a handoff not seen before rings.
(function () {
  "use strict";
  var A = (window.Agent = window.Agent || {});
  var $ = function (id) { return document.getElementById(id); };
  var WAIT = 25;
  var shown = null;  // waiting ids on screen (null before the first answer)
  var waiting = [];
  var mine = [];
  var loop = null;
  var active = null;

  function row(item, hook) {
    var li = A.el("li");
    li.setAttribute("data-test", hook);
    li.setAttribute("data-handoff-id", String(item.id));
    if (item.id === active) { li.className = "active"; }
    var line1 = A.el("div", null, "line1");
    line1.appendChild(A.el("span", (item.customer && item.customer.name) || item.customer.external_id));
    line1.appendChild(A.el("span", item.channel, "badge"));
    li.appendChild(line1);
    var meta = [A.label("reasons", item.reason), A.t("waiting", { time: A.duration((Date.now() - Date.parse(item.created_at)) / 1000) })];
    if (item.position) { meta.unshift("#" + item.position); }
    li.appendChild(A.el("div", meta.join(" · "), "line2"));
    if (item.first_message) { li.appendChild(A.el("div", item.first_message, "line2 first")); }
    if (A.decorateRow) { A.decorateRow(li, item); }  // the team (agent-team.js)
    if (A.slaDue) { A.slaDue(li, item); }  // agent-sla.js
    li.addEventListener("click", function () { A.openHandoff(item.id); });
    return li;
  }

  function render() {
    if (A.slaSort) { waiting = A.slaSort(waiting); mine = A.slaSort(mine); }  // agent-sla.js
    var queue = $("queue");
    queue.textContent = "";
    waiting.forEach(function (item) { queue.appendChild(row(item, "queue-item")); });
    $("queue-empty").hidden = waiting.length > 0;
    $("queue-count").textContent = String(waiting.length);
    var list = $("mine");
    list.textContent = "";
    mine.forEach(function (item) { list.appendChild(row(item, "mine-item")); });
    $("mine-empty").hidden = mine.length > 0;
    $("mine-count").textContent = String(mine.length);
    A.setTitle(waiting.length);
  }

  A.markActive = function (id) { active = id; render(); };

  function loadMine() {
    return A.get("/api/v1/handoffs?status=assigned&limit=500").then(function (data) {
      mine = data.items.filter(function (item) {
        return A.me.kind === "admin" || item.agent_id === A.me.id;
      });
      render();
    });
  }

  function received(items) {
    var ids = {};
    items.forEach(function (item) { ids[item.id] = true; });
    if (shown !== null) {
      items.forEach(function (item) { if (!shown[item.id]) { A.ring(item); } });
    }
    shown = ids;
    waiting = items;
    render();
  }

  function step(signal) {
    var path = "/api/v1/handoffs?status=waiting&limit=200" + (A.queueFilter ? A.queueFilter() : "");
    if (shown !== null) { path += "&wait=" + WAIT + "&known=" + Object.keys(shown).join(","); }
    return A.get(path, { signal: signal }).then(function (data) {
      A.offline(false);
      received(data.items);
      // Whatever changed the queue may have changed "mine" and the open handoff too.
      return Promise.all([loadMine(), A.refreshOpen()]);
    });
  }

  A.refreshQueue = function () {
    return A.get("/api/v1/handoffs?status=waiting&limit=200" + (A.queueFilter ? A.queueFilter() : ""))
      .then(function (data) { received(data.items); })
      .then(loadMine)
      .catch(function () {});
  };

  A.startQueue = function () {
    shown = null;
    loop = A.loop(step);
    // Ages and the WhatsApp windows move on without the server.
    A.ageTimer = setInterval(render, 15000);
  };
  A.stopQueue = function () {
    if (loop) { loop.stop(); loop = null; }
    clearInterval(A.ageTimer);
    waiting = []; mine = []; shown = null;
    render();
    document.title = A.t("queue");
  };
})();

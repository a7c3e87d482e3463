// Service levels on the agent page (issue 33): each queue and "mine" item shows the time
// left until its next SLA due time (data-test="sla-due"), the queue is ordered by it, and
// the countdown ticks every second without asking the server. queue.js calls A.slaDue for
// each row and A.slaSort before drawing.
(function () {
  "use strict";
  var A = (window.Agent = window.Agent || {});
  var TEXT = {
    id: { left: "SLA: sisa {time}", over: "SLA lewat {time}", missed: "SLA terlewat" },
    en: { left: "SLA: {time} left", over: "SLA overdue {time}", missed: "SLA missed" }
  };
  var WARN_SECONDS = 5 * 60;

  function text(key, time) {
    var dict = TEXT[A.lang] || TEXT.id;
    return dict[key].replace("{time}", time || "");
  }

  // The earliest due time still running: the first response until the agent answered,
  // the next response while the customer waits, the resolution until resolved.
  function nextDue(item) {
    var sla = item.sla;
    if (!sla || sla.status === "hit") { return null; }
    var dues = [];
    if (sla.first_response_due_at && !item.first_agent_reply_at) { dues.push(sla.first_response_due_at); }
    if (sla.next_response_due_at) { dues.push(sla.next_response_due_at); }
    if (sla.resolution_due_at) { dues.push(sla.resolution_due_at); }
    var times = dues.map(Date.parse).filter(function (n) { return !isNaN(n); });
    return times.length ? Math.min.apply(null, times) : null;
  }

  // Under an hour the countdown shows seconds ("4:05"); longer, the page's usual "2 jam".
  function clock(seconds) {
    if (seconds >= 3600) { return A.duration(seconds); }
    var s = seconds % 60;
    return Math.floor(seconds / 60) + ":" + (s < 10 ? "0" : "") + s;
  }

  function paint(node) {
    var due = Number(node.getAttribute("data-due"));
    var left = Math.round((due - Date.now()) / 1000);
    var missed = node.getAttribute("data-status") === "missed";
    node.textContent = left >= 0 ? text("left", clock(left)) : text("over", clock(-left));
    if (missed && left >= 0) { node.textContent += " · " + text("missed"); }
    var late = left < 0 || missed;
    node.style.color = late ? "#b42318" : left < WARN_SECONDS ? "#b54708" : "#475467";
    node.style.fontWeight = late || left < WARN_SECONDS ? "600" : "400";
    node.setAttribute("data-overdue", String(left < 0));
  }

  A.slaDue = function (li, item) {
    var due = nextDue(item);
    if (due === null) { return; }
    var node = A.el("div", "", "line2 sla-due");
    node.setAttribute("data-test", "sla-due");
    node.setAttribute("data-due", String(due));
    node.setAttribute("data-status", item.sla.status);
    paint(node);
    li.appendChild(node);
  };

  // Soonest due first; items without a running SLA keep their order after them.
  A.slaSort = function (items) {
    return items.map(function (item, i) { return { item: item, i: i, due: nextDue(item) }; })
      .sort(function (a, b) {
        if (a.due !== null && b.due !== null && a.due !== b.due) { return a.due - b.due; }
        if ((a.due === null) !== (b.due === null)) { return a.due === null ? 1 : -1; }
        return a.i - b.i;
      })
      .map(function (entry) { return entry.item; });
  };

  setInterval(function () {
    document.querySelectorAll("[data-test=sla-due]").forEach(paint);
  }, 1000);
})();

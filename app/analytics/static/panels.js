// The dashboard's panels: KPI cards and charts, the queue, the gaps, the articles to rewrite.
// ``openList(filters)`` opens the conversations behind a number (drilldown.js).
(function () {
  "use strict";

  var D = window.RouterDashboard;
  var t = D.i18n.t, term = D.i18n.term, $ = D.dom.$;
  var OUTCOMES = ["deflected_confirmed", "deflected_assumed", "escalated", "unresolved", "open",
    "no_request"];

  function selfService(data, openList) {
    $("kpi-rate").textContent = D.format.percent(data.self_service_rate);
    $("kpi-durable").textContent = D.format.percent(data.durable_self_service_rate);
    $("kpi-escalation-rate").textContent = D.format.percent(data.escalation_rate);
    ["total", "deflected", "escalated", "unresolved", "open"].forEach(function (key) {
      $("kpi-" + key).textContent = data[key];
    });
    $("formula").textContent = data.formula + " (" + t("durable_note") + " " +
      data.recontact_window_hours + " h)";
    D.charts.line("chart-series", data.series || []);
    D.charts.bar("chart-channels", Object.keys(data.by_channel).map(function (name) {
      var c = data.by_channel[name];
      return [name, c.self_service_rate || 0,
        D.format.percent(c.self_service_rate) + " " + t("of") + " " + c.total, false];
    }), 100);
    D.charts.bar("chart-outcomes", OUTCOMES.map(function (key) {
      return [term(key), data[key], String(data[key]), key === "escalated" || key === "unresolved",
        function () { openList({ outcome: key }); }];
    }));
    var reasons = Object.keys(data.escalation_reasons).filter(function (name) {
      return data.escalation_reasons[name] > 0;
    }).map(function (name) {
      var n = data.escalation_reasons[name];
      return [term(name), n, String(n), true,
        function () { openList({ outcome: "escalated", reason: name }); }];
    });
    D.charts.bar("chart-reasons", reasons);
  }

  function agents(data) {
    var o = data.overall, s = D.format.seconds;
    $("kpi-waiting").textContent = o.waiting_now;
    $("queue-summary").textContent = o.waiting_now + " " + t("waiting") +
      (o.oldest_waiting_s !== null ? ", " + t("oldest") + " " + s(o.oldest_waiting_s) : "") +
      "; " + t("claim") + " p50 " + s(o.claim_p50_s) + ", " + t("first_reply") + " p50 " +
      s(o.first_reply_p50_s) + ", CSAT " +
      (o.csat_avg === null ? "-" : o.csat_avg.toFixed(2) + " (" + o.csat_count + ")");
    D.charts.table("agents-table", data.agents.map(function (a) {
      return [[a.name], [a.assigned_now, true], [s(a.claim_p50_s), true], [s(a.claim_p90_s), true],
        [s(a.first_reply_p50_s), true], [s(a.resolution_p50_s), true],
        [a.csat_avg === null ? "-" : a.csat_avg.toFixed(2) + " (" + a.csat_count + ")", true]];
    }), 7);
  }

  function gaps(data, openList) {
    D.charts.table("gaps-table", data.items.map(function (g) {
      var others = g.examples.filter(function (e) { return e !== g.example; });
      var confirmed = g.confirmed_articles.map(function (a) { return a.slug + " (" + a.count + ")"; });
      return [[g.count, true], [g.example], [others.join(" | ")], [confirmed.join(", ") || "-"]];
    }), 4, function (i) { openList({ text: data.items[i].examples }); });
  }

  // Each count opens the conversations it counts (GET /api/v1/conversations?article=, which
  // reads them as the funnel does); the row opens those it was served in.
  function articles(data, openList) {
    // Only articles that failed someone: escalated after, or rated "not helpful".
    var failing = data.items.filter(function (a) {
      return a.escalated_after > 0 || a.not_helpful > 0;
    }).slice(0, 15);
    D.charts.table("articles-table", failing.map(function (a) {
      function count(value, filters) {
        var open = value > 0 && function () {
          openList(Object.assign({ article: a.slug }, filters));
        };
        return [value, true, open];
      }
      return [[a.question ? a.slug + ": " + a.question : a.slug], count(a.served, {}),
        count(a.helpful, { rated: "helpful" }), count(a.not_helpful, { rated: "not_helpful" }),
        count(a.escalated_after, { outcome: "escalated" }),
        [D.format.percent(a.self_service_rate), true]];
    }), 6, function (i) { openList({ article: failing[i].slug }); });
  }

  D.panels = { selfService: selfService, agents: agents, gaps: gaps, articles: articles };
})();

// Ops dashboard: reads /api/v1/stats/* with the admin token and draws inline SVG charts.
// No framework and no network beyond this service. Everything customer-written is put in
// the page with textContent, never innerHTML.
(function () {
  "use strict";

  var TOKEN_KEY = "router.adminToken";
  var SVG = "http://www.w3.org/2000/svg";
  var OUTCOMES = [
    ["deflected_confirmed", "confirmed"],
    ["deflected_assumed", "assumed"],
    ["escalated", "escalated"],
    ["unresolved", "unresolved"],
    ["open", "open"],
    ["no_request", "no request"]
  ];

  function $(id) { return document.getElementById(id); }

  function setStatus(text, isError) {
    var status = $("status");
    status.textContent = text;
    status.className = isError ? "error" : "";
  }

  function percent(value) {
    return value === null || value === undefined ? "n/a" : value.toFixed(1) + "%";
  }

  function seconds(value) {
    if (value === null || value === undefined) { return "-"; }
    if (value < 120) { return Math.round(value) + " s"; }
    if (value < 7200) { return (value / 60).toFixed(1) + " min"; }
    return (value / 3600).toFixed(1) + " h";
  }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  function svgEl(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, String(attrs[key])); });
    if (text !== undefined) { node.textContent = String(text); }
    return node;
  }

  function replaceChart(id, svg) {
    var holder = $(id);
    while (holder.firstChild) { holder.removeChild(holder.firstChild); }
    holder.appendChild(svg);
  }

  function emptyChart(id, message) {
    var holder = $(id);
    while (holder.firstChild) { holder.removeChild(holder.firstChild); }
    holder.appendChild(el("p", message, "empty"));
  }

  // Horizontal bars: rows of [label, value, shownText, isBad].
  function barChart(id, rows, maxValue) {
    if (!rows.length) { emptyChart(id, "No data in this period."); return; }
    var rowHeight = 22, right = 84;
    // Room for the longest label (about 7 px a character at this size), e.g. "customer request".
    var longest = Math.max.apply(null, rows.map(function (r) { return String(r[0]).length; }));
    var left = Math.max(84, longest * 7 + 12), width = left + 172 + right;
    var height = rows.length * rowHeight + 8;
    var max = maxValue || Math.max.apply(null, rows.map(function (r) { return r[1]; })) || 1;
    var svg = svgEl("svg", { viewBox: "0 0 " + width + " " + height, role: "img" });
    rows.forEach(function (row, i) {
      var y = 4 + i * rowHeight;
      var barWidth = Math.max(0, (width - left - right) * (row[1] / max));
      svg.appendChild(svgEl("text", { x: left - 6, y: y + 15, "text-anchor": "end" }, row[0]));
      svg.appendChild(svgEl("rect", {
        x: left, y: y + 3, width: barWidth.toFixed(1), height: rowHeight - 8,
        "class": row[3] ? "bar bad" : "bar"
      }));
      svg.appendChild(svgEl("text", { x: left + barWidth + 6, y: y + 15, "class": "value-label" }, row[2]));
    });
    replaceChart(id, svg);
  }

  function lineChart(id, points) {
    var known = points.filter(function (p) { return p.self_service_rate !== null; });
    if (!known.length) { emptyChart(id, "No finished conversations in this period."); return; }
    var width = 860, height = 220, left = 40, right = 16, top = 12, bottom = 28;
    var innerW = width - left - right, innerH = height - top - bottom;
    var step = points.length > 1 ? innerW / (points.length - 1) : 0;
    var svg = svgEl("svg", { viewBox: "0 0 " + width + " " + height, role: "img" });
    [0, 25, 50, 75, 100].forEach(function (tick) {
      var y = top + innerH * (1 - tick / 100);
      svg.appendChild(svgEl("line", { x1: left, x2: width - right, y1: y, y2: y, "class": "grid" }));
      svg.appendChild(svgEl("text", { x: left - 6, y: y + 4, "text-anchor": "end" }, tick + "%"));
    });
    var path = "";
    var labelEvery = Math.max(1, Math.ceil(points.length / 12));
    points.forEach(function (p, i) {
      var x = left + (points.length > 1 ? i * step : innerW / 2);
      if (i % labelEvery === 0) {
        svg.appendChild(svgEl("text", { x: x, y: height - 8, "text-anchor": "middle" },
          p.period_start.slice(5, 10)));
      }
      if (p.self_service_rate === null) { return; }
      var y = top + innerH * (1 - p.self_service_rate / 100);
      path += (path ? " L " : "M ") + x.toFixed(1) + " " + y.toFixed(1);
      var dot = svgEl("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 3.5, "class": "dot" });
      dot.appendChild(svgEl("title", {}, p.period_start.slice(0, 10) + ": " +
        percent(p.self_service_rate) + " of " + p.total));
      svg.appendChild(dot);
    });
    svg.insertBefore(svgEl("path", { d: path, "class": "line" }), svg.firstChild);
    replaceChart(id, svg);
  }

  function fillTable(id, rows, columns) {
    var body = $(id).querySelector("tbody");
    while (body.firstChild) { body.removeChild(body.firstChild); }
    if (!rows.length) {
      var tr = el("tr");
      var td = el("td", "Nothing in this period.", "empty");
      td.colSpan = columns;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    rows.forEach(function (cells) {
      var tr = el("tr");
      cells.forEach(function (cell) {
        tr.appendChild(el("td", cell[0], cell[1] ? "num" : ""));
      });
      body.appendChild(tr);
    });
  }

  function query() {
    var days = Number($("days").value);
    var to = new Date();
    var from = new Date(to.getTime() - days * 86400000);
    var params = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
    return { params: params, granularity: days > 45 ? "week" : "day" };
  }

  function getJson(path, params) {
    return fetch(path + "?" + params.toString(), {
      headers: { Authorization: "Bearer " + localStorage.getItem(TOKEN_KEY) }
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) {
          var error = new Error(body && body.error ? body.error.message : response.statusText);
          error.status = response.status;
          throw error;
        }
        return body;
      });
    });
  }

  function renderSelfService(data) {
    $("kpi-rate").textContent = percent(data.self_service_rate);
    $("kpi-durable").textContent = percent(data.durable_self_service_rate);
    $("kpi-escalation-rate").textContent = percent(data.escalation_rate);
    $("kpi-total").textContent = data.total;
    $("kpi-deflected").textContent = data.deflected;
    $("kpi-escalated").textContent = data.escalated;
    $("kpi-unresolved").textContent = data.unresolved;
    $("kpi-open").textContent = data.open;
    $("formula").textContent = data.formula + " (durable: no escalation by the same customer within " +
      data.recontact_window_hours + " h)";
    lineChart("chart-series", data.series || []);
    barChart("chart-channels", Object.keys(data.by_channel).map(function (name) {
      var c = data.by_channel[name];
      return [name, c.self_service_rate || 0, percent(c.self_service_rate) + " of " + c.total, false];
    }), 100);
    barChart("chart-outcomes", OUTCOMES.map(function (o) {
      var value = data[o[0]];
      return [o[1], value, String(value), o[0] === "escalated" || o[0] === "unresolved"];
    }));
    var reasons = Object.keys(data.escalation_reasons).map(function (name) {
      var n = data.escalation_reasons[name];
      return [name.replace(/_/g, " "), n, String(n), true];
    });
    barChart("chart-reasons", reasons.filter(function (r) { return r[1] > 0; }));
  }

  function renderAgents(data) {
    $("kpi-waiting").textContent = data.overall.waiting_now;
    $("queue-summary").textContent = data.overall.waiting_now + " waiting" +
      (data.overall.oldest_waiting_s !== null ? ", oldest " + seconds(data.overall.oldest_waiting_s) : "") +
      "; claim p50 " + seconds(data.overall.claim_p50_s) +
      ", first reply p50 " + seconds(data.overall.first_reply_p50_s) +
      ", CSAT " + (data.overall.csat_avg === null ? "-" : data.overall.csat_avg.toFixed(2) +
        " (" + data.overall.csat_count + ")");
    fillTable("agents-table", data.agents.map(function (a) {
      return [[a.name], [a.assigned_now, true], [seconds(a.claim_p50_s), true],
        [seconds(a.claim_p90_s), true], [seconds(a.first_reply_p50_s), true],
        [seconds(a.resolution_p50_s), true],
        [a.csat_avg === null ? "-" : a.csat_avg.toFixed(2) + " (" + a.csat_count + ")", true]];
    }), 7);
  }

  function renderGaps(data) {
    fillTable("gaps-table", data.items.map(function (g) {
      var others = g.examples.filter(function (e) { return e !== g.example; });
      var confirmed = g.confirmed_articles.map(function (a) {
        return a.slug + " (" + a.count + ")";
      });
      return [[g.count, true], [g.example], [others.join(" | ")], [confirmed.join(", ") || "-"]];
    }), 4);
  }

  function renderArticles(data) {
    fillTable("articles-table", data.items.slice(0, 15).map(function (a) {
      return [[a.question ? a.slug + ": " + a.question : a.slug], [a.served, true],
        [a.helpful, true], [a.not_helpful, true], [a.escalated_after, true],
        [percent(a.self_service_rate), true]];
    }), 6);
  }

  function load() {
    var q = query();
    var selfParams = new URLSearchParams(q.params);
    selfParams.set("granularity", q.granularity);
    if ($("channel").value) { selfParams.set("channel", $("channel").value); }
    var gapParams = new URLSearchParams(q.params);
    gapParams.set("limit", "15");
    setStatus("Loading...", false);
    return Promise.all([
      getJson("/api/v1/stats/self-service", selfParams),
      getJson("/api/v1/stats/agents", q.params),
      getJson("/api/v1/stats/gaps", gapParams),
      getJson("/api/v1/stats/articles", q.params)
    ]).then(function (results) {
      renderSelfService(results[0]);
      renderAgents(results[1]);
      renderGaps(results[2]);
      renderArticles(results[3]);
      $("content").hidden = false;
      setStatus("Updated " + new Date().toLocaleTimeString() + ".", false);
    }).catch(function (error) {
      if (error.status === 401 || error.status === 403) {
        localStorage.removeItem(TOKEN_KEY);
        showTokenForm();
        setStatus("The token was refused (" + error.message + "). Enter the admin token.", true);
      } else {
        setStatus("Could not load the statistics: " + error.message, true);
      }
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

  function start() {
    $("token-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var token = $("token").value.trim();
      if (!token) { return; }
      localStorage.setItem(TOKEN_KEY, token);
      $("token").value = "";
      showControls();
      load();
    });
    $("refresh").addEventListener("click", load);
    $("days").addEventListener("change", load);
    $("channel").addEventListener("change", load);
    $("forget").addEventListener("click", function () {
      localStorage.removeItem(TOKEN_KEY);
      showTokenForm();
      setStatus("Token forgotten.", false);
    });
    if (localStorage.getItem(TOKEN_KEY)) {
      showControls();
      load();
    } else {
      showTokenForm();
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();

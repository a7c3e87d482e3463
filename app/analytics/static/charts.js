// Inline SVG charts and DOM helpers for the dashboard. Everything customer-written goes into
// the page with textContent, never innerHTML.
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var D = window.RouterDashboard;

  function $(id) { return document.getElementById(id); }

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

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
    return node;
  }

  function replaceChart(id, svg) { clear($(id)).appendChild(svg); }

  function emptyChart(id, message) { clear($(id)).appendChild(el("p", message, "empty")); }

  // A click (or Enter) on a node runs the action: keyboard users can drill down too.
  function clickable(node, action, label) {
    node.setAttribute("tabindex", "0");
    node.setAttribute("role", "button");
    if (label) { node.setAttribute("aria-label", label); }
    node.addEventListener("click", action);
    node.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); action(event); }
    });
  }

  // Horizontal bars: rows of [label, value, shownText, isBad, onClick (optional)].
  function barChart(id, rows, maxValue) {
    if (!rows.length) { emptyChart(id, D.i18n.t("nothing")); return; }
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
      var group = svgEl("g", {});
      group.appendChild(svgEl("text", { x: left - 6, y: y + 15, "text-anchor": "end" }, row[0]));
      group.appendChild(svgEl("rect", {
        x: left, y: y + 3, width: barWidth.toFixed(1), height: rowHeight - 8,
        "class": row[3] ? "bar bad" : "bar"
      }));
      group.appendChild(svgEl("text", { x: left + barWidth + 6, y: y + 15, "class": "value-label" }, row[2]));
      if (row[4]) {
        group.setAttribute("class", "drill");
        group.setAttribute("data-test", "drill-bar");
        group.appendChild(svgEl("title", {}, row[0] + ": " + D.i18n.t("click_hint")));
        clickable(group, row[4], row[0]);
      }
      svg.appendChild(group);
    });
    replaceChart(id, svg);
  }

  function lineChart(id, points) {
    var known = points.filter(function (p) { return p.self_service_rate !== null; });
    if (!known.length) { emptyChart(id, D.i18n.t("no_finished")); return; }
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
        D.format.percent(p.self_service_rate) + " " + D.i18n.t("of") + " " + p.total));
      svg.appendChild(dot);
    });
    svg.insertBefore(svgEl("path", { d: path, "class": "line" }), svg.firstChild);
    replaceChart(id, svg);
  }

  // Rows of cells [text, isNumber, onClick (optional: that number's own conversations)];
  // ``onRow(index)`` makes each row open its conversations.
  function fillTable(id, rows, columns, onRow) {
    var body = clear($(id).querySelector("tbody"));
    if (!rows.length) {
      var tr = el("tr");
      var td = el("td", D.i18n.t("nothing"), "empty");
      td.colSpan = columns;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    rows.forEach(function (cells, index) {
      var tr = el("tr");
      cells.forEach(function (cell) {
        var td = tr.appendChild(el("td", cell[0], cell[1] ? "num" : ""));
        if (cell[2]) {
          td.className += " drill cell";
          td.setAttribute("data-test", "drill-cell");
          clickable(td, function (event) {
            if (event) { event.stopPropagation(); } // the cell's list, not the row's
            cell[2]();
          });
        }
      });
      if (onRow) {
        tr.className = "drill";
        tr.title = D.i18n.t("click_hint");
        clickable(tr, function () { onRow(index); });
      }
      body.appendChild(tr);
    });
  }

  D.dom = { $: $, el: el, clear: clear, clickable: clickable };
  D.charts = { bar: barChart, line: lineChart, table: fillTable, empty: emptyChart };
})();

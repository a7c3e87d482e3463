// Coverage test: upload past customer questions, see what the bot would do with each
// (POST /api/v1/kb/coverage) and which unanswered ones come up most.
(function () {
  "use strict";
  var KB = window.KB = window.KB || {};
  var ITEMS_SHOWN = 200;

  function share(n, total) { return total ? " (" + (100 * n / total).toFixed(1) + "%)" : ""; }

  function table(headers, rows) {
    var node = KB.el("table");
    var head = KB.el("tr");
    headers.forEach(function (h) { head.appendChild(KB.el("th", h)); });
    node.appendChild(KB.el("thead")).appendChild(head);
    var body = node.appendChild(KB.el("tbody"));
    rows.forEach(function (cells) {
      var tr = KB.el("tr");
      cells.forEach(function (cell) { tr.appendChild(cell instanceof Node ? cell : KB.el("td", cell)); });
      body.appendChild(tr);
    });
    return node;
  }

  function render(report, seconds) {
    var holder = KB.clear(document.getElementById("coverage-report"));
    var summary = KB.el("div", null, "cov-summary");
    [["cov_total", report.total, ""], ["cov_answer", report.answer, share(report.answer, report.total)],
      ["cov_suggest", report.suggest, share(report.suggest, report.total)],
      ["cov_none", report.none, share(report.none, report.total)]].forEach(function (c) {
      var box = KB.el("div", KB.t(c[0]));
      box.setAttribute("data-test", "coverage-" + c[0].slice(4));
      box.appendChild(KB.el("b", c[1] + c[2]));
      summary.appendChild(box);
    });
    holder.appendChild(summary);
    holder.appendChild(KB.el("p", KB.t("cov_took", seconds.toFixed(1)), "hint"));
    holder.appendChild(KB.el("h3", KB.t("cov_groups")));
    holder.appendChild(table([KB.t("col_count"), KB.t("col_question")], report.groups.map(function (g) {
      var cell = KB.el("td");
      cell.appendChild(KB.el("div", g.example));
      var create = KB.el("button", KB.t("new_from_gap"));
      create.type = "button";
      create.addEventListener("click", function () { KB.editor.openNew(g.example); });
      cell.appendChild(create);
      return [String(g.count), cell];
    })));
    holder.appendChild(KB.el("h3", KB.t("cov_items")));
    holder.appendChild(table(["", KB.t("col_question")], report.items.slice(0, ITEMS_SHOWN).map(function (item) {
      var badge = KB.el("td");
      badge.appendChild(KB.el("span", KB.t("decision_" + item.decision), "decision " + item.decision));
      return [badge, item.text + (item.slug ? "  \u2192 " + item.slug : "")];
    })));
  }

  // A large upload is a background job (202): its id is kept in the browser, so the page
  // polls it again after a reload.
  var JOB_KEY = "kb.coverageJob";
  var POLL_MS = 1000;

  function progress(job) {
    var holder = KB.clear(document.getElementById("coverage-report"));
    var box = KB.el("div", null, "cov-progress");
    box.setAttribute("data-test", "coverage-progress");
    box.setAttribute("data-status", job.status);
    var bar = KB.el("progress");
    bar.max = job.total;
    bar.value = job.done;
    box.appendChild(bar);
    var count = function (n) { return n.toLocaleString(KB.lang === "en" ? "en-US" : "id-ID"); };
    box.appendChild(KB.el("p", job.status === "queued" && !job.done
      ? KB.t("cov_queued", count(job.total))
      : KB.t("cov_progress", count(job.done), count(job.total)), "hint"));
    holder.appendChild(box);
  }

  function failed(message) {
    var line = KB.el("p", KB.t("cov_failed", message), "error");
    line.setAttribute("data-test", "coverage-error");
    KB.clear(document.getElementById("coverage-report")).appendChild(line);
  }

  function follow(id) {
    KB.getJson("/api/v1/kb/coverage/" + encodeURIComponent(id)).then(function (job) {
      if (job.status === "done") {
        render(job.report, (Date.parse(job.finished_at) - Date.parse(job.created_at)) / 1000);
      } else if (job.status === "failed") {
        failed(job.error);
      } else {
        progress(job);
        setTimeout(function () { follow(id); }, POLL_MS);
      }
    }).catch(function (error) {
      if (error.status === 404) { localStorage.removeItem(JOB_KEY); return; }
      failed(error.message);
    });
  }

  function run() {
    var input = document.getElementById("coverage-file");
    var holder = KB.clear(document.getElementById("coverage-report"));
    var file = input.files && input.files[0];
    if (!file) { holder.appendChild(KB.el("p", KB.t("coverage_none_file"), "error")); return; }
    file.text().then(function (text) {
      holder.appendChild(KB.el("p", KB.t("coverage_running", text.split("\n").length), "hint"));
      var started = performance.now();
      var csv = /\.csv$/i.test(file.name) || file.type === "text/csv";
      return KB.request("/api/v1/kb/coverage", {
        method: "POST", body: text, contentType: csv ? "text/csv" : "text/plain"
      }).then(function (r) {
        if (r.status === 202) {
          localStorage.setItem(JOB_KEY, r.body.id);
          progress(r.body);
          setTimeout(function () { follow(r.body.id); }, POLL_MS);
          return;
        }
        render(r.body, (performance.now() - started) / 1000);
      });
    }).catch(function (error) {
      KB.clear(holder).appendChild(KB.el("p", error.message, "error"));
    });
  }

  KB.coverage = {
    start: function () {
      document.getElementById("coverage-run").addEventListener("click", run);
      var pending = localStorage.getItem(JOB_KEY);
      if (pending && KB.token.get()) { follow(pending); }
    }
  };
})();

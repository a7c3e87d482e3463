// Issue 30: what the bot learned from its conversations (wordings to review: accept makes one a
// variant of its article) and the articles the matcher confuses on their own phrasings.
(function () {
  "use strict";
  var KB = window.KB = window.KB || {};
  var TEXT = {
    id: {
      learned_title: "Kalimat yang dipelajari", learned_hint: "kalimat pelanggan yang berujung pada sebuah artikel; diterima, menjadi variasinya",
      confusable_title: "Artikel yang tertukar", confusable_hint: "pertanyaan satu artikel yang dijawab bot dengan artikel lain",
      source_chosen_suggestion: "dipilih pelanggan dari saran", source_agent_answer: "dijawab agen dengan artikel ini",
      seen: "{customers} pelanggan", accept: "Terima", reject: "Tolak", accept_all: "Terima semua yang tampil",
      no_learned: "Belum ada kalimat baru untuk ditinjau.", flagged: "Perhatian: kalimat ini akan menarik pertanyaan artikel lain:",
      accepted: "Diterima: kini variasi {slug}.", rejected: "Ditolak.",
      no_confusable: "Tidak ada artikel yang tertukar (dihitung setelah setiap perubahan KB).",
      confused: "tertukar {count}x, keyakinan tertinggi {score}%",
      went: "\"{text}\" ({slug}) dijawab dengan {went_to}",
      advice: "Saran: gabungkan kedua artikel bila isinya sama, atau bedakan pertanyaan dan variasinya.",
      calibrated: "Bot menjawab bila keyakinannya minimal {threshold}%: dipilih dari {phrasings} kalimat KB dan {customers} pertanyaan pelanggan yang jawabannya diketahui, perkiraan jawaban salah {wrong}%.",
      uncalibrated: "Bot menjawab bila keyakinannya minimal {threshold}% (ambang bawaan atau ROUTER_KB_ANSWER_THRESHOLD: belum dipilih dari KB ini)."
    },
    en: {
      learned_title: "Learned wordings", learned_hint: "customers' wordings that led to an article; accepted, one becomes its variant",
      confusable_title: "Confusable articles", confusable_hint: "one article's questions the bot answers with another",
      source_chosen_suggestion: "picked by the customer from suggestions", source_agent_answer: "answered by an agent with this article",
      seen: "{customers} customers", accept: "Accept", reject: "Reject", accept_all: "Accept all shown",
      no_learned: "No new wordings to review.", flagged: "Careful: this wording would pull other articles' questions:",
      accepted: "Accepted: now a variant of {slug}.", rejected: "Rejected.",
      no_confusable: "No articles are confused (computed after every KB change).",
      confused: "confused {count}x, highest confidence {score}%",
      went: "\"{text}\" ({slug}) answered with {went_to}",
      advice: "Advice: merge the two articles if they say the same, or make their questions and variants distinct.",
      calibrated: "The bot answers when at least {threshold}% sure: chosen from {phrasings} KB phrasings and {customers} customers' questions whose answer is known, expected wrong answers {wrong}%.",
      uncalibrated: "The bot answers when at least {threshold}% sure (the default or ROUTER_KB_ANSWER_THRESHOLD: not chosen from this KB yet)."
    }
  };
  var learned = [];
  var pairs = [];
  var calibration = null;

  function t(key, vars) {
    var text = (TEXT[KB.lang] || TEXT.id)[key] || TEXT.id[key] || key;
    return text.replace(/\{(\w+)\}/g, function (_, name) { return vars && vars[name] !== undefined ? String(vars[name]) : ""; });
  }

  function decide(item, action, done) {
    return KB.request("/api/v1/kb/learned/" + item.id + "/" + action, { method: "POST" }).then(function (r) {
      done.textContent = action === "accept" ? t("accepted", { slug: r.body.slug }) : t("rejected");
      done.className = "done";
      return action === "accept" ? KB.articles.load() : null;
    }).catch(function (error) { done.textContent = error.message; done.className = "error"; });
  }

  function renderLearned() {
    var holder = KB.clear(document.getElementById("learned"));
    if (!holder) { return; }
    if (!learned.length) { holder.appendChild(KB.el("p", t("no_learned"), "empty")); return; }
    var all = KB.el("button", t("accept_all"));
    all.type = "button";
    all.setAttribute("data-test", "accept-all-shown");
    all.addEventListener("click", function () {
      all.disabled = true;
      KB.request("/api/v1/kb/learned/accept", { method: "POST", json: { ids: learned.map(function (i) { return i.id; }) } })
        .then(function () { return KB.articles.load(); })
        .then(load, function (error) { KB.setStatus(error.message, true); all.disabled = false; });
    });
    holder.appendChild(all);
    learned.forEach(function (item) {
      var row = KB.el("div", null, "gap learned");
      row.setAttribute("data-test", "learned-row");
      row.setAttribute("data-id", String(item.id));
      row.appendChild(KB.el("span", item.count + "x", "count"));
      var body = KB.el("div");
      body.appendChild(KB.el("div", item.text, "example"));
      body.appendChild(KB.el("div", "→ " + item.slug + " · " + t("source_" + item.source) + " · " + t("seen", item), "others"));
      if (item.flagged) {
        body.appendChild(KB.el("div", t("flagged") + " " + item.pulls.map(function (p) {
          return "\"" + p.text + "\" (" + p.slug + ")";
        }).join(", "), "error"));
      }
      row.appendChild(body);
      var tools = KB.el("div", null, "tools");
      var done = KB.el("span", "", "done");
      [["accept", "learned-accept"], ["reject", "learned-reject"]].forEach(function (pair) {
        var button = KB.el("button", t(pair[0]));
        button.type = "button";
        button.setAttribute("data-test", pair[1]);
        button.addEventListener("click", function () { decide(item, pair[0], done); });
        tools.appendChild(button);
      });
      tools.appendChild(done);
      row.appendChild(tools);
      holder.appendChild(row);
    });
  }

  function renderConfusable() {
    var holder = KB.clear(document.getElementById("confusable"));
    if (!holder) { return; }
    if (!pairs.length) { holder.appendChild(KB.el("p", t("no_confusable"), "empty")); return; }
    pairs.forEach(function (pair) {
      var row = KB.el("div", null, "gap");
      row.setAttribute("data-test", "confusable-row");
      row.appendChild(KB.el("span", Math.round(pair.score * 100) + "%", "count"));
      var body = KB.el("div");
      body.appendChild(KB.el("div", pair.a + " ↔ " + pair.b, "example"));
      body.appendChild(KB.el("div", t("confused", { count: pair.count, score: Math.round(pair.score * 100) }), "others"));
      pair.examples.forEach(function (example) { body.appendChild(KB.el("div", t("went", example), "others")); });
      body.appendChild(KB.el("div", t("advice"), "others"));
      row.appendChild(body);
      holder.appendChild(row);
    });
  }

  function load() {
    return Promise.all([
      KB.request("/api/v1/kb/learned", { params: { status: "pending", limit: "50" } }),
      KB.request("/api/v1/kb/confusable", { params: { limit: "20" } }),
      KB.request("/api/v1/kb/status")
    ]).then(function (results) {
      learned = results[0].body.items;
      pairs = results[1].body.items;
      calibration = results[2].body.calibration;
      render();
    }).catch(function (error) { KB.setStatus(error.message, true); });
  }

  function title(id, key) {
    var heading = KB.clear(document.getElementById(id));
    heading.appendChild(document.createTextNode(t(key + "_title") + " "));
    heading.appendChild(KB.el("small", t(key + "_hint")));
  }

  // The answer threshold this KB uses and what it was chosen from (kb/status).
  function renderCalibration() {
    var line = document.getElementById("calibration");
    if (!line || !calibration) { return; }
    var percent = function (value) { return Math.round(value * 1000) / 10; };
    var values = {
      threshold: percent(calibration.answer_threshold),
      phrasings: calibration.phrasings_checked,
      customers: calibration.customers_checked
    };
    // No expected share: too few phrasings to choose from, or the operator set the threshold.
    var chosen = calibration.expected_wrong !== null;
    if (chosen) { values.wrong = percent(calibration.expected_wrong); }
    line.textContent = t(chosen ? "calibrated" : "uncalibrated", values);
  }

  function render() {
    title("learned-title", "learned");
    title("confusable-title", "confusable");
    renderLearned();
    renderCalibration();
    renderConfusable();
  }

  KB.learning = { load: load, render: render };
})();

// KB readiness on the dashboard: whether the bot already matches by meaning (the sentence
// encoders' vectors of every phrasing are there) or still by words alone after a KB change.
// Self-contained: reads GET /api/v1/kb/status with the dashboard's stored admin token (or an
// admin account's session) and polls while the vectors are being computed.
(function () {
  "use strict";

  var english = /^en\b/i.test((navigator.languages || [navigator.language || ""])[0] || "");
  var TEXT = english ? {
    ready: "Matching by meaning: ready (KB version {v}, {p} phrasings).",
    words: "Matching by words only (the sentence encoder is off or not installed).",
    busy: "Preparing matching by meaning: {e} of {t} phrasings. Until then the bot matches by words."
  } : {
    ready: "Pencocokan makna: siap (versi KB {v}, {p} frasa).",
    words: "Pencocokan hanya lewat kata (encoder kalimat mati atau tidak terpasang).",
    busy: "Menyiapkan pencocokan makna: {e} dari {t} frasa. Sementara itu bot mencocokkan lewat kata."
  };

  function fill(template, values) {
    return template.replace(/\{(\w)\}/g, function (_, key) { return String(values[key]); });
  }

  function showKbStatus() {
    var node = document.getElementById("kb-status");
    var token = localStorage.getItem("router.adminToken");
    var session = window.RouterAccount && window.RouterAccount.active();
    if (!node || !(token || session)) { return; }
    var headers = token ? { Authorization: "Bearer " + token } : window.RouterAccount.headers();
    fetch("/api/v1/kb/status", { headers: headers })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (s) {
        if (!s) { node.hidden = true; return; }
        var embedded = Math.min.apply(null, s.models.map(function (m) { return m.embedded; }).concat([s.phrasings]));
        var text = !s.models.length ? TEXT.words : s.semantic_ready ? TEXT.ready : TEXT.busy;
        node.textContent = fill(text, { v: s.version, p: s.phrasings, e: embedded, t: s.phrasings });
        node.dataset.ready = String(s.semantic_ready);
        // Styled here, not in dashboard.css, so this line stays one self-contained file
        // (the CSP allows styles set through the DOM).
        node.style.margin = "0 20px 10px";
        node.style.color = s.semantic_ready ? "var(--muted)" : "var(--warn)";
        node.hidden = false;
        if (!s.semantic_ready) { setTimeout(showKbStatus, 3000); }
      })
      .catch(function () { node.hidden = true; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    showKbStatus();
    // An admin account's session (account.js): once resumed after a reload, or signed in.
    if (window.RouterAccount) {
      window.RouterAccount.resume().then(function (me) { if (me) { showKbStatus(); } });
      document.addEventListener("router:signed-in", showKbStatus);
    }
    var form = document.getElementById("token-form");
    if (form) { form.addEventListener("submit", function () { setTimeout(showKbStatus, 0); }); }
  });
})();

// The KB page's start: sign in (admin account or admin token), load articles and gaps, wire the parts.
(function () {
  "use strict";
  var KB = window.KB;

  function $(id) { return document.getElementById(id); }

  KB.setStatus = function (text, isError) {
    $("status").textContent = text;
    $("status").className = isError ? "error" : "";
  };

  function showTokenForm() {
    $("token-form").hidden = false;
    $("controls").hidden = true;
    $("content").hidden = true;
  }

  function load() {
    $("token-form").hidden = true;
    $("controls").hidden = false;
    KB.setStatus(KB.t("loading"));
    return KB.articles.load().then(function () {
      $("content").hidden = false;
      KB.setStatus(KB.t("loaded", new Date().toLocaleTimeString(KB.lang)));
      if (KB.help) { KB.help.load(); } // categories and most read (kb-help.js)
      if (KB.learning) { KB.learning.load(); }
      return KB.gaps.load().then(function () { return KB.drafts && KB.drafts.load(); });
    }).catch(function (error) {
      if (error.status === 401 || error.status === 403) {
        KB.token.clear();
        showTokenForm();
        KB.setStatus(KB.t("refused", error.message), true);
      } else {
        KB.setStatus(KB.t("load_failed", error.message), true);
      }
    });
  }

  function start() {
    $("lang").value = KB.lang;
    KB.applyLanguage();
    $("lang").addEventListener("change", function () {
      KB.applyLanguage($("lang").value);
      KB.articles.render();
      KB.gaps.render();
      if (KB.learning) { KB.learning.render(); }
      if (KB.drafts) { KB.drafts.render(); }
    });
    $("token-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var form = window.RouterAccount.takeForm($("token"));
      if (form.usePassword) {
        KB.token.clear();
        window.RouterAccount.signIn(form.email, form.password).then(load, function (error) {
          KB.setStatus(window.RouterAccount.failure(error, KB.lang), true);
        });
        return;
      }
      if (!form.token) { return; }
      KB.token.set(form.token);
      load();
    });
    $("forget").addEventListener("click", function () {
      window.RouterAccount.signOut();
      KB.token.clear();
      showTokenForm();
      KB.setStatus(KB.t("forgotten"));
    });
    $("new-article").addEventListener("click", function () { KB.editor.openNew(""); });
    KB.articles.start();
    KB.editor.start();
    KB.tryIt.start();
    KB.coverage.start();
    if (KB.token.get()) { load(); return; }
    window.RouterAccount.resume().then(function (session) {
      if (session) { load(); } else { showTokenForm(); }
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();

// Sign-in (e-mail and password, or a token), sign-out and the page's notices; starts the
// queue once the session or token is known good.
(function () {
  "use strict";
  var A = (window.Agent = window.Agent || {});
  var $ = function (id) { return document.getElementById(id); };
  A.me = null;

  A.notice = function (text, info) {
    var box = $("notice");
    box.textContent = text;
    box.className = info ? "info" : "";
    box.hidden = false;
  };
  A.clearNotice = function () { $("notice").hidden = true; $("notice").textContent = ""; };

  var wasOffline = false;
  A.offline = function (down) {
    if (down) { wasOffline = true; A.notice(A.t("offline")); }
    else if (wasOffline) { wasOffline = false; A.clearNotice(); }
  };

  function showLogin(message, isError) {
    $("login").hidden = false;
    $("workspace").hidden = true;
    $("who").hidden = true;
    var line = $("login-message");
    line.textContent = message || A.t("signInHint");
    line.className = isError ? "error" : "";
  }

  function signOut(message, isError) {
    A.forgetToken();
    window.RouterAccount.signOut();
    A.me = null;
    A.closeHandoff();
    A.stopQueue();
    A.clearNotice();
    showLogin(message, isError);
  }

  // Any 401: the token expired or its agent was deactivated.
  A.onUnauthorized = function () {
    if (A.me) { signOut(A.t(A.token() ? "tokenExpired" : "sessionEnded"), true); }
  };

  function start(me) {
    A.me = me;
    $("login").hidden = true;
    $("workspace").hidden = false;
    $("who").hidden = false;
    $("who-name").textContent = me.name || A.t("admin");
    $("notify-on").hidden = !A.notificationsAskable();
    A.startQueue();
  }

  function signIn(token, fromForm) {
    A.saveToken(token);
    return A.get("/api/v1/agents/me").then(start, function (error) {
      A.forgetToken();
      if (error.status === 401) {
        showLogin(fromForm ? A.t("tokenRefused") : A.t("tokenExpired"), true);
      } else {
        showLogin(error.message || A.t("offline"), true);
      }
    });
  }

  // E-mail and password: a session cookie (account.js), then the same start as a token.
  function signInWithPassword(email, password) {
    A.forgetToken();
    return window.RouterAccount.signIn(email, password).then(function () {
      return A.get("/api/v1/agents/me").then(start);
    }, function (error) { showLogin(window.RouterAccount.failure(error, A.lang), true); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    A.translatePage();
    A.setTitle(0);
    A.initConversation();
    A.initSuggestions();
    $("login-form").addEventListener("submit", function (event) {
      event.preventDefault();
      A.unlockSound();
      var form = window.RouterAccount.takeForm($("login-token"));
      if (form.usePassword) { signInWithPassword(form.email, form.password); } else if (form.token) { signIn(form.token, true); }
    });
    $("sign-out").addEventListener("click", function () { signOut(A.t("signedOut"), false); });
    $("notify-on").addEventListener("click", function () {
      A.unlockSound();
      A.askNotifications().then(function () { $("notify-on").hidden = !A.notificationsAskable(); });
    });
    // Sound may only start after a gesture: any click in the page will do.
    document.addEventListener("click", A.unlockSound);
    var saved = A.token();
    if (saved) { signIn(saved, false); return; }
    window.RouterAccount.resume().then(function (session) {
      if (session) { A.get("/api/v1/agents/me").then(start, function () { showLogin(); }); } else { showLogin(); }
    });
  });
})();

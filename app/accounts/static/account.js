// Shared by /agent, /kb and /dashboard: signing in with e-mail and password. The session is
// an HttpOnly cookie the page never sees; what the page keeps is the CSRF token, sent as
// X-CSRF-Token on every request (RouterAccount.headers()). A reloaded page gets it again
// from /api/v1/auth/me.
(function () {
  "use strict";
  var R = (window.RouterAccount = window.RouterAccount || {});
  var csrf = null;
  // Only a hint that this browser signed in (no secret): pages that never did skip asking.
  var HINT = "router.signedIn";

  function call(method, path, body) {
    var headers = R.headers();
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    return fetch(path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store"
    }).then(function (response) {
      return response.text().then(function (raw) {
        var data = null;
        try { data = raw ? JSON.parse(raw) : null; } catch (ignored) { data = null; }
        if (response.ok) { return data; }
        var error = (data && data.error) || {};
        var failure = new Error(error.message || response.statusText);
        failure.status = response.status;
        failure.code = error.code || "http_" + response.status;
        throw failure;
      });
    });
  }

  // The headers a signed-in page adds to its API calls (none without a session).
  R.headers = function () { return csrf ? { "X-CSRF-Token": csrf } : {}; };
  R.active = function () { return csrf !== null; };

  // This browser's session, if it has one: resolves {kind, agent, csrf_token} or null.
  // Asked once per page load, however many of the page's scripts ask.
  var resumed = null;
  R.resume = function () {
    if (resumed) { return resumed; }
    if (!localStorage.getItem(HINT)) { return Promise.resolve(null); }
    resumed = call("GET", "/api/v1/auth/me").then(function (me) {
      if (me && me.csrf_token) { csrf = me.csrf_token; return me; }
      localStorage.removeItem(HINT);
      return null;
    }, function () { localStorage.removeItem(HINT); return null; });
    return resumed;
  };

  // Resolves {agent, csrf_token}; rejects with .status 401 (wrong e-mail or password) or 429.
  R.signIn = function (email, password) {
    return call("POST", "/api/v1/auth/login", { email: email, password: password })
      .then(function (data) {
        csrf = data.csrf_token;
        resumed = Promise.resolve(data);
        localStorage.setItem(HINT, "1");
        document.dispatchEvent(new CustomEvent("router:signed-in"));  // for the pages' extras
        return data;
      });
  };

  // Ends the session on the server (the cookie is dead everywhere at once).
  R.signOut = function () {
    localStorage.removeItem(HINT);
    resumed = null;
    if (!csrf) { return Promise.resolve(); }
    var done = call("POST", "/api/v1/auth/logout");
    csrf = null;
    return done.catch(function () {});
  };

  // What the sign-in form holds (login-email, login-password and the page's token input),
  // with the secrets emptied from the page at once.
  R.takeForm = function (tokenInput) {
    var email = document.querySelector("[data-test=login-email]");
    var password = document.querySelector("[data-test=login-password]");
    var form = { email: email.value.trim(), password: password.value, token: tokenInput.value.trim() };
    password.value = "";
    tokenInput.value = "";
    form.usePassword = Boolean(form.email && form.password);
    return form;
  };

  // Indonesian first: a message for a failed sign-in.
  R.failure = function (error, lang) {
    var en = lang === "en";
    if (error && error.status === 429) {
      return en ? "Too many failed attempts. Try again in a few minutes." :
        "Terlalu banyak percobaan gagal. Coba lagi beberapa menit lagi.";
    }
    if (error && error.status === 401) {
      return en ? "Wrong e-mail or password." : "E-mail atau kata sandi salah.";
    }
    return (error && error.message) || (en ? "Cannot reach the service." : "Layanan tidak terjangkau.");
  };
})();

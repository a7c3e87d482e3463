// The service's API with the agent's bearer token, or the signed-in session (cookie plus
// CSRF header, /accounts/assets/account.js); a 401 anywhere signs the page out.
(function () {
  "use strict";
  var A = (window.Agent = window.Agent || {});
  var TOKEN_KEY = "router.agentToken";

  A.token = function () { return localStorage.getItem(TOKEN_KEY); };
  A.saveToken = function (token) { localStorage.setItem(TOKEN_KEY, token); };
  A.forgetToken = function () { localStorage.removeItem(TOKEN_KEY); };
  A.onUnauthorized = function () {};  // set by agent.js
  A.authHeaders = function () {
    return A.token() ? { Authorization: "Bearer " + A.token() } : window.RouterAccount.headers();
  };

  function ApiError(status, code, message) {
    this.status = status; this.code = code; this.message = message;
  }
  A.ApiError = ApiError;

  // fetch with the token; resolves to the parsed JSON, rejects with an ApiError.
  A.request = function (method, path, body, options) {
    var headers = A.authHeaders();
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    return fetch(path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: options && options.signal,
      cache: "no-store"
    }).then(function (response) {
      return response.text().then(function (raw) {
        var data = null;
        try { data = raw ? JSON.parse(raw) : null; } catch (e) { data = null; }
        if (response.ok) { return data; }
        var error = (data && data.error) || {};
        var failure = new ApiError(response.status, error.code || "http_" + response.status, error.message || response.statusText);
        if (response.status === 401) { A.onUnauthorized(failure); }
        throw failure;
      });
    });
  };
  A.get = function (path, options) { return A.request("GET", path, undefined, options); };
  A.post = function (path, body) { return A.request("POST", path, body); };

  // A media message's file, fetched with the token (a plain link could not send it).
  A.blob = function (path) {
    return fetch(path, { headers: A.authHeaders() }).then(function (response) {
      if (response.status === 401) { A.onUnauthorized(new ApiError(401, "unauthorized", "")); }
      if (!response.ok) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          var error = (data && data.error) || {};
          throw new ApiError(response.status, error.code || "http_" + response.status, error.message || response.statusText);
        });
      }
      return response.blob();
    });
  };

  // Run ``step`` again and again (a long-poll loop) until ``stop()``; waits after failures.
  A.loop = function (step) {
    var state = { stopped: false, controller: null };
    function run() {
      if (state.stopped) { return; }
      state.controller = new AbortController();
      step(state.controller.signal).then(function () {
        if (!state.stopped) { setTimeout(run, 50); }
      }, function (error) {
        if (state.stopped || (error && error.name === "AbortError")) { return; }
        if (error instanceof ApiError && error.status === 401) { return; }
        A.offline(true);
        setTimeout(run, 2000);
      });
    }
    run();
    return {
      stop: function () { state.stopped = true; if (state.controller) { state.controller.abort(); } }
    };
  };
  A.offline = function () {};  // set by agent.js
})();

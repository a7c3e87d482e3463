// The KB page's only door to the service: the existing API with the admin token (kept in
// localStorage, shared with /dashboard) or an admin account's session (account.js). Errors come back as Error with .status and .code.
(function () {
  "use strict";
  var KB = window.KB = window.KB || {};
  var TOKEN_KEY = "router.adminToken";

  KB.token = {
    get: function () { return localStorage.getItem(TOKEN_KEY); },
    set: function (value) { localStorage.setItem(TOKEN_KEY, value); },
    clear: function () { localStorage.removeItem(TOKEN_KEY); }
  };

  // options: {method, json, body, contentType, ifMatch, params}. Resolves {body, etag, status}.
  KB.request = function (path, options) {
    options = options || {};
    // The admin token when one was typed, else the signed-in account's session.
    var headers = KB.token.get() ? { Authorization: "Bearer " + KB.token.get() } : window.RouterAccount.headers();
    var body = options.body;
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.json);
    } else if (options.contentType) {
      headers["Content-Type"] = options.contentType;
    }
    if (options.ifMatch) { headers["If-Match"] = options.ifMatch; }
    var url = path + (options.params ? "?" + new URLSearchParams(options.params).toString() : "");
    return fetch(url, { method: options.method || "GET", headers: headers, body: body })
      .then(function (response) {
        var etag = response.headers.get("ETag");
        if (response.status === 204) { return { body: null, etag: etag, status: 204 }; }
        return response.text().then(function (text) {
          var data = null;
          try { data = text ? JSON.parse(text) : null; } catch (ignored) { data = null; }
          if (!response.ok) {
            var error = new Error(data && data.error ? data.error.message : response.statusText);
            error.status = response.status;
            error.code = data && data.error ? data.error.code : "http_" + response.status;
            throw error;
          }
          return { body: data, etag: etag, status: response.status };
        });
      });
  };

  KB.getJson = function (path, params) {
    return KB.request(path, { params: params }).then(function (r) { return r.body; });
  };

  // A small DOM helper: text always through textContent (customer-written text is shown).
  KB.el = function (tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  };

  KB.clear = function (node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
    return node;
  };
})();

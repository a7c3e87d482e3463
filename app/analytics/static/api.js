// The service's API with the admin token kept in localStorage (typed into the page once), or
// a signed-in account's session.
(function () {
  "use strict";

  var D = window.RouterDashboard;
  var TOKEN_KEY = "router.adminToken";

  // The admin token when one was typed, else the signed-in account's session (account.js).
  function authHeaders() {
    var token = localStorage.getItem(TOKEN_KEY);
    return token ? { Authorization: "Bearer " + token } : window.RouterAccount.headers();
  }

  function request(path, params) {
    var query = params && params.toString() ? "?" + params.toString() : "";
    return fetch(path + query, {
      headers: authHeaders()
    }).then(function (response) {
      if (response.ok) { return response; }
      return response.json().catch(function () { return null; }).then(function (body) {
        var error = new Error(body && body.error ? body.error.message : response.statusText);
        error.status = response.status;
        throw error;
      });
    });
  }

  function getJson(path, params) {
    return request(path, params).then(function (response) { return response.json(); });
  }

  // The export needs the bearer token, so a plain link cannot fetch it: fetch, then save the
  // blob through a temporary link.
  function download(path, params, filename) {
    return request(path, params).then(function (response) { return response.blob(); })
      .then(function (blob) {
        var url = URL.createObjectURL(blob);
        var link = document.createElement("a");
        link.href = url;
        link.download = filename;
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
      });
  }

  D.api = {
    getJson: getJson,
    download: download,
    token: function () { return localStorage.getItem(TOKEN_KEY); },
    headers: authHeaders,
    setToken: function (token) { localStorage.setItem(TOKEN_KEY, token); },
    forget: function () { localStorage.removeItem(TOKEN_KEY); }
  };
})();

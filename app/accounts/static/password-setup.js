// The password-setup page: the link's token (in the address) and the new password go to
// POST /api/v1/auth/password-setup. The token is dropped from the address bar at once.
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  var token = params.get("token") || "";
  var en = (navigator.language || "").slice(0, 2) === "en" || params.get("lang") === "en";
  var TEXT = {
    id: { mismatch: "Kedua kata sandi tidak sama.", short: "Minimal 10 karakter.",
      done: "Kata sandi tersimpan. Silakan masuk.", invalid: "Tautan ini sudah dipakai atau kedaluwarsa. Minta tautan baru ke admin.",
      failed: "Gagal menyimpan: " },
    en: { mismatch: "The two passwords differ.", short: "At least 10 characters.",
      done: "Password saved. You can sign in now.", invalid: "This link was already used or has expired. Ask an admin for a new one.",
      failed: "Could not save: " }
  }[en ? "en" : "id"];

  function say(text, isError) {
    var line = document.getElementById("message");
    line.textContent = text;
    line.className = isError ? "error" : "";
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (en) {
      document.documentElement.lang = "en";
      document.querySelectorAll("[data-en]").forEach(function (node) { node.textContent = node.getAttribute("data-en"); });
    }
    if (history.replaceState) { history.replaceState(null, "", location.pathname); }
    document.getElementById("setup-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var password = document.getElementById("password").value;
      if (password !== document.getElementById("again").value) { say(TEXT.mismatch, true); return; }
      if (password.length < 10) { say(TEXT.short, true); return; }
      fetch("/api/v1/auth/password-setup", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ token: token, password: password }),
        credentials: "omit"
      }).then(function (response) {
        if (response.status === 204) {
          document.getElementById("setup-form").hidden = true;
          say(TEXT.done, false);
        } else if (response.status === 400) {
          say(TEXT.invalid, true);
        } else {
          return response.json().then(function (data) { say(TEXT.failed + ((data && data.error && data.error.message) || response.status), true); });
        }
      }).catch(function (error) { say(TEXT.failed + error.message, true); });
    });
  });
})();

// The home page in the reader's language (lang.js decides which); links to the other pages
// carry an explicit choice along.
(function () {
  "use strict";

  var TEXT = {
    id: {
      language: "Bahasa",
      lead: "Menjawab pelanggan dari basis pengetahuan, lalu menyerahkan ke tim bila perlu.",
      chat: "Coba bot seperti pelanggan (web chat).",
      agent_title: "Agen",
      agent: "Antrean serah terima: klaim, balas, selesaikan (token agen).",
      kb_title: "Basis pengetahuan",
      kb: "Ubah artikel, coba jawaban bot, tutup celah (token admin).",
      dashboard_title: "Dasbor",
      dashboard: "Tingkat layanan mandiri, artikel, celah, agen (token admin).",
      docs: "Referensi API (OpenAPI)."
    },
    en: {
      language: "Language",
      lead: "Answers customers from the knowledge base, and hands over to the team when needed.",
      chat: "Try the bot as a customer would (web chat).",
      agent_title: "Agents",
      agent: "The handoff queue: claim, reply, resolve (agent token).",
      kb_title: "Knowledge base",
      kb: "Edit articles, try the bot's answers, close the gaps (admin token).",
      dashboard_title: "Dashboard",
      dashboard: "Self-service rate, articles, gaps, agents (admin token).",
      docs: "API reference (OpenAPI)."
    }
  };

  function apply(lang) {
    var text = TEXT[lang];
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      node.textContent = text[node.getAttribute("data-i18n")];
    });
    var explicit = window.RouterLang.explicit();
    document.querySelectorAll("a[data-test^=home-]").forEach(function (link) {
      var path = link.getAttribute("href").split("?")[0];
      if (path !== "/docs") { link.setAttribute("href", explicit ? path + "?lang=" + lang : path); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var lang = window.RouterLang.choose();
    var picker = document.getElementById("lang");
    picker.value = lang;
    if (window.RouterLang.explicit()) { window.RouterLang.reflect(lang); }
    apply(lang);
    picker.addEventListener("change", function () { apply(window.RouterLang.remember(picker.value)); });
  });
})();

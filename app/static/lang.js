// Which language a page speaks, the same on every page (home, dashboard, KB, agent):
// ?lang=id|en in the URL wins (a shared link), then the reader's own choice from a page's
// picker (kept in localStorage, for every page), then the browser's languages: English when
// it comes before any Indonesian; Indonesian otherwise.
(function () {
  "use strict";

  var KEY = "router.lang";
  var SUPPORTED = ["id", "en"];

  function known(lang) { return SUPPORTED.indexOf(lang) >= 0 ? lang : null; }

  function fromUrl() { return known(new URLSearchParams(location.search).get("lang")); }

  function saved() {
    try { return known(localStorage.getItem(KEY)); } catch (e) { return null; }
  }

  function fromBrowser() {
    var langs = navigator.languages && navigator.languages.length ?
      navigator.languages : [navigator.language || ""];
    for (var i = 0; i < langs.length; i++) {
      var code = String(langs[i]).toLowerCase().split("-")[0];
      if (code === "en") { return "en"; }
      if (code === "id" || code === "ms") { return "id"; } // Malay readers read Indonesian
    }
    return "id";
  }

  // The language chosen explicitly (by the URL or the picker), or null.
  function explicit() { return fromUrl() || saved(); }

  function choose() { return explicit() || fromBrowser(); }

  // Put the language in the address bar, so a copied link opens in it.
  function reflect(lang) {
    var url = new URL(location.href);
    url.searchParams.set("lang", lang);
    history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  }

  // The picker's choice: remembered for every page, and in the URL.
  function remember(lang) {
    lang = known(lang) || "id";
    try { localStorage.setItem(KEY, lang); } catch (e) { /* private mode: the URL still has it */ }
    reflect(lang);
    return lang;
  }

  window.RouterLang = {
    choose: choose,
    explicit: explicit,
    fromBrowser: fromBrowser,
    reflect: reflect,
    remember: remember
  };
})();

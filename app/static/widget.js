/* Self-Service Router web chat: one script tag adds a chat bubble to any site.
   <script src="https://router.example/widget.js" data-title="Toko Kami" data-color="#0b7a5a"
     data-greeting="Halo!" data-lang="id" defer></script>
   data-mode="page" fills the page instead (the router's own /chat uses that).
   Everything lives in an open shadow root, so the host page's styles and ours never mix. */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script || window.__routerChat) return;
  window.__routerChat = true;
  var opt = script.dataset;
  var ORIGIN = new URL(script.src, location.href).origin;
  var API = ORIGIN + "/api/v1/webchat";
  var KEY = "router.webchat:" + API;
  var T = {
    id: { title: "Layanan Pelanggan", state: "Asisten otomatis · tim kami siap membantu",
      handoff: "Terhubung ke tim layanan pelanggan", greeting: "Halo! 👋 Ada yang bisa kami bantu?",
      placeholder: "Tulis pesan…", send: "Kirim", sending: "Mengirim…", open: "Buka chat",
      close: "Tutup chat", bot: "Asisten", agent: "Tim CS", system: "Info",
      offline: "Koneksi terputus. Coba kirim lagi.", busy: "Terlalu banyak pesan. Tunggu sebentar ya.",
      failed: "Pesan belum terkirim. Coba lagi.", typing: "sedang mengetik",
      search: "Cari artikel bantuan…", escalate: "Butuh Bantuan Lebih Lanjut" },
    en: { title: "Customer service", state: "Automated assistant · our team can help too",
      handoff: "Connected to our support team", greeting: "Hi! 👋 How can we help?",
      placeholder: "Type a message…", send: "Send", sending: "Sending…", open: "Open chat",
      close: "Close chat", bot: "Assistant", agent: "Support", system: "Info",
      offline: "You are offline. Try sending again.", busy: "Too many messages. Please wait a moment.",
      failed: "The message was not sent. Please try again.", typing: "typing",
      search: "Search help articles…", escalate: "I need more help" }
  };
  var lang = (opt.lang || (navigator.languages || [navigator.language || ""])[0] || "")
    .toLowerCase().indexOf("en") === 0 ? "en" : "id";
  var t = T[lang];
  var color = opt.color && CSS.supports("color", opt.color) ? opt.color : "#0b7a5a";
  var page = opt.mode === "page";
  var chat = load(), cursor = "", isOpen = page, handoff = false, busy = false, timer = 0;
  var titles = {}; // button id -> title, to show a pressed button in the history
  var pendingContext = null; // help-center reading to send with the next new session

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  var host = el("router-chat");
  var root = host.attachShadow({ mode: "open" });
  var css = el("style");
  css.textContent = ":host{all:initial}*{box-sizing:border-box}" +
    ".w{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1c2320;--c:" + color + "}" +
    ".bubble{position:fixed;right:20px;bottom:20px;width:58px;height:58px;border-radius:50%;border:0;" +
    "background:var(--c);color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000;" +
    "display:flex;align-items:center;justify-content:center}.bubble svg{width:28px;height:28px}" +
    ".dot{position:absolute;top:4px;right:4px;width:12px;height:12px;border-radius:50%;background:#e5483b;display:none}" +
    ".panel{position:fixed;right:20px;bottom:90px;width:370px;height:min(580px,calc(100vh - 110px));" +
    "background:#f3f5f4;border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.25);display:none;" +
    "flex-direction:column;overflow:hidden;z-index:2147483000}.open .panel{display:flex}" +
    ".page .panel{position:static;display:flex;width:100%;max-width:640px;height:100vh;height:100dvh;" +
    "margin:0 auto;border-radius:0;box-shadow:none}" +
    "@media (max-width:480px){.panel{inset:0;width:auto;height:auto;border-radius:0}.open .bubble{display:none}}" +
    "header{background:var(--c);color:#fff;padding:12px 14px;display:flex;align-items:center;gap:8px}" +
    "header b{display:block;font-size:15px}header small{opacity:.85;font-size:12px}header div{flex:1}" +
    ".x{background:none;border:0;color:#fff;font-size:22px;cursor:pointer;line-height:1;padding:4px}" +
    ".page .x,.page .bubble{display:none}.log{flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:8px}" +
    ".m{max-width:85%;padding:8px 11px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere}" +
    ".customer{align-self:flex-end;background:#d8f3e8}.failed{opacity:.55}" +
    ".bot,.system{align-self:flex-start;background:#fff;border:1px solid #dfe5e2}" +
    ".agent{align-self:flex-start;background:#fff7df;border:1px solid #f0dfa8}" +
    ".who{font-size:11px;opacity:.65;margin-bottom:2px;font-weight:600}.m a{color:var(--c);text-decoration:underline}" +
    ".bs{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}.bs button{border:1px solid var(--c);color:var(--c);" +
    "background:#fff;border-radius:16px;padding:4px 10px;cursor:pointer;font:inherit;font-size:13px}" +
    ".bs button:disabled{opacity:.45;cursor:default}.typing{align-self:flex-start;color:#667;font-size:12px;font-style:italic}" +
    ".err{color:#9a3b00;font-size:12px;padding:0 14px 6px;min-height:0}" +
    "form{display:flex;gap:8px;padding:10px;background:#fff;border-top:1px solid #dfe5e2}" +
    "input{flex:1;min-width:0;padding:10px 12px;border:1px solid #cfd8d4;border-radius:20px;font:inherit;color:inherit}" +
    "form button{background:var(--c);color:#fff;border:0;border-radius:20px;padding:0 16px;font:inherit;cursor:pointer}" +
    "form button:disabled{opacity:.6}" +
    ".hs{padding:8px 10px;background:#fff;border-bottom:1px solid #dfe5e2;border-top:0}.hs input{padding:7px 12px}" +
    ".hr{background:#fff;max-height:40%;overflow-y:auto}.hr:empty{display:none}" +
    ".hr a{display:block;padding:8px 14px;border-bottom:1px solid #eef2f0;color:var(--c);text-decoration:none}" +
    ".hr a small{display:block;color:#667;font-size:12px}";
  var wrap = el("div", "w" + (page ? " page" : ""));
  wrap.innerHTML = '<button class="bubble" type="button" data-test="chat-bubble"><svg viewBox="0 0 24 24" ' +
    'fill="currentColor" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 ' +
    '1-2z"/></svg><span class="dot"></span></button><section class="panel" role="dialog"><header><div><b></b>' +
    '<small></small></div><button class="x" type="button" data-test="chat-close">×</button></header>' +
    '<form class="hs" role="search"><input type="search" data-test="widget-help-search" autocomplete="off" ' +
    'maxlength="500"></form><div class="hr" data-test="widget-help-results"></div>' +
    '<div class="log" aria-live="polite" data-test="chat-log"></div><div class="err" role="alert" data-test="chat-error">' +
    '</div><form><input data-test="chat-input" autocomplete="off" maxlength="4000"><button type="submit" ' +
    'data-test="chat-send"></button></form></section>';
  root.append(css, wrap);
  function $(sel) { return root.querySelector(sel); }
  var bubble = $(".bubble"), log = $(".log"), err = $(".err"), sendBtn = $("form:not(.hs) button");
  var input = $('[data-test="chat-input"]'), helpInput = $('[data-test="widget-help-search"]'), helpList = $(".hr");
  $("header b").textContent = opt.title || t.title;
  bubble.setAttribute("aria-label", t.open);
  $(".x").setAttribute("aria-label", t.close);
  input.placeholder = t.placeholder;
  input.setAttribute("aria-label", t.placeholder);
  sendBtn.textContent = t.send;
  helpInput.placeholder = t.search;
  helpInput.setAttribute("aria-label", t.search);
  showState();

  function showState() { $("header small").textContent = handoff ? t.handoff : t.state; }

  function linkify(box, text) {
    var re = /https?:\/\/[^\s<>"']+/g, last = 0, m;
    while ((m = re.exec(text))) {
      var url = m[0].replace(/[.,!?;:)\]]+$/, "");
      box.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = el("a", "", url);
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      box.appendChild(a);
      last = m.index + url.length;
      re.lastIndex = last;
    }
    box.appendChild(document.createTextNode(text.slice(last)));
  }

  function render(sender, text, buttons, name) {
    if (sender === "customer") log.querySelectorAll(".bs button").forEach(function (b) { b.disabled = true; });
    var box = el("div", "m " + sender);
    box.dataset.test = "chat-message";
    box.dataset.sender = sender;
    if (sender !== "customer") box.appendChild(el("div", "who", sender === "agent" ? name || t.agent : t[sender] || sender));
    linkify(box, text || "");
    if (buttons && buttons.length) {
      var row = el("div", "bs");
      buttons.forEach(function (b) {
        titles[b.id] = b.title;
        var btn = el("button", "", b.title);
        btn.type = "button";
        btn.dataset.test = "chat-button";
        btn.dataset.id = b.id;
        btn.onclick = function () { if (!busy) send({ action: b.id }, b.title); };
        row.appendChild(btn);
      });
      box.appendChild(row);
    }
    log.appendChild(box);
    log.scrollTop = log.scrollHeight;
    return box;
  }

  function show(m) {
    var text = m.text || (m.action ? titles[m.action] || m.action : "");
    render(m.sender, text, m.buttons, m.agent_name);
    if (m.sender === "agent") handoff = true;
    if (m.sender === "system" && m.buttons && m.buttons.length) handoff = false; // the rating question
    cursor = String(m.id);
  }

  function call(method, path, body) {
    var headers = { "Content-Type": "application/json" };
    if (chat) headers.Authorization = "Bearer " + chat.token;
    return fetch(API + path, { method: method, headers: headers, body: body && JSON.stringify(body) })
      .then(function (res) {
        if (res.status === 401 && chat) { chat = null; localStorage.removeItem(KEY); }
        return res.json().catch(function () { return {}; }).then(function (data) {
          if (!res.ok) throw { status: res.status };
          return data;
        });
      });
  }

  // What the visitor read in the help center (its pages keep it in this browser), for the
  // agent: sent once, with a new chat.
  function helpContext() {
    if (pendingContext) return pendingContext;
    try {
      var s = JSON.parse(localStorage.getItem("router.help") || "null");
      var recent = s && s.at && Date.now() - s.at < 86400000;
      if (recent && ((s.read && s.read.length) || s.search)) return { articles: (s.read || []).slice(0, 5), search: s.search || null };
    } catch (e) { /* unreadable: none */ }
    return null;
  }

  function session() {
    if (chat) return Promise.resolve(chat);
    var context = helpContext();
    pendingContext = null;
    return call("POST", "/sessions", context ? { context: context } : {}).then(function (data) {
      chat = data;
      localStorage.setItem(KEY, JSON.stringify(data));
      return data;
    });
  }

  function send(body, shown, retried) {
    busy = true;
    err.textContent = "";
    var mine = retried || render("customer", shown);
    var typing = log.appendChild(el("div", "typing", (opt.title || t.bot) + " " + t.typing + "…"));
    typing.dataset.test = "chat-typing";
    sendBtn.disabled = true;
    sendBtn.textContent = t.sending;
    body.client_message_id = body.client_message_id || Math.random().toString(36).slice(2);
    function done() { busy = false; typing.remove(); sendBtn.disabled = false; sendBtn.textContent = t.send; }
    return session().then(function () { return call("POST", "/messages", body); }).then(function (data) {
      done();
      data.replies.forEach(function (r) { render("bot", r.text, r.buttons); });
      handoff = data.conversation.status === "handoff";
      showState();
    }, function (e) {
      done();
      // An expired token: a new session, and the same message once more.
      if (e && e.status === 401 && !retried) return send(body, shown, mine);
      mine.classList.add("failed");
      err.textContent = !e || !e.status ? t.offline : e.status === 429 ? t.busy : t.failed;
    });
  }

  function history() {
    if (!chat) return Promise.resolve();
    return call("GET", "/messages?history=true&limit=200&after=" + cursor).then(function (data) {
      data.messages.forEach(show);
      if (data.messages.length === 200) return history();
    }).catch(function () {});
  }

  function poll() {
    clearTimeout(timer);
    var next = isOpen ? 3000 : handoff ? 20000 : 0;
    if (chat && !busy) {
      call("GET", "/messages?after=" + cursor).then(function (data) {
        data.messages.forEach(show);
        if (data.messages.length && !isOpen) $(".dot").style.display = "block";
        showState();
      }).catch(function () {});
    }
    if (next) timer = setTimeout(poll, next);
  }

  function toggle(open) {
    isOpen = open;
    wrap.classList.toggle("open", open);
    bubble.setAttribute("aria-expanded", String(open));
    if (open) { $(".dot").style.display = "none"; input.focus(); log.scrollTop = log.scrollHeight; }
    poll();
  }

  // Help-center search inside the chat: an article may answer before anyone is asked.
  var helpTimer = 0, helpSeq = 0;
  function helpSearch(q) {
    var mine = ++helpSeq;
    if (q.length < 3) { helpList.textContent = ""; return; }
    fetch(ORIGIN + "/api/v1/help/search?lang=" + lang + "&q=" + encodeURIComponent(q)).then(function (r) { return r.json(); }).then(function (data) {
      if (mine !== helpSeq) return;
      helpList.textContent = "";
      (data.matches || []).slice(0, 5).forEach(function (m) {
        var a = el("a", "", m.question);
        a.href = m.url;
        a.target = "_blank";
        a.rel = "noopener";
        a.dataset.test = "widget-help-result";
        a.dataset.slug = m.slug;
        a.appendChild(el("small", "", m.snippet));
        a.onclick = function () {
          fetch(ORIGIN + "/api/v1/help/events", { method: "POST", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ type: "search_click", slug: m.slug, search_id: data.search_id }), keepalive: true }).catch(function () {});
        };
        helpList.appendChild(a);
      });
      try {
        var s = JSON.parse(localStorage.getItem("router.help") || "{}") || {};
        s.search = q;
        s.at = Date.now();
        localStorage.setItem("router.help", JSON.stringify(s));
      } catch (e) { /* private mode */ }
    }).catch(function () {});
  }
  helpInput.oninput = function () {
    clearTimeout(helpTimer);
    helpTimer = setTimeout(function () { helpSearch(helpInput.value.trim()); }, 300);
  };
  $(".hs").onsubmit = function (event) { event.preventDefault(); clearTimeout(helpTimer); helpSearch(helpInput.value.trim()); };

  // For the help center's "Butuh Bantuan Lebih Lanjut": open the chat and ask for a person,
  // with what the visitor read (``context``: {articles, search}).
  window.RouterChat = {
    open: function () { toggle(true); },
    escalate: function (context) {
      toggle(true);
      var body = { action: "escalate" };
      if (chat) body.context = context || undefined; else pendingContext = context || null;
      if (!busy) send(body, t.escalate);
    }
  };

  bubble.onclick = function () { toggle(!isOpen); };
  $(".x").onclick = function () { toggle(false); };
  $("form:not(.hs)").onsubmit = function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    send({ text: text }, text);
  };

  function mount() {
    document.body.appendChild(host);
    history().then(function () {
      if (!log.children.length) render("bot", opt.greeting || t.greeting);
      showState();
      toggle(isOpen);
    });
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();

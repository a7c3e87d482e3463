// Labels of the agent page: Indonesian or English, chosen as on every page (/assets/lang.js:
// ?lang=, a choice made on another page, or the browser).
(function () {
  "use strict";
  var A = (window.Agent = window.Agent || {});

  var TEXT = {
    id: {
      title: "Ruang agen", signIn: "Masuk", signOut: "Keluar", tokenLabel: "Token agen",
      signInHint: "Masukkan token agen dari admin.", notifyOn: "Aktifkan notifikasi",
      queue: "Antrean", mine: "Milik saya", queueEmpty: "Tidak ada yang menunggu.",
      mineEmpty: "Belum ada yang Anda tangani.", back: "Kembali", claim: "Klaim",
      release: "Lepas", resolve: "Selesai", send: "Kirim",
      replyHint: "Enter mengirim, Shift+Enter baris baru.", suggestions: "Saran dari KB",
      noSuggestions: "Belum ada saran.", kbSearch: "Cari di KB…", search: "Cari",
      tokenRefused: "Token ditolak. Periksa lalu coba lagi.",
      tokenExpired: "Token Anda tidak berlaku lagi (kedaluwarsa atau dinonaktifkan). Silakan masuk lagi.",
      signedOut: "Anda sudah keluar.", offline: "Koneksi ke server terputus; mencoba lagi…",
      alreadyClaimed: "Sudah diklaim oleh {name}", alreadyClaimedSomeone: "Sudah diklaim agen lain",
      handoffClosed: "Percakapan ini sudah selesai.", notClaimHolder: "Klaim dulu percakapan ini untuk membalas.",
      notClaimed: "Percakapan ini tidak sedang diklaim.", sendFailed: "Gagal mengirim: {reason}",
      windowClosed: "Jendela 24 jam WhatsApp sudah tertutup: balasan bebas tidak bisa dikirim sampai pelanggan menulis lagi.",
      windowLeft: "Jendela WhatsApp: sisa {time}", position: "posisi {n}", waiting: "menunggu {time}",
      claimedBy: "Ditangani oleh {name}", claimedByYou: "Ditangani oleh Anda", resolved: "Selesai",
      cancelled: "Dibatalkan", waitingState: "Menunggu agen", claimFirst: "Klaim untuk membalas.",
      newHandoff: "Pelanggan baru menunggu", customer: "Pelanggan", bot: "Bot", agent: "Agen",
      system: "Sistem", admin: "Admin", open: "Buka", locationLabel: "Lokasi", mediaFailed: "Berkas tidak bisa dibuka: {reason}",
      pressed: "Menekan: {button}", buttons: "Tombol: {list}", article: "Artikel: {slug}", use: "Pakai", resolvedDone: "Ditandai selesai.",
      released: "Dikembalikan ke antrean.",
      reasons: { button: "tombol bantuan", customer_request: "minta agen", repeated_miss: "bot tidak paham",
        frustration: "pelanggan kesal", not_helpful: "jawaban tidak membantu", external_agent: "agen luar" },
      actions: { helpful_yes: "Ya, terjawab", helpful_no: "Tidak membantu", escalate: "Butuh bantuan lanjut" },
      kinds: { image: "Foto", audio: "Pesan suara", video: "Video", document: "Dokumen", sticker: "Stiker",
        location: "Lokasi", contacts: "Kontak", order: "Pesanan", form: "Formulir", other: "Lampiran", context: "Pusat bantuan" },
      units: { s: "dtk", m: "mnt", h: "jam", d: "hari" },
      // Issue 32: teams, presence, transfers, canned replies, notes, labels.
      presence: "Status", online: "Online", away: "Istirahat", offline: "Offline",
      allTeams: "Semua tim", myTeams: "Tim saya", noTeam: "Tanpa tim", team: "Tim",
      transferTo: "Alihkan ke…", transfer: "Alihkan", transferred: "Dialihkan.",
      toTeam: "Tim: {name}", toAgent: "{name} ({status}, {open}/{max})",
      note: "Catatan internal", addNote: "Simpan sebagai catatan", noteSaved: "Catatan disimpan (tidak terlihat pelanggan).",
      labels: "Label", labelsSave: "Simpan label", labelsSaved: "Label disimpan.", labelsHint: "pisahkan dengan koma",
      cannedNone: "Tidak ada balasan cepat untuk /{q}", assignedToYou: "Percakapan baru diberikan kepada Anda",
      agentAtCapacity: "Agen itu sudah penuh.", unknownTarget: "Tujuan tidak ditemukan.", customerFallback: "Kak"
    },
    en: {
      title: "Agent workspace", signIn: "Sign in", signOut: "Sign out", tokenLabel: "Agent token",
      signInHint: "Enter the agent token your admin gave you.", notifyOn: "Turn on notifications",
      queue: "Queue", mine: "Mine", queueEmpty: "Nobody is waiting.",
      mineEmpty: "You are not handling anything yet.", back: "Back", claim: "Claim",
      release: "Release", resolve: "Resolve", send: "Send",
      replyHint: "Enter sends, Shift+Enter adds a line.", suggestions: "KB suggestions",
      noSuggestions: "No suggestions yet.", kbSearch: "Search the KB…", search: "Search",
      tokenRefused: "Token refused. Check it and try again.",
      tokenExpired: "Your token is no longer valid (expired or deactivated). Please sign in again.",
      signedOut: "You are signed out.", offline: "Lost the connection to the server; retrying…",
      alreadyClaimed: "already claimed by {name}", alreadyClaimedSomeone: "already claimed by another agent",
      handoffClosed: "This conversation is already closed.", notClaimHolder: "Claim this conversation to reply.",
      notClaimed: "This conversation is not claimed.", sendFailed: "Not sent: {reason}",
      windowClosed: "WhatsApp's 24-hour window is closed: no free-form reply until the customer writes again.",
      windowLeft: "WhatsApp window: {time} left", position: "position {n}", waiting: "waiting {time}",
      claimedBy: "Handled by {name}", claimedByYou: "Handled by you", resolved: "Resolved",
      cancelled: "Cancelled", waitingState: "Waiting for an agent", claimFirst: "Claim it to reply.",
      newHandoff: "A new customer is waiting", customer: "Customer", bot: "Bot", agent: "Agent",
      system: "System", admin: "Admin", open: "Open", locationLabel: "Location", mediaFailed: "Cannot open the file: {reason}",
      pressed: "Pressed: {button}", buttons: "Buttons: {list}", article: "Article: {slug}", use: "Use", resolvedDone: "Marked as resolved.",
      released: "Returned to the queue.",
      reasons: { button: "help button", customer_request: "asked for an agent", repeated_miss: "bot did not understand",
        frustration: "frustrated customer", not_helpful: "answer did not help", external_agent: "outside agent" },
      actions: { helpful_yes: "Yes, answered", helpful_no: "Not helpful", escalate: "Need more help" },
      kinds: { image: "Photo", audio: "Voice message", video: "Video", document: "Document", sticker: "Sticker",
        location: "Location", contacts: "Contacts", order: "Order", form: "Form", other: "Attachment", context: "Help center" },
      units: { s: "s", m: "min", h: "h", d: "d" },
      // Issue 32: teams, presence, transfers, canned replies, notes, labels.
      presence: "Status", online: "Online", away: "Away", offline: "Offline",
      allTeams: "All teams", myTeams: "My teams", noTeam: "No team", team: "Team",
      transferTo: "Transfer to…", transfer: "Transfer", transferred: "Transferred.",
      toTeam: "Team: {name}", toAgent: "{name} ({status}, {open}/{max})",
      note: "Private note", addNote: "Save as a note", noteSaved: "Note saved (the customer does not see it).",
      labels: "Labels", labelsSave: "Save labels", labelsSaved: "Labels saved.", labelsHint: "separate with commas",
      cannedNone: "No canned reply for /{q}", assignedToYou: "A new conversation was given to you",
      agentAtCapacity: "That agent is full.", unknownTarget: "Target not found.", customerFallback: "there"
    }
  };

  // Accounts (issue 32): e-mail and password sign-in beside the token.
  Object.assign(TEXT.id, {
    emailLabel: "E-mail", passwordLabel: "Kata sandi", tokenLabel: "atau token agen",
    tokenPlaceholder: "hanya jika tanpa kata sandi",
    signInHint: "Masuk dengan e-mail dan kata sandi, atau dengan token agen dari admin.",
    sessionEnded: "Sesi Anda berakhir (keluar, kedaluwarsa, atau akun dinonaktifkan). Silakan masuk lagi."
  });
  Object.assign(TEXT.en, {
    emailLabel: "E-mail", passwordLabel: "Password", tokenLabel: "or agent token",
    tokenPlaceholder: "only without a password",
    signInHint: "Sign in with your e-mail and password, or with the agent token your admin gave you.",
    sessionEnded: "Your session ended (signed out, expired, or the account was deactivated). Please sign in again."
  });

  A.lang = window.RouterLang.choose(); // as on every page: /assets/lang.js
  var dict = TEXT[A.lang];

  A.t = function (key, vars) {
    var text = dict[key] !== undefined ? dict[key] : TEXT.id[key];
    if (text === undefined) { return key; }
    return String(text).replace(/\{(\w+)\}/g, function (_, name) {
      return vars && vars[name] !== undefined ? String(vars[name]) : "";
    });
  };
  // Another script's labels (assist.js), merged before the page is translated.
  A.addText = function (more) { Object.keys(more).forEach(function (l) { if (TEXT[l]) { Object.assign(TEXT[l], more[l]); } }); };
  A.label = function (group, key) { return (dict[group] || {})[key] || key; };

  // "3 min", "2 h 5 min": short enough for a queue row.
  A.duration = function (seconds) {
    var u = dict.units;
    var s = Math.max(0, Math.floor(seconds));
    if (s < 60) { return s + " " + u.s; }
    if (s < 3600) { return Math.floor(s / 60) + " " + u.m; }
    if (s < 86400) { return Math.floor(s / 3600) + " " + u.h + " " + Math.floor((s % 3600) / 60) + " " + u.m; }
    return Math.floor(s / 86400) + " " + u.d;
  };

  A.translatePage = function () {
    document.documentElement.lang = A.lang;
    if (window.RouterLang.explicit()) { window.RouterLang.reflect(A.lang); } // for a copied link
    document.querySelectorAll("[data-i18n]").forEach(function (node) { node.textContent = A.t(node.getAttribute("data-i18n")); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (node) {
      node.setAttribute("placeholder", A.t(node.getAttribute("data-i18n-placeholder")));
    });
  };
})();

// Dashboard labels: Indonesian by default, English as an option (?lang=en, or the picker,
// remembered in localStorage). Elements carry data-i18n="key" (text) or data-i18n-title.
(function () {
  "use strict";

  var LANG_KEY = "router.dashboardLang";
  var LABELS = {
    id: {
      title: "Layanan mandiri",
      token: "Token admin",
      save: "Simpan",
      period: "Periode",
      from: "Dari",
      to: "Sampai",
      channel: "Kanal",
      all: "semua",
      webchat: "web chat",
      refresh: "Muat ulang",
      csv: "Unduh CSV",
      forget: "Lupakan token",
      language: "Bahasa",
      times_in: "Waktu dalam",
      enter_token: "Masukkan token admin untuk memuat statistik.",
      loading: "Memuat...",
      updated: "Diperbarui",
      refused: "Token ditolak",
      enter_again: "Masukkan token admin.",
      load_failed: "Statistik tidak dapat dimuat",
      forgotten: "Token dilupakan.",
      csv_failed: "CSV tidak dapat diunduh",
      kpi_rate: "Tingkat layanan mandiri",
      kpi_durable: "Tingkat bertahan",
      kpi_escalation_rate: "Tingkat eskalasi",
      kpi_total: "Permintaan",
      kpi_deflected: "Terselesaikan bot",
      kpi_escalated: "Dieskalasi",
      kpi_unresolved: "Tak terjawab",
      kpi_open: "Masih terbuka",
      kpi_waiting: "Menunggu agen",
      durable_note: "bertahan: pelanggan yang sama tidak eskalasi dalam",
      chart_series: "Tingkat layanan mandiri dari waktu ke waktu",
      chart_channels: "Per kanal",
      chart_outcomes: "Hasil",
      chart_reasons: "Alasan eskalasi",
      click_hint: "klik untuk melihat percakapannya",
      queue: "Antrean sekarang",
      waiting: "menunggu",
      oldest: "terlama",
      claim: "diambil",
      first_reply: "balasan pertama",
      agent: "Agen",
      assigned: "Ditangani",
      claim_p50: "Diambil p50",
      claim_p90: "Diambil p90",
      reply_p50: "Balasan 1 p50",
      resolution_p50: "Selesai p50",
      csat: "CSAT",
      gaps: "Celah pengetahuan teratas",
      gaps_note: "pertanyaan yang tidak bisa dijawab bot",
      count: "Jumlah",
      example: "Contoh",
      other_wordings: "Kalimat lain",
      answered_by: "Dijawab oleh",
      answered_by_title: "Pelanggan memastikan artikel ini menjawab mereka: tambahkan kalimat mereka ke variannya",
      rewrite: "Artikel yang perlu ditulis ulang",
      rewrite_note: "dieskalasi atau \"tidak membantu\" setelah dibaca, terburuk dulu",
      article: "Artikel",
      served: "Tampil",
      helpful: "Membantu",
      not_helpful: "Tidak membantu",
      escalated_after: "Eskalasi sesudahnya",
      self_service: "Mandiri",
      nothing: "Tidak ada data di periode ini.",
      no_finished: "Belum ada percakapan selesai di periode ini.",
      conversations: "Percakapan",
      close: "Tutup",
      more: "Muat lebih banyak",
      time: "Waktu",
      customer: "Pelanggan",
      outcome: "Hasil",
      first_message: "Pesan pertama",
      no_conversations: "Tidak ada percakapan dengan filter ini.",
      transcript: "Transkrip",
      handoff: "Agen",
      no_handoff: "tanpa agen",
      filter_article: "artikel",
      filter_text: "kalimat",
      filter_outcome: "hasil",
      filter_reason: "alasan",
      sender_customer: "Pelanggan",
      sender_bot: "Bot",
      sender_agent: "Agen",
      sender_system: "Sistem",
      pressed: "menekan",
      action_escalate: "\u201cButuh Bantuan Lebih Lanjut\u201d",
      action_helpful_yes: "\u201cMembantu\u201d",
      action_helpful_no: "\u201cTidak membantu\u201d",
      deflected: "terselesaikan bot",
      deflected_confirmed: "dikonfirmasi",
      deflected_assumed: "diasumsikan",
      escalated: "dieskalasi",
      unresolved: "tak terjawab",
      open: "terbuka",
      no_request: "tanpa permintaan",
      button: "tombol",
      customer_request: "minta agen",
      repeated_miss: "gagal berulang",
      frustration: "frustrasi",
      not_helpful_reason: "tidak membantu",
      external_agent: "agen luar",
      of: "dari"
    },
    en: {
      title: "Self-service",
      token: "Admin token",
      save: "Save",
      period: "Period",
      from: "From",
      to: "To",
      channel: "Channel",
      all: "all",
      webchat: "web chat",
      refresh: "Refresh",
      csv: "Download CSV",
      forget: "Forget token",
      language: "Language",
      times_in: "Times in",
      enter_token: "Enter the admin token to load the statistics.",
      loading: "Loading...",
      updated: "Updated",
      refused: "The token was refused",
      enter_again: "Enter the admin token.",
      load_failed: "Could not load the statistics",
      forgotten: "Token forgotten.",
      csv_failed: "Could not download the CSV",
      kpi_rate: "Self-service rate",
      kpi_durable: "Durable rate",
      kpi_escalation_rate: "Escalation rate",
      kpi_total: "Requests",
      kpi_deflected: "Deflected",
      kpi_escalated: "Escalated",
      kpi_unresolved: "Unresolved",
      kpi_open: "Open now",
      kpi_waiting: "Waiting for an agent",
      durable_note: "durable: no escalation by the same customer within",
      chart_series: "Self-service rate over time",
      chart_channels: "Per channel",
      chart_outcomes: "Outcomes",
      chart_reasons: "Escalation reasons",
      click_hint: "click to read the conversations",
      queue: "Queue now",
      waiting: "waiting",
      oldest: "oldest",
      claim: "claim",
      first_reply: "first reply",
      agent: "Agent",
      assigned: "Assigned",
      claim_p50: "Claim p50",
      claim_p90: "Claim p90",
      reply_p50: "1st reply p50",
      resolution_p50: "Resolution p50",
      csat: "CSAT",
      gaps: "Top knowledge gaps",
      gaps_note: "questions the bot could not answer",
      count: "Count",
      example: "Example",
      other_wordings: "Other wordings",
      answered_by: "Answered by",
      answered_by_title: "Customers confirmed this article answered them: add their wording to its variants",
      rewrite: "Articles to rewrite",
      rewrite_note: "escalated or \"not helpful\" after reading, worst first",
      article: "Article",
      served: "Served",
      helpful: "Helpful",
      not_helpful: "Not helpful",
      escalated_after: "Escalated after",
      self_service: "Self-service",
      nothing: "Nothing in this period.",
      no_finished: "No finished conversations in this period.",
      conversations: "Conversations",
      close: "Close",
      more: "Load more",
      time: "Time",
      customer: "Customer",
      outcome: "Outcome",
      first_message: "First message",
      no_conversations: "No conversations with these filters.",
      transcript: "Transcript",
      handoff: "Agent",
      no_handoff: "no agent",
      filter_article: "article",
      filter_text: "wording",
      filter_outcome: "outcome",
      filter_reason: "reason",
      sender_customer: "Customer",
      sender_bot: "Bot",
      sender_agent: "Agent",
      sender_system: "System",
      pressed: "pressed",
      action_escalate: "\u201cNeed more help\u201d",
      action_helpful_yes: "\u201cHelpful\u201d",
      action_helpful_no: "\u201cNot helpful\u201d",
      deflected: "deflected",
      deflected_confirmed: "confirmed",
      deflected_assumed: "assumed",
      escalated: "escalated",
      unresolved: "unresolved",
      open: "open",
      no_request: "no request",
      button: "button",
      customer_request: "customer request",
      repeated_miss: "repeated miss",
      frustration: "frustration",
      not_helpful_reason: "not helpful",
      external_agent: "external agent",
      of: "of"
    }
  };

  function chosen() {
    var fromUrl = new URLSearchParams(location.search).get("lang");
    var lang = fromUrl || localStorage.getItem(LANG_KEY) || "id";
    return LABELS[lang] ? lang : "id";
  }

  var current = chosen();

  function t(key) {
    var labels = LABELS[current];
    return labels[key] !== undefined ? labels[key] : (LABELS.en[key] !== undefined ? LABELS.en[key] : key);
  }

  // An outcome or escalation reason in words ("not_helpful" the reason vs the rating).
  function term(value) {
    if (value === null || value === undefined) { return t("open"); }
    if (value === "not_helpful") { return t("not_helpful_reason"); }
    var word = t(value);
    return word === value ? value.replace(/_/g, " ") : word;
  }

  function apply() {
    document.documentElement.lang = current;
    document.title = t("title");
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      node.textContent = t(node.getAttribute("data-i18n"));
    });
    document.querySelectorAll("[data-i18n-title]").forEach(function (node) {
      node.title = t(node.getAttribute("data-i18n-title"));
    });
  }

  function setLang(lang) {
    current = LABELS[lang] ? lang : "id";
    localStorage.setItem(LANG_KEY, current);
    apply();
  }

  window.RouterDashboard = window.RouterDashboard || {};
  window.RouterDashboard.i18n = {
    t: t,
    term: term,
    apply: apply,
    setLang: setLang,
    lang: function () { return current; },
    locale: function () { return current === "en" ? "en-GB" : "id-ID"; }
  };
})();

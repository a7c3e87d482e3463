// Labels of the KB page: Indonesian or English, chosen as on every page (/assets/lang.js).
// Elements carry data-i18n (their text) or data-i18n-placeholder; scripts call KB.t(key).
(function () {
  "use strict";
  var KB = window.KB = window.KB || {};
  var TEXTS = {
    id: {
      title: "Basis pengetahuan", token: "Token admin", sign_in: "Masuk", dashboard: "Dasbor",
      forget: "Lupakan token", language: "Bahasa",
      enter_token: "Masukkan token admin untuk membuka basis pengetahuan.",
      try_title: "Coba: apa jawaban bot?", try_placeholder: "Tulis seperti pelanggan, mis. gmn cr refund kak",
      articles_title: "Artikel", search_placeholder: "Cari slug, pertanyaan, kategori", new_article: "Artikel baru",
      stats_hint: "Dilayani / membantu / eskalasi setelahnya: 30 hari terakhir.",
      col_article: "Artikel", col_category: "Kategori", col_served: "Dilayani", col_helpful: "Membantu",
      col_escalated: "Eskalasi setelahnya", col_count: "Jumlah", col_question: "Pertanyaan",
      f_slug: "Slug", f_question: "Pertanyaan", f_answer: "Jawaban",
      f_variants: "Variasi kalimat (satu per baris)", f_url: "Tautan", f_category: "Kategori",
      f_tags: "Tag (pisahkan dengan koma)", f_active: "Aktif (bot boleh menjawab dengan artikel ini)",
      f_english: "Terjemahan bahasa Inggris (untuk pelanggan yang menulis dalam bahasa Inggris)",
      f_question_en: "Pertanyaan (EN)", f_answer_en: "Jawaban (EN)",
      save: "Simpan", cancel: "Tutup", delete: "Hapus", confirm_delete: "Hapus artikel ini?",
      delete_yes: "Ya, hapus", delete_no: "Batal",
      gaps_title: "Celah pengetahuan", gaps_hint: "pertanyaan yang belum bisa dijawab bot (30 hari terakhir)",
      coverage_title: "Uji cakupan",
      coverage_hint: "unggah pertanyaan pelanggan lama (satu per baris, .txt atau .csv, maks. 20.000)",
      coverage_run: "Uji",
      loading: "Memuat...", loaded: "Diperbarui {0}.", refused: "Token ditolak ({0}). Masukkan token admin.",
      load_failed: "Gagal memuat: {0}", forgotten: "Token dilupakan.",
      no_articles: "Belum ada artikel.", no_match_list: "Tidak ada artikel yang cocok.",
      edit_title: "Ubah artikel", new_title: "Artikel baru", saved: "Tersimpan.", deleted: "Artikel {0} dihapus.",
      conflict: "Artikel ini sudah diubah orang lain sejak Anda membukanya. Tidak ada yang ditimpa: muat ulang lalu ulangi perubahan Anda.",
      reload: "Muat ulang", en_half: "Isi pertanyaan dan jawaban bahasa Inggris, atau kosongkan keduanya.",
      inactive: "nonaktif",
      decision_answer: "Jawab", decision_suggest: "Tawarkan pilihan", decision_none: "Tidak ada jawaban",
      would_answer: "Bot akan menjawab dengan {0}.", would_suggest: "Bot akan menawarkan pilihan ini.",
      would_none: "Bot tidak yakin dan tidak menjawab dari basis pengetahuan.",
      decided_by: "diputuskan oleh: {0}",
      no_gaps: "Tidak ada celah dalam periode ini.", asked: "{0}x", also: "Juga: {0}",
      confirmed: "Pelanggan mengonfirmasi: {0}", add_variant: "Tambah sebagai variasi",
      new_from_gap: "Artikel baru dari ini", choose_article: "Pilih artikel...",
      variant_added: "Ditambahkan ke {0}.", variant_exists: "Sudah ada di {0}.",
      coverage_none_file: "Pilih file dulu.", coverage_running: "Menguji {0} baris...",
      cov_total: "Pertanyaan", cov_answer: "Dijawab", cov_suggest: "Pilihan", cov_none: "Tidak terjawab",
      cov_groups: "Belum terjawab, dikelompokkan", cov_items: "Per pertanyaan (200 pertama)",
      cov_took: "Selesai dalam {0} detik.",
      cov_queued: "Dalam antrean: {0} pertanyaan menunggu giliran diuji...",
      cov_progress: "Diuji di latar belakang: {0} dari {1} pertanyaan. Halaman ini boleh ditutup; hasilnya tetap tersimpan.",
      cov_failed: "Uji cakupan gagal: {0}",
      status_ready: "Pencarian semantik siap: {0} artikel, {1} kalimat (versi {2}).",
      status_pending: "Pencarian semantik menyiapkan vektor: {0}. Sementara bot mencocokkan kata.",
      status_words: "Versi {0}: {1} artikel, {2} kalimat.",
      // Issue 31: the help center (kb-help.js)
      f_body: "Isi lengkap di pusat bantuan (Markdown, opsional; tanpa isi, halaman menampilkan jawaban)",
      body_preview: "Pratinjau", help_categories: "Kategori pusat bantuan",
      help_categories_hint: "Nama, deskripsi dan urutan di /help", cat_slug: "Kategori",
      cat_name: "Nama", cat_description: "Deskripsi", cat_position: "Urutan",
      cat_save: "Simpan kategori", cat_saved: "Kategori tersimpan.", most_read: "Paling banyak dibaca",
      most_read_hint: "pusat bantuan, 30 hari terakhir", col_views: "Dibaca",
      col_contacted: "Menghubungi setelahnya", open_page: "Buka halaman", none_read: "Belum ada yang membaca.",
      help_variant: "Pencarian di pusat bantuan “{0}”: jadikan variasi dari", help_variant_done: "Variasi ditambahkan ke {0}."
    },
    en: {
      title: "Knowledge base", token: "Admin token", sign_in: "Sign in", dashboard: "Dashboard",
      forget: "Forget token", language: "Language",
      enter_token: "Enter the admin token to open the knowledge base.",
      try_title: "Try it: what would the bot answer?", try_placeholder: "Type as a customer would, e.g. gmn cr refund kak",
      articles_title: "Articles", search_placeholder: "Search slug, question, category", new_article: "New article",
      stats_hint: "Served / helpful / escalated after: last 30 days.",
      col_article: "Article", col_category: "Category", col_served: "Served", col_helpful: "Helpful",
      col_escalated: "Escalated after", col_count: "Count", col_question: "Question",
      f_slug: "Slug", f_question: "Question", f_answer: "Answer",
      f_variants: "Variants (one per line)", f_url: "Link", f_category: "Category",
      f_tags: "Tags (comma separated)", f_active: "Active (the bot may answer with this article)",
      f_english: "English translation (for customers who write English)",
      f_question_en: "Question (EN)", f_answer_en: "Answer (EN)",
      save: "Save", cancel: "Close", delete: "Delete", confirm_delete: "Delete this article?",
      delete_yes: "Yes, delete", delete_no: "Cancel",
      gaps_title: "Knowledge gaps", gaps_hint: "questions the bot could not answer yet (last 30 days)",
      coverage_title: "Coverage test",
      coverage_hint: "upload past customer questions (one per line, .txt or .csv, at most 20,000)",
      coverage_run: "Test",
      loading: "Loading...", loaded: "Updated {0}.", refused: "The token was refused ({0}). Enter the admin token.",
      load_failed: "Could not load: {0}", forgotten: "Token forgotten.",
      no_articles: "No articles yet.", no_match_list: "No article matches.",
      edit_title: "Edit article", new_title: "New article", saved: "Saved.", deleted: "Article {0} deleted.",
      conflict: "Someone else changed this article since you opened it. Nothing was overwritten: reload it and make your change again.",
      reload: "Reload", en_half: "Fill in both the English question and answer, or leave both empty.",
      inactive: "inactive",
      decision_answer: "Answer", decision_suggest: "Offer choices", decision_none: "No answer",
      would_answer: "The bot would answer with {0}.", would_suggest: "The bot would offer these choices.",
      would_none: "The bot is not sure and would not answer from the knowledge base.",
      decided_by: "decided by: {0}",
      no_gaps: "No gaps in this period.", asked: "{0}x", also: "Also: {0}",
      confirmed: "Customers confirmed: {0}", add_variant: "Add as variant",
      new_from_gap: "New article from this", choose_article: "Choose an article...",
      variant_added: "Added to {0}.", variant_exists: "Already in {0}.",
      coverage_none_file: "Choose a file first.", coverage_running: "Testing {0} lines...",
      cov_total: "Questions", cov_answer: "Answered", cov_suggest: "Choices", cov_none: "Unanswered",
      cov_groups: "Not answered, grouped", cov_items: "Per question (first 200)",
      cov_took: "Done in {0} s.",
      cov_queued: "Queued: {0} questions waiting for their turn...",
      cov_progress: "Testing in the background: {0} of {1} questions. You may close this page; the result is kept.",
      cov_failed: "The coverage test failed: {0}",
      status_ready: "Semantic search ready: {0} articles, {1} phrasings (version {2}).",
      status_pending: "Semantic search is preparing vectors: {0}. Meanwhile the bot matches by words.",
      status_words: "Version {0}: {1} articles, {2} phrasings.",
      // Issue 31: the help center (kb-help.js)
      f_body: "Full article in the help center (Markdown, optional; without it the page shows the answer)",
      body_preview: "Preview", help_categories: "Help center categories",
      help_categories_hint: "Name, description and order on /help", cat_slug: "Category",
      cat_name: "Name", cat_description: "Description", cat_position: "Order",
      cat_save: "Save categories", cat_saved: "Categories saved.", most_read: "Most read",
      most_read_hint: "help center, last 30 days", col_views: "Views",
      col_contacted: "Contacted after", open_page: "Open page", none_read: "Nobody has read any yet.",
      help_variant: "Help-center search “{0}”: add as a variant of", help_variant_done: "Variant added to {0}."
    }
  };

  // Accounts (issue 32): an admin account's e-mail and password, or the admin token.
  Object.assign(TEXTS.id, { email: "E-mail", password: "Kata sandi", token: "atau token admin",
    forget: "Keluar", enter_token: "Masuk dengan akun admin (e-mail dan kata sandi) atau token admin." });
  Object.assign(TEXTS.en, { email: "E-mail", password: "Password", token: "or admin token",
    forget: "Sign out", enter_token: "Sign in with an admin account (e-mail and password) or the admin token." });
  // Another script's texts (drafts.js), merged before the page is translated.
  KB.addTexts = function (more) { Object.keys(more).forEach(function (l) { if (TEXTS[l]) { Object.assign(TEXTS[l], more[l]); } }); };

  KB.lang = window.RouterLang.choose(); // as on every page: /assets/lang.js

  KB.t = function (key) {
    var text = (TEXTS[KB.lang] && TEXTS[KB.lang][key]) || TEXTS.id[key] || key;
    for (var i = 1; i < arguments.length; i++) {
      text = text.split("{" + (i - 1) + "}").join(String(arguments[i]));
    }
    return text;
  };

  KB.applyLanguage = function (lang) {
    if (lang) {
      KB.lang = window.RouterLang.remember(lang);
    } else if (window.RouterLang.explicit()) {
      window.RouterLang.reflect(KB.lang); // a chosen language stays in a copied link
    }
    document.documentElement.lang = KB.lang;
    document.title = KB.t("title");
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      node.textContent = KB.t(node.getAttribute("data-i18n"));
    });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (node) {
      node.placeholder = KB.t(node.getAttribute("data-i18n-placeholder"));
    });
  };
})();

// Service levels and the seeds' KPIs on the dashboard (issue 33): the KPI panel with each
// definition beside its number, SLA compliance by policy, metric, team, agent and channel,
// and a small SLA policy editor. Self-contained: it follows the page's period and channel
// (#from, #to, #channel) and adds a team filter of its own.
(function () {
  "use strict";

  var D = window.RouterDashboard;
  var TEXT = {
    id: {
      kpis: "KPI layanan", sla: "Kepatuhan SLA", policies: "Kebijakan SLA", team: "Tim", all: "semua",
      kpi: "KPI", value: "Nilai", definition: "Definisi", group: "Kelompok", handoffs: "Handoff",
      hit: "Tercapai", missed: "Terlewat", compliance: "Kepatuhan", none: "Belum ada data.",
      policy: "Kebijakan", metric: "Metrik", agent: "Agen", channel: "Kanal", unassigned: "(tanpa)",
      name: "Nama", first: "Respons pertama (menit)", next: "Respons berikutnya (menit)",
      resolution: "Penyelesaian (jam)", hours: "Hanya jam kerja", channels: "Kanal (koma)",
      position: "Urutan", add: "Tambah kebijakan", update: "Simpan perubahan", edit: "Ubah",
      remove: "Hapus", cancel: "Batal", saved: "Tersimpan.", failed: "Gagal: ",
      anyChannel: "semua kanal", always: "24 jam", business: "jam kerja",
      metrics: { first_response: "Respons pertama", next_response: "Respons berikutnya", resolution: "Penyelesaian" },
      labels: {
        fcr: "FCR (selesai sekali kontak)", fcr_bot: "FCR oleh bot", fcr_human: "FCR oleh agen",
        first_response: "Respons pertama (p50)", next_response: "Respons berikutnya (p50)",
        resolution: "Penyelesaian (p50)", aht: "AHT, waktu penanganan (p50)",
        escalation_rate: "Tingkat eskalasi", self_service_rate: "Tingkat layanan mandiri",
        csat: "CSAT (1-5)", ces: "CES (1-7)", nps: "NPS (-100..100)"
      },
      defs: {
        fcr: "Permintaan selesai (dijawab bot atau diselesaikan agen) yang tidak diikuti percakapan baru dari pelanggan yang sama dalam {h} jam, dibagi semua permintaan selesai.",
        fcr_bot: "Sama, hanya permintaan yang selesai oleh bot.",
        fcr_human: "Sama, hanya handoff yang diselesaikan agen.",
        first_response: "Median waktu dari handoff dibuat sampai balasan pertama agen.",
        next_response: "Median waktu pelanggan menunggu balasan agen berikutnya setelah menulis lagi.",
        resolution: "Median waktu dari handoff dibuat sampai diselesaikan.",
        aht: "Median waktu dari klaim agen sampai diselesaikan.",
        escalation_rate: "Percakapan yang diteruskan ke agen dibagi semua permintaan.",
        self_service_rate: "Percakapan yang selesai oleh bot dibagi semua permintaan.",
        csat: "Rata-rata penilaian kepuasan setelah agen menyelesaikan.",
        ces: "Rata-rata kemudahan menyelesaikan urusan (7 = sangat mudah).",
        nps: "% promotor (9-10) dikurangi % detraktor (0-6) dari jawaban 0-10."
      }
    },
    en: {
      kpis: "Service KPIs", sla: "SLA compliance", policies: "SLA policies", team: "Team", all: "all",
      kpi: "KPI", value: "Value", definition: "Definition", group: "Group", handoffs: "Handoffs",
      hit: "Hit", missed: "Missed", compliance: "Compliance", none: "No data yet.",
      policy: "Policy", metric: "Metric", agent: "Agent", channel: "Channel", unassigned: "(none)",
      name: "Name", first: "First response (minutes)", next: "Next response (minutes)",
      resolution: "Resolution (hours)", hours: "Business hours only", channels: "Channels (comma)",
      position: "Order", add: "Add policy", update: "Save changes", edit: "Edit",
      remove: "Delete", cancel: "Cancel", saved: "Saved.", failed: "Failed: ",
      anyChannel: "all channels", always: "24/7", business: "business hours",
      metrics: { first_response: "First response", next_response: "Next response", resolution: "Resolution" },
      labels: {
        fcr: "FCR (first contact resolution)", fcr_bot: "FCR by the bot", fcr_human: "FCR by agents",
        first_response: "First response (p50)", next_response: "Next response (p50)",
        resolution: "Resolution (p50)", aht: "AHT, handling time (p50)",
        escalation_rate: "Escalation rate", self_service_rate: "Self-service rate",
        csat: "CSAT (1-5)", ces: "CES (1-7)", nps: "NPS (-100..100)"
      },
      defs: {
        fcr: "Ended requests (answered by the bot or resolved by an agent) not followed by a new conversation from the same customer within {h} hours, over all ended requests.",
        fcr_bot: "The same, for requests the bot ended.",
        fcr_human: "The same, for handoffs agents resolved.",
        first_response: "Median time from the handoff to the agent's first reply.",
        next_response: "Median time a customer who wrote again waited for the agent's next reply.",
        resolution: "Median time from the handoff to its resolution.",
        aht: "Median time from the agent's claim to the resolution.",
        escalation_rate: "Conversations handed to agents over all requests.",
        self_service_rate: "Conversations the bot ended over all requests.",
        csat: "Average satisfaction rating after an agent resolved.",
        ces: "Average ease of getting the issue solved (7 = very easy).",
        nps: "% promoters (9-10) minus % detractors (0-6) among 0-10 answers."
      }
    }
  };
  var tx = function () { return TEXT[D.i18n.lang()] || TEXT.id; };
  var el = function (tag, text, cls) { return D.dom.el(tag, text, cls); };
  var $ = function (id) { return document.getElementById(id); };
  var teams = {};
  var editing = null;

  function call(method, path, body) {
    return fetch(path, {
      method: method,
      headers: Object.assign({ "Content-Type": "application/json" }, D.api.headers()),
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      if (response.status === 204) { return null; }
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.error ? data.error.message : response.statusText); }
        return data;
      });
    });
  }

  function params() {
    var p = new URLSearchParams();
    if ($("from").value) { p.set("from", $("from").value); }
    if ($("to").value) { p.set("to", $("to").value); }
    if ($("channel").value) { p.set("channel", $("channel").value); }
    if ($("sl-team").value) { p.set("team", $("sl-team").value); }
    return p;
  }

  function table(id, head, rows) {
    var node = $(id);
    node.textContent = "";
    var tr = el("tr");
    head.forEach(function (h) { tr.appendChild(el("th", h)); });
    node.appendChild(el("thead")).appendChild(tr);
    var body = node.appendChild(el("tbody"));
    rows.forEach(function (cells) {
      var row = body.appendChild(el("tr"));
      cells.forEach(function (cell) {
        var td = row.appendChild(el("td"));
        if (cell instanceof Node) { td.appendChild(cell); } else { td.textContent = cell; }
      });
    });
  }

  function kpis(k) {
    var T = tx(), f = D.format, avg = function (a) { return a.avg === null ? "-" : a.avg.toFixed(2) + " (" + a.count + ")"; };
    var values = {
      fcr: f.percent(k.fcr.overall), fcr_bot: f.percent(k.fcr.bot), fcr_human: f.percent(k.fcr.human),
      first_response: f.seconds(k.first_response_p50_s), next_response: f.seconds(k.next_response_p50_s),
      resolution: f.seconds(k.resolution_p50_s), aht: f.seconds(k.aht_p50_s),
      escalation_rate: f.percent(k.escalation_rate), self_service_rate: f.percent(k.self_service_rate),
      csat: avg(k.csat), ces: avg(k.ces),
      nps: k.nps.score === null ? "-" : k.nps.score.toFixed(1) + " (" + k.nps.promoters + "/" + k.nps.passives + "/" + k.nps.detractors + ")"
    };
    table("sl-kpis", [T.kpi, T.value, T.definition], Object.keys(values).map(function (key) {
      var def = el("small", T.defs[key].replace("{h}", k.fcr.window_hours));
      def.setAttribute("data-kpi-definition", key);
      var value = el("strong", values[key]);
      value.setAttribute("data-kpi", key);
      return [T.labels[key], value, def];
    }));
  }

  function compliance(s) {
    var T = tx(), rows = [];
    var add = function (group, name, c) {
      rows.push([group, name === null || name === undefined ? T.unassigned : String(name), String(c.handoffs),
        String(c.hit), String(c.missed), D.format.percent(c.compliance)]);
    };
    s.policies.forEach(function (p) { add(T.policy, p.name, p); });
    Object.keys(s.by_metric).forEach(function (m) { add(T.metric, T.metrics[m] || m, s.by_metric[m]); });
    s.by_team.forEach(function (x) { add(T.team, x.name, x); if (x.id) { teams[x.id] = x.name; } });
    s.by_agent.forEach(function (x) { add(T.agent, x.name, x); });
    s.by_channel.forEach(function (x) { add(T.channel, x.channel, x); });
    table("sl-compliance", [T.group, "", T.handoffs, T.hit, T.missed, T.compliance], rows);
    $("sl-empty").hidden = s.policies.length > 0;
    var select = $("sl-team"), chosen = select.value;
    Object.keys(teams).forEach(function (id) {
      if (![].some.call(select.options, function (o) { return o.value === id; })) {
        select.appendChild(el("option", teams[id])).value = id;
      }
    });
    select.value = chosen;
  }

  function minutes(s) { return s === null ? "" : String(Math.round(s / 60)); }

  function policies(list) {
    var T = tx();
    table("sl-policies", [T.position, T.name, T.first, T.next, T.resolution, "", ""], list.items.map(function (p) {
      var edit = el("button", T.edit), remove = el("button", T.remove);
      edit.type = remove.type = "button";
      edit.addEventListener("click", function () { fill(p); });
      remove.addEventListener("click", function () {
        call("DELETE", "/api/v1/sla-policies/" + p.id).then(reload, failed);
      });
      return [String(p.position), p.name + " · " + (p.business_hours ? T.business : T.always) + " · " +
        (p.channels.length ? p.channels.join(", ") : T.anyChannel), minutes(p.first_response_s),
        minutes(p.next_response_s), p.resolution_s === null ? "" : String(p.resolution_s / 3600), edit, remove];
    }));
  }

  function fill(p) {
    editing = p ? p.id : null;
    $("sl-name").value = p ? p.name : "";
    $("sl-first").value = p ? minutes(p.first_response_s) : "15";
    $("sl-next").value = p ? minutes(p.next_response_s) : "";
    $("sl-resolution").value = p && p.resolution_s !== null ? String(p.resolution_s / 3600) : "";
    $("sl-hours").checked = p ? p.business_hours : true;
    $("sl-channels").value = p ? p.channels.join(",") : "";
    $("sl-position").value = p ? String(p.position) : "0";
    $("sl-save").textContent = p ? tx().update : tx().add;
  }

  function failed(error) { $("sl-message").textContent = tx().failed + error.message; }

  function save(event) {
    event.preventDefault();
    var seconds = function (id, unit) { var v = $(id).value.trim(); return v === "" ? null : Math.round(Number(v) * unit); };
    var body = {
      name: $("sl-name").value.trim(), first_response_s: seconds("sl-first", 60),
      next_response_s: seconds("sl-next", 60), resolution_s: seconds("sl-resolution", 3600),
      business_hours: $("sl-hours").checked, position: Number($("sl-position").value || 0),
      channels: $("sl-channels").value.split(",").map(function (c) { return c.trim(); }).filter(Boolean)
    };
    var done = editing ? call("PATCH", "/api/v1/sla-policies/" + editing, body) : call("POST", "/api/v1/sla-policies", body);
    done.then(function () { $("sl-message").textContent = tx().saved; fill(null); reload(); }, failed);
  }

  function reload() {
    if (!$("sl-root")) { return; }
    var p = params();
    D.api.getJson("/api/v1/stats/kpis", p).then(kpis).catch(function () {});
    D.api.getJson("/api/v1/stats/sla", p).then(compliance).catch(function () {});
    call("GET", "/api/v1/sla-policies").then(function (list) {
      $("sl-editor").hidden = false;
      policies(list);
    }, function () { $("sl-editor").hidden = true; });
  }

  function field(label, input) {
    var wrap = el("label", label + " ");
    wrap.appendChild(input);
    wrap.style.display = "inline-block";
    wrap.style.margin = "0 12px 8px 0";
    return wrap;
  }

  function input(id, type, test) {
    var node = el("input");
    node.id = id;
    node.type = type;
    if (type === "number") { node.min = "0"; node.step = "any"; node.style.width = "6em"; }
    node.setAttribute("data-test", test);
    return node;
  }

  function build(root) {
    var T = tx();
    root.textContent = "";
    root.style.display = "contents";  // its panels sit in the page's grid
    var inner = root;
    root = inner.appendChild(el("div"));
    root.id = "sl-root";
    root.style.display = "contents";
    var kpiPanel = root.appendChild(el("section", null, "panel wide"));
    kpiPanel.setAttribute("data-test", "kpi-panel");
    var head = kpiPanel.appendChild(el("div", null, "panel-head"));
    head.appendChild(el("h2", T.kpis));
    var team = el("select");
    team.id = "sl-team";
    team.setAttribute("data-test", "kpi-team");
    team.appendChild(el("option", T.all)).value = "";
    team.addEventListener("change", reload);
    head.appendChild(field(T.team, team));
    kpiPanel.appendChild(el("div", null, "table-wrap")).appendChild(el("table")).id = "sl-kpis";

    var slaPanel = root.appendChild(el("section", null, "panel wide"));
    slaPanel.setAttribute("data-test", "sla-panel");
    slaPanel.appendChild(el("h2", T.sla));
    slaPanel.appendChild(el("p", T.none, "muted")).id = "sl-empty";
    slaPanel.appendChild(el("div", null, "table-wrap")).appendChild(el("table")).id = "sl-compliance";

    var editor = slaPanel.appendChild(el("div"));
    editor.id = "sl-editor";
    editor.hidden = true;
    editor.appendChild(el("h3", T.policies));
    editor.appendChild(el("div", null, "table-wrap")).appendChild(el("table")).id = "sl-policies";
    var form = editor.appendChild(el("form"));
    form.setAttribute("data-test", "sla-policy-form");
    form.style.flexWrap = "wrap";
    form.appendChild(field(T.name, input("sl-name", "text", "sla-policy-name")));
    form.appendChild(field(T.first, input("sl-first", "number", "sla-policy-first")));
    form.appendChild(field(T.next, input("sl-next", "number", "sla-policy-next")));
    form.appendChild(field(T.resolution, input("sl-resolution", "number", "sla-policy-resolution")));
    form.appendChild(field(T.hours, input("sl-hours", "checkbox", "sla-policy-hours")));
    form.appendChild(field(T.channels, input("sl-channels", "text", "sla-policy-channels")));
    form.appendChild(field(T.position, input("sl-position", "number", "sla-policy-position")));
    var save_ = form.appendChild(el("button"));
    save_.id = "sl-save";
    save_.type = "submit";
    save_.setAttribute("data-test", "sla-policy-save");
    form.appendChild(el("span", "", "muted")).id = "sl-message";
    $("sl-name").required = true;
    $("sl-first").required = true;
    form.addEventListener("submit", save);
    fill(null);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = $("service-levels");
    if (!root) { return; }
    build(root);
    var later = function () { setTimeout(reload, 50); };
    ["from", "to", "channel", "preset"].forEach(function (id) {
      if ($(id)) { $(id).addEventListener("change", later); }
    });
    if ($("lang")) {
      $("lang").addEventListener("change", function () {
        setTimeout(function () { build(root); reload(); }, 50);
      });
    }
    // dashboard.js reloads this panel after each successful load (sign-in, refresh, period).
    D.serviceLevels = { reload: reload };
  });
})();

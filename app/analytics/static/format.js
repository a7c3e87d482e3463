// Numbers and times for the dashboard. Times are shown in the service's ROUTER_TIMEZONE (the
// statistics API reports it), not the browser's, so everyone reading a shared link sees the
// same clock as the business.
(function () {
  "use strict";

  var D = window.RouterDashboard;
  var zone = "Asia/Jakarta";

  function percent(value) {
    return value === null || value === undefined ? "n/a" : value.toFixed(1) + "%";
  }

  function seconds(value) {
    if (value === null || value === undefined) { return "-"; }
    if (value < 120) { return Math.round(value) + " s"; }
    if (value < 7200) { return (value / 60).toFixed(1) + " min"; }
    return (value / 3600).toFixed(1) + " h";
  }

  function dateTime(iso) {
    if (!iso) { return "-"; }
    return new Intl.DateTimeFormat(D.i18n.locale(), {
      timeZone: zone, year: "numeric", month: "short", day: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    }).format(new Date(iso));
  }

  // The calendar day (YYYY-MM-DD) of an instant in the service's timezone.
  function localDate(iso) {
    var parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit"
    }).formatToParts(new Date(iso));
    var get = function (type) { return parts.filter(function (p) { return p.type === type; })[0].value; };
    return get("year") + "-" + get("month") + "-" + get("day");
  }

  D.format = {
    percent: percent,
    seconds: seconds,
    dateTime: dateTime,
    localDate: localDate,
    setZone: function (name) { if (name) { zone = name; } },
    zone: function () { return zone; }
  };
})();

// Ringing for a new handoff: a short tone (WebAudio, no sound file), a browser notification
// when the agent allowed them, and the waiting count in the tab title.
(function () {
  "use strict";
  var A = (window.Agent = window.Agent || {});
  var audio = null;

  // Browsers start audio only after a user gesture: called from the sign-in click and others.
  A.unlockSound = function () {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    if (!audio) { audio = new Context(); }
    if (audio.state === "suspended") { audio.resume(); }
  };

  function tone() {
    if (!audio || audio.state !== "running") { return; }
    var now = audio.currentTime;
    [880, 660].forEach(function (frequency, i) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, now + i * 0.18);
      gain.gain.exponentialRampToValueAtTime(0.25, now + i * 0.18 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.18 + 0.16);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.18);
      osc.stop(now + i * 0.18 + 0.17);
    });
  }

  A.rings = 0;  // how often it rang (read by the browser tests)
  A.ring = function (item) {
    A.rings += 1;
    tone();
    if (window.Notification && Notification.permission === "granted") {
      var who = (item.customer && item.customer.name) || item.customer.external_id;
      try {
        var note = new Notification(A.t("newHandoff"), { body: who + (item.first_message ? ": " + item.first_message : ""), tag: "handoff-" + item.id });
        note.onclick = function () { window.focus(); A.openHandoff(item.id); };
      } catch (e) { /* some browsers allow notifications only from a service worker */ }
    }
  };

  A.notificationsAskable = function () {
    return !!window.Notification && Notification.permission === "default";
  };
  A.askNotifications = function () {
    if (A.notificationsAskable()) { return Notification.requestPermission(); }
    return Promise.resolve(window.Notification ? Notification.permission : "denied");
  };

  A.setTitle = function (waiting) {
    var base = A.t("queue");
    document.title = waiting > 0 ? "(" + waiting + ") " + base : base;
  };
})();

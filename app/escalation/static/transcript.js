// One transcript item as a list entry: text, the article a bot answer served (a link), and
// media messages as labelled items whose file is fetched with the token. Customer-written
// text only ever goes in through textContent.
(function () {
  "use strict";
  var A = (window.Agent = window.Agent || {});

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }
  A.el = el;

  function time(iso) {
    var date = new Date(iso);
    return date.toLocaleTimeString(A.lang === "en" ? "en-GB" : "id-ID", { hour: "2-digit", minute: "2-digit" });
  }

  // Pictures, sound and video play in the transcript (CSP allows blob: for them); anything
  // else is saved under its file name. No pop-up: it would be blocked after the fetch.
  function showMedia(item, blob, button) {
    var url = URL.createObjectURL(blob);
    var type = blob.type || (item.media && item.media.mime_type) || "";
    var node;
    if (type.indexOf("image/") === 0) { node = el("img", null, "media"); node.alt = A.label("kinds", item.kind || "image"); }
    else if (type.indexOf("audio/") === 0) { node = el("audio", null, "media"); node.controls = true; }
    else if (type.indexOf("video/") === 0) { node = el("video", null, "media"); node.controls = true; }
    if (node) {
      node.src = url;
      button.replaceWith(node);
      return;
    }
    var link = document.createElement("a");
    link.href = url;
    link.download = (item.media && item.media.filename) || "file";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  function openMedia(item, button) {
    button.disabled = true;
    A.blob("/api/v1/media/" + item.id).then(function (blob) {
      showMedia(item, blob, button);
    }, function (error) {
      A.notice(A.t("mediaFailed", { reason: error.message || error.code }));
    }).then(function () { button.disabled = false; });
  }

  function mapsLink(location) {
    var link = el("a", location.name || location.address || (location.latitude + ", " + location.longitude));
    link.href = "https://www.google.com/maps/search/?api=1&query=" + encodeURIComponent(location.latitude + "," + location.longitude);
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    return link;
  }

  A.renderItem = function (item) {
    var li = el("li");
    li.setAttribute("data-test", "transcript-item");
    li.setAttribute("data-sender", item.sender);
    li.setAttribute("data-id", String(item.id));
    li.appendChild(el("span", A.t(item.sender) + " · " + time(item.created_at), "who"));
    var kind = item.kind || "text";
    if (kind !== "text") {
      var label = el("strong", "[" + A.label("kinds", kind) + "]", "kind");
      li.appendChild(label);
      li.appendChild(document.createTextNode(" "));
    }
    if (item.location) {
      li.appendChild(mapsLink(item.location));
      if (item.location.address && item.location.name) { li.appendChild(el("div", item.location.address, "meta")); }
    }
    var text = item.text || item.caption;
    if (text) { li.appendChild(el("div", text)); }
    else if (item.action) { li.appendChild(el("em", A.t("pressed", { button: A.label("actions", item.action) }))); }
    if (item.media && item.media.id) {
      var open = el("button", A.t("open") + (item.media.filename ? ": " + item.media.filename : ""), "media");
      open.type = "button";
      open.addEventListener("click", function () { openMedia(item, open); });
      li.appendChild(open);
    }
    if (item.article_slug) {
      var article = item.article_url ? el("a", A.t("article", { slug: item.article_slug })) : el("div", A.t("article", { slug: item.article_slug }), "meta");
      if (item.article_url) {
        article.href = item.article_url;
        article.target = "_blank";
        article.rel = "noopener noreferrer";
        article.className = "meta block";
      }
      li.appendChild(article);
    }
    if (item.buttons && item.buttons.length) {
      li.appendChild(el("div", A.t("buttons", { list: item.buttons.map(function (b) { return b.title; }).join(" · ") }), "buttons"));
    }
    return li;
  };
})();

// The done page while the certificate is being prepared: ask the server every 1.5 s whether
// the PDF is ready, then offer the download button. After about two minutes, stop and offer
// "try again" (which asks for the certificate again) and the plain download link, which makes
// the PDF on the spot. Without this script that plain link is shown from the start.
(function (root) {
  "use strict";
  var INTERVAL_MS = 1500;
  var MAX_WAIT_MS = 120000;

  function show(element, visible) {
    if (element) element.hidden = !visible;
  }

  // box: the [data-certificate-progress] element. env (for tests): fetch, setTimeout, now.
  function start(box, env) {
    env = env || {};
    var fetchJson = env.fetch || root.fetch.bind(root);
    var later = env.setTimeout || root.setTimeout.bind(root);
    var now = env.now || Date.now;
    var statusUrl = box.getAttribute("data-status-url");
    var pending = box.querySelector("[data-pending]");
    var readyMessage = box.querySelector("[data-ready-message]");
    var timeout = box.querySelector("[data-timeout]");
    var download = box.querySelector("[data-download]");
    var link = download && download.querySelector("a");
    var startedAt = now();

    function setState(state) {
      box.setAttribute("data-state", state);
    }

    function ready(url) {
      if (link) {
        if (url) link.setAttribute("href", url);
        link.classList.add("primary");
      }
      show(pending, false);
      show(timeout, false);
      show(readyMessage, true);
      show(download, true);
      setState("ready");
    }

    function giveUp() {
      show(pending, false);
      show(timeout, true);
      show(download, true);
      setState("timeout");
    }

    function next() {
      if (now() - startedAt >= MAX_WAIT_MS) giveUp();
      else later(poll, INTERVAL_MS);
    }

    function poll() {
      fetchJson(statusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      })
        .then(function (response) {
          if (!response.ok) throw new Error("status " + response.status);
          return response.json();
        })
        .then(
          function (body) {
            if (body && body.ready) ready(body.url);
            else next();
          },
          next // a network error or a busy server: ask again until the time is up
        );
    }

    // The button comes back when the PDF is ready (or when waiting stops).
    show(download, false);
    setState("waiting");
    next();
  }

  var api = { start: start, INTERVAL_MS: INTERVAL_MS, MAX_WAIT_MS: MAX_WAIT_MS };
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    var box = document.querySelector("[data-certificate-progress]");
    if (box && box.getAttribute("data-status-url") && root.fetch) start(box);
  }
})(typeof window !== "undefined" ? window : globalThis);

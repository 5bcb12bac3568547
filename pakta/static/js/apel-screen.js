// The apel's big screen: poll the status document and update the figures in place.
// Polling (not server-sent events) passes any reverse proxy and any number of app
// processes: every answer is computed from the database. No inline script is needed.
(function () {
  "use strict";
  var INTERVAL_MS = 1500, TIMEOUT_MS = 5000;

  function init(stage) {
    var url = stage.getAttribute("data-status-url");
    var windowShown = stage.getAttribute("data-window");
    var qr = stage.querySelector("[data-qr]");
    var connection = stage.querySelector("[data-connection]");
    var failures = 0, timer = null, busy = false;

    function text(selector, value) {
      var element = stage.querySelector(selector);
      if (element && element.textContent !== String(value)) element.textContent = String(value);
    }

    function showAll(selector, visible) {
      Array.prototype.forEach.call(stage.querySelectorAll(selector), function (element) {
        element.hidden = !visible;
      });
    }

    function recent(names) {
      var list = stage.querySelector("[data-recent]");
      if (!list) return;
      var wanted = names.length ? names : [null];
      var current = Array.prototype.map.call(list.children, function (item) {
        return item.classList.contains("muted") ? null : item.textContent;
      });
      if (current.join("\n") === wanted.join("\n") && current.length === wanted.length) return;
      while (list.firstChild) list.removeChild(list.firstChild);
      wanted.forEach(function (name) {
        var item = document.createElement("li");
        if (name === null) {
          item.className = "muted";
          item.textContent = stage.getAttribute("data-empty-recent") || "";
        } else {
          item.textContent = name;  // text, never HTML
        }
        list.appendChild(item);
      });
    }

    // The page's language decides "56,8%" (id) or "56.8%" (en), as the server wrote it.
    var locale = document.documentElement.lang || undefined;
    var counts = new Intl.NumberFormat(locale);
    var rate = new Intl.NumberFormat(locale, {
      style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1
    });

    function apply(status) {
      text("[data-signed]", counts.format(status.signed));
      text("[data-roster]", counts.format(status.roster));
      text("[data-today]", counts.format(status.today));
      text("[data-percent]", rate.format((Number(status.percent) || 0) / 100));
      var bar = stage.querySelector("[data-bar]");
      if (bar) bar.value = Math.min(100, Number(status.percent) || 0);
      recent(status.recent || []);
      stage.classList.toggle("is-closed", !status.open);
      showAll("[data-open-only]", status.open);
      showAll("[data-closed-only]", !status.open);
      if (qr) {
        qr.hidden = !status.open;
        // A new minute, a new code: load it (the old one stays up until the new one is in).
        if (status.open && String(status.window) !== windowShown) {
          var next = new Image();
          next.onload = function () { qr.src = next.src; };
          next.src = status.qr;
          windowShown = String(status.window);
        }
      }
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(poll, INTERVAL_MS);
    }

    function poll() {
      if (busy) return schedule();
      busy = true;
      var controller = window.AbortController ? new AbortController() : null;
      var timeout = setTimeout(function () { if (controller) controller.abort(); }, TIMEOUT_MS);
      fetch(url, {
        credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
        signal: controller ? controller.signal : undefined,
      }).then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      }).then(function (status) {
        failures = 0;
        if (connection) connection.hidden = true;
        apply(status);
      }).catch(function () {
        failures += 1;
        // One lost answer is normal on a busy network; say so only when it persists.
        if (connection && failures >= 3) connection.hidden = false;
        if (failures >= 3 && qr) windowShown = null;  // reload the code once back
      }).then(function () {
        clearTimeout(timeout);
        busy = false;
        schedule();
      });
    }

    var fullscreen = stage.querySelector("[data-fullscreen]");
    if (fullscreen && document.documentElement.requestFullscreen) {
      fullscreen.hidden = false;
      fullscreen.addEventListener("click", function () {
        document.documentElement.requestFullscreen().catch(function () { /* refused */ });
      });
      document.addEventListener("fullscreenchange", function () {
        fullscreen.hidden = Boolean(document.fullscreenElement);
      });
    }

    schedule();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-apel-screen]"), init);
  });
})();

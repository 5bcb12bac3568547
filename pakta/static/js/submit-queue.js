// Sending a signature over a congested network: the form is posted in the background,
// kept on the phone when it cannot be sent, and sent again when the connection returns.
// Every attempt carries the same submission id, so the server signs at most once.
(function () {
  "use strict";
  var TIMEOUT_MS = 20000, RETRY_MS = 8000;

  function storageKey(form) { return "pakta-pending:" + (form.getAttribute("action") || location.pathname); }

  function save(key, entries) {
    try { localStorage.setItem(key, JSON.stringify(entries)); return true; } catch (e) { return false; }
  }
  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function forget(key) { try { localStorage.removeItem(key); } catch (e) { /* nothing kept */ } }

  function entriesOf(form) {
    var list = [];
    new FormData(form).forEach(function (value, name) { list.push([name, String(value)]); });
    return list;
  }

  function init(form) {
    var status = form.querySelector("[data-submit-status]");
    var button = form.querySelector("[type=submit]");
    var key = storageKey(form);
    var sending = false, timer = null;

    function show(state) {
      if (!status) return;
      status.hidden = false;
      status.className = "submit-status " + state;
      status.textContent = form.getAttribute("data-msg-" + state) || "";
    }

    function send(entries) {
      if (sending) return;
      sending = true;
      show("sending");
      if (button) button.disabled = true;
      var body = new URLSearchParams();
      entries.forEach(function (pair) { body.append(pair[0], pair[1]); });
      var controller = window.AbortController ? new AbortController() : null;
      var timeout = setTimeout(function () { if (controller) controller.abort(); }, TIMEOUT_MS);
      fetch(form.getAttribute("action") || location.href, {
        method: "POST", body: body, credentials: "same-origin", redirect: "follow",
        signal: controller ? controller.signal : undefined,
      }).then(function (response) {
        clearTimeout(timeout);
        sending = false;
        if (response.redirected && response.ok) {
          forget(key);
          show("done");
          location.replace(response.url);
          return;
        }
        if (response.status === 503) {
          // Signing is paused (the database is away or read-only). The same entries go again
          // when the server says: their submission id signs once even if this one was stored.
          var seconds = parseInt(response.headers.get("Retry-After"), 10);
          wait("paused", seconds > 0 ? Math.min(seconds, 300) * 1000 : RETRY_MS);
          return;
        }
        // The server answered (a form error, an expired page): let it speak.
        forget(key);
        return response.text().then(function (html) {
          document.open(); document.write(html); document.close();
        });
      }).catch(function () {
        clearTimeout(timeout);
        sending = false;
        wait("waiting", RETRY_MS);
      });

      function wait(state, delay) {
        save(key, entries);
        show(state);
        if (button) button.disabled = false;
        clearTimeout(timer);
        timer = setTimeout(function () { retry(); }, delay);
      }
    }

    function retry() {
      var pending = load(key);
      if (pending && navigator.onLine !== false) send(pending);
      else if (pending) { show("waiting"); timer = setTimeout(retry, RETRY_MS); }
    }

    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented || !window.fetch) return;
      event.preventDefault();
      var entries = entriesOf(form);
      save(key, entries);  // kept on the phone before anything is sent
      if (navigator.onLine === false) { show("waiting"); return; }
      send(entries);
    });
    window.addEventListener("online", retry);

    // A submission left over from an earlier visit (the tab was closed offline).
    if (load(key)) retry();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-submit-queue]"), init);
  });
})();

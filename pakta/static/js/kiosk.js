// Kiosk: leave nothing of a signer behind for the next person at the tablet.
(function () {
  "use strict";
  var home = "/kiosk/";
  var IDLE_MS = 60000;

  function goHome() { window.location.replace(home); }

  // Navigation replaces the current history entry, so Back cannot reach a signer's page.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-replace]");
    if (!link || event.defaultPrevented || event.button !== 0) return;
    event.preventDefault();
    window.location.replace(link.href);
  });

  // A page restored from the back-forward cache is reloaded from the server (no-store).
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) goHome();
  });

  var onSearch = window.location.pathname === home;
  var timer;
  function resetIdle() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (onSearch) {
        var field = document.getElementById("q");
        if (window.location.search || (field && field.value)) goHome();
        else resetIdle();
      } else {
        goHome();
      }
    }, IDLE_MS);
  }
  ["pointerdown", "keydown", "input", "scroll"].forEach(function (name) {
    document.addEventListener(name, resetIdle, { passive: true });
  });
  resetIdle();

  var done = document.querySelector("[data-kiosk-return]");
  if (done) setTimeout(goHome, 1000 * Number(done.getAttribute("data-kiosk-return")));
})();

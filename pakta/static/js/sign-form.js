// The signing form ([data-sign-form]): before anything is sent, every unticked point and an
// empty drawing are shown at once, each next to its field, and the first gets the focus.
// Runs before signature-pad.js and submit-queue.js listen, so a refused submit stops here.
(() => {
  "use strict";

  function mark(field, error, message) {
    if (message) field.setAttribute("aria-invalid", "true");
    else field.removeAttribute("aria-invalid");
    if (!error) return;
    error.textContent = message || "";
    error.hidden = !message;
  }

  const errorOf = (field) => document.getElementById(field.getAttribute("aria-describedby") || "");

  function firstFocus(field) {
    field.focus({ preventScroll: true });
    field.scrollIntoView({ block: "center" });
  }

  function init(form) {
    const points = Array.from(form.querySelectorAll("input[type=checkbox][name=points]"));
    const pad = form.querySelector("[data-sigpad]");
    const canvas = pad && pad.querySelector("canvas");
    const padError = pad && pad.querySelector("[data-sigpad-error]");
    const pointMessage = form.getAttribute("data-msg-point") || "";

    // A drawing counts only where the pad runs (it says so with data-empty); without it the
    // typed name is the signature and the server checks it.
    const drawingMissing = () => pad && pad.getAttribute("data-empty") === "true";

    form.addEventListener("submit", (event) => {
      const invalid = [];
      for (const box of points) {
        mark(box, errorOf(box), box.checked ? "" : pointMessage);
        if (!box.checked) invalid.push(box);
      }
      if (canvas) {
        const missing = drawingMissing();
        mark(canvas, padError, missing ? pad.getAttribute("data-msg-empty") : "");
        if (missing) invalid.push(canvas);
      }
      if (!invalid.length) return;
      event.preventDefault();
      firstFocus(invalid[0]);
    });

    for (const box of points) {
      box.addEventListener("change", () => { if (box.checked) mark(box, errorOf(box), ""); });
    }
    if (pad) {
      pad.addEventListener("sigpad:change", (event) => {
        if (!event.detail.empty) mark(canvas, padError, "");
      });
    }

    // The server refused the form: its problems are on the page; start at the first shown
    // (once the pad's script has shown the pad, so after the page's scripts).
    const focusRefused = () => {
      const refused = Array.from(form.querySelectorAll("[aria-invalid=true]"))
        .find((field) => field.getClientRects().length);
      if (refused) firstFocus(refused);
    };
    if (document.readyState === "complete") focusRefused();
    else window.addEventListener("load", focusRefused);
  }

  const initAll = () => document.querySelectorAll("form[data-sign-form]").forEach(init);
  if (document.readyState !== "loading") initAll();
  else document.addEventListener("DOMContentLoaded", initAll);
})();

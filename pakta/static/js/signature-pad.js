// Signature pad in [data-sigpad]: finger, pen or mouse; the form posts a PNG data URL 600 px
// wide and as tall as the box's shape (a phone's box is taller than 3:1). Emits
// "sigpad:change" with detail {empty} and keeps data-empty on the root. A drawing the server
// sent back in the hidden input (a refused form) is drawn again and sent again.
(() => {
  "use strict";
  const W = 600, MIN_H = 200, MAX_H = 900; // export size; points are kept in these units
  const LINE = 2.5; // CSS px on screen
  const done = new WeakSet();
  const mid = (a, b) => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });

  // Quadratic curves: points are controls, midpoints are ends. While drawing, only what
  // point `from` adds is drawn; `finish` adds the last half segment.
  function drawStroke(ctx, pts, from, finish) {
    const n = pts.length;
    ctx.beginPath();
    if (n === 1) {
      ctx.arc(pts[0].x, pts[0].y, ctx.lineWidth / 2, 0, 2 * Math.PI);
      return ctx.fill();
    }
    let p = from > 1 ? mid(pts[from - 2], pts[from - 1]) : pts[0];
    ctx.moveTo(p.x, p.y);
    if (from <= 1) { p = mid(pts[0], pts[1]); ctx.lineTo(p.x, p.y); }
    for (let i = Math.max(from - 1, 1); i < n - 1; i++) {
      p = mid(pts[i], pts[i + 1]);
      ctx.quadraticCurveTo(pts[i].x, pts[i].y, p.x, p.y);
    }
    if (finish) ctx.lineTo(pts[n - 1].x, pts[n - 1].y);
    ctx.stroke();
  }

  // The image fitted into the W x h drawing, its shape kept, centred.
  function drawFitted(ctx, image, h) {
    const s = Math.min(W / image.naturalWidth, h / image.naturalHeight);
    const w = image.naturalWidth * s, ih = image.naturalHeight * s;
    ctx.drawImage(image, (W - w) / 2, (h - ih) / 2, w, ih);
  }

  function paint(ctx, strokes, width, base, h) {
    if (base) drawFitted(ctx, base, h);
    ctx.lineWidth = width;
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.strokeStyle = ctx.fillStyle = "#111";
    for (const s of strokes) drawStroke(ctx, s, 1, true);
  }

  function init(root) {
    const canvas = root.querySelector("canvas");
    const ctx = canvas && canvas.getContext("2d");
    if (done.has(root) || !ctx || !window.PointerEvent) return;
    done.add(root);
    const $ = (s) => root.querySelector(s);
    const input = $("[data-sigpad-input]"), error = $("[data-sigpad-error]");
    const form = root.closest("form");
    // H: the drawing's height in its units, fixed by the box's shape when first shown; a
    // rotated phone shows the same drawing scaled to fit (fit: scale and offset in CSS px).
    let strokes = [], current = null, pointer = null, box = null, queued = false;
    let H = null, fit = { s: 1, x: 0, y: 0 }, base = null;
    const width = () => LINE / fit.s;
    const empty = () => !strokes.length && !base;

    function redraw() {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      if (!H) return;
      const k = canvas.width / box.w;
      ctx.setTransform(k * fit.s, 0, 0, k * fit.s, k * fit.x, k * fit.y);
      paint(ctx, strokes, width(), base, H);
    }

    // Backing store = CSS content box x devicePixelRatio, redrawn from the strokes.
    function resize() {
      queued = false;
      const r = canvas.getBoundingClientRect(), bx = canvas.clientLeft, by = canvas.clientTop;
      box = { x: r.left + bx, y: r.top + by, w: r.width - 2 * bx, h: r.height - 2 * by };
      if (box.w < 1 || box.h < 1) return false; // hidden
      if (!H) H = Math.round(Math.min(MAX_H, Math.max(MIN_H, W * box.h / box.w)));
      const s = Math.min(box.w / W, box.h / H);
      fit = { s, x: (box.w - W * s) / 2, y: (box.h - H * s) / 2 };
      const dpr = window.devicePixelRatio || 1;
      const w = Math.round(box.w * dpr), h = Math.round(box.h * dpr);
      if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
      redraw();
      return true;
    }
    const later = () => { if (!queued) { queued = true; requestAnimationFrame(resize); } };
    if (window.ResizeObserver) new ResizeObserver(later).observe(canvas);
    window.addEventListener("resize", later); // rotation too

    function changed() {
      pointer = current = null;
      redraw();
      if (input && empty()) input.value = "";
      root.setAttribute("data-empty", String(empty()));
      const detail = { empty: empty() };
      root.dispatchEvent(new CustomEvent("sigpad:change", { bubbles: true, detail }));
    }
    const at = (e) => ({
      x: Math.min(W, Math.max(0, (e.clientX - box.x - fit.x) / fit.s)),
      y: Math.min(H, Math.max(0, (e.clientY - box.y - fit.y) / fit.s)),
    });

    canvas.addEventListener("pointerdown", (e) => {
      if (pointer !== null || (e.pointerType === "mouse" && e.button !== 0)) return;
      e.preventDefault();
      if (!resize()) return; // the page may have scrolled
      pointer = e.pointerId;
      try { canvas.setPointerCapture(pointer); } catch (_) { /* released already */ }
      current = [at(e)];
      strokes.push(current);
      if (error) error.hidden = true;
      drawStroke(ctx, current, 1);
    });
    canvas.addEventListener("pointermove", (e) => {
      if (e.pointerId !== pointer) return;
      e.preventDefault();
      const from = current.length, list = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
      for (const ev of list.length ? list : [e]) {
        const p = at(ev), q = current[current.length - 1];
        if ((p.x - q.x) ** 2 + (p.y - q.y) ** 2 >= 1) current.push(p);
      }
      if (current.length > from) drawStroke(ctx, current, from, false);
    });
    const end = (e) => { if (e.pointerId === pointer) changed(); };
    ["pointerup", "pointercancel", "lostpointercapture"].forEach((t) => canvas.addEventListener(t, end));
    canvas.addEventListener("contextmenu", (e) => e.preventDefault());

    const on = (el, action) => el && el.addEventListener("click", () => { action(); changed(); });
    // Undo takes back the strokes, then the drawing sent back by the server.
    on($("[data-sigpad-undo]"), () => { if (strokes.length) strokes.pop(); else base = null; });
    on($("[data-sigpad-clear]"), () => { strokes = []; base = null; });

    canvas.style.touchAction = "none"; // even without the CSS
    if (!canvas.hasAttribute("tabindex")) canvas.tabIndex = 0;
    if (error && !error.hasAttribute("role")) error.setAttribute("role", "alert");
    // The page's own value (the attribute, not one the browser restored) is a drawing the
    // server checked and sent back with a refused form.
    const sent = input ? input.defaultValue : "";
    if (input) input.value = "";
    root.setAttribute("data-empty", "true");
    if (sent.startsWith("data:image/png;base64,")) {
      const image = new Image();
      image.onload = () => { if (!strokes.length && image.naturalWidth) { base = image; changed(); } };
      image.src = sent;
    }
    if (form) {
      form.addEventListener("reset", () => { strokes = []; base = null; changed(); });
      form.addEventListener("submit", (e) => {
        if (e.defaultPrevented) return; // sign-form.js has shown what is missing
        if (empty()) {
          e.preventDefault();
          if (error) { error.textContent = root.dataset.msgEmpty || ""; error.hidden = false; }
          canvas.focus();
          return;
        }
        const out = Object.assign(document.createElement("canvas"), { width: W, height: H || MIN_H });
        paint(out.getContext("2d"), strokes, width(), base, H || MIN_H); // transparent, as seen
        if (input) input.value = out.toDataURL("image/png");
      });
    }
    resize();
  }

  const initAll = (el = document) => (el.matches && el.matches("[data-sigpad]") ? [el]
    : el.querySelectorAll("[data-sigpad]")).forEach(init);

  if (window.PointerEvent) document.documentElement.classList.add("js");
  window.PaktaSignaturePad = { init: initAll };
  if (document.readyState !== "loading") initAll();
  else document.addEventListener("DOMContentLoaded", () => initAll());
})();

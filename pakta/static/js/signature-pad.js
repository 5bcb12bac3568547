// Signature pad in [data-sigpad]: finger, pen or mouse; the form posts a 600x200 PNG
// data URL. Emits "sigpad:change" with detail {empty}.
(() => {
  "use strict";
  const W = 600, H = 200; // export size; points are kept in these units
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

  function paint(ctx, strokes, width) {
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
    let strokes = [], current = null, pointer = null, box = null, queued = false;
    const width = () => LINE * W / ((box && box.w) || W);

    function redraw() {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.setTransform(canvas.width / W, 0, 0, canvas.height / H, 0, 0);
      paint(ctx, strokes, width());
    }

    // Backing store = CSS content box x devicePixelRatio, redrawn from the strokes.
    function resize() {
      queued = false;
      const r = canvas.getBoundingClientRect(), bx = canvas.clientLeft, by = canvas.clientTop;
      box = { x: r.left + bx, y: r.top + by, w: r.width - 2 * bx, h: r.height - 2 * by };
      if (box.w < 1 || box.h < 1) return false; // hidden
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
      if (input && !strokes.length) input.value = "";
      const detail = { empty: !strokes.length };
      root.dispatchEvent(new CustomEvent("sigpad:change", { bubbles: true, detail }));
    }
    const at = (e) => ({
      x: Math.min(W, Math.max(0, (e.clientX - box.x) * W / box.w)),
      y: Math.min(H, Math.max(0, (e.clientY - box.y) * H / box.h)),
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
    on($("[data-sigpad-undo]"), () => strokes.pop());
    on($("[data-sigpad-clear]"), () => { strokes = []; });

    canvas.style.touchAction = "none"; // even without the CSS
    if (!canvas.hasAttribute("tabindex")) canvas.tabIndex = 0;
    if (error && !error.hasAttribute("role")) error.setAttribute("role", "alert");
    if (input) input.value = ""; // not a value the browser restored
    if (form) {
      form.addEventListener("reset", () => { strokes = []; changed(); });
      form.addEventListener("submit", (e) => {
        if (!strokes.length) {
          e.preventDefault();
          if (error) { error.textContent = root.dataset.msgEmpty || ""; error.hidden = false; }
          canvas.focus();
          return;
        }
        const out = Object.assign(document.createElement("canvas"), { width: W, height: H });
        paint(out.getContext("2d"), strokes, width()); // transparent, as seen on screen
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

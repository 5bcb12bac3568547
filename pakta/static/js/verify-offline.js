// Offline certificate check: the token's Ed25519 signature, verified in the browser
// with WebCrypto against the published keys. It cannot see revocations.
(function (root) {
  "use strict";
  var DOMAIN = new TextEncoder().encode("pakta-certificate-v1\u0000");
  var EPOCH = Date.UTC(2000, 0, 1);

  function fromBase64Url(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var binary = atob(b64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function toBase64Url(bytes) {
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function tokenFrom(input) {
    var text = String(input || "").trim();
    var at = text.lastIndexOf("/v/");
    if (at >= 0) text = text.slice(at + 3);
    return text.split(/[?#\s]/)[0];
  }

  // Mirrors pakta/services/tokens.py: version, key id, four fields, days, signature.
  function parse(token) {
    if (!/^[A-Za-z0-9_-]{20,700}$/.test(token)) throw new Error("format");
    var raw = fromBase64Url(token);
    // As in Python: only the canonical spelling (no spare bits set in the last character).
    if (toBase64Url(raw) !== token) throw new Error("format");
    if (raw.length < 1 + 4 + 4 + 2 + 64 || raw[0] !== 1) throw new Error("version");
    var body = raw.slice(0, raw.length - 64), signature = raw.slice(raw.length - 64);
    var kid = Array.prototype.map.call(body.slice(1, 5), function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
    var position = 5, fields = [], decoder = new TextDecoder("utf-8", { fatal: true });
    for (var f = 0; f < 4; f++) {
      var length = body[position];
      if (length === undefined || position + 1 + length > body.length) throw new Error("truncated");
      fields.push(decoder.decode(body.slice(position + 1, position + 1 + length)));
      position += 1 + length;
    }
    if (body.length !== position + 2) throw new Error("length");
    var days = (body[position] << 8) | body[position + 1];
    var day = new Date(EPOCH + days * 86400000).toISOString().slice(0, 10);
    return {
      claims: { kid: kid, certificateNumber: fields[0], campaign: fields[1], unitCode: fields[2],
                signerName: fields[3], signedOn: day },
      body: body, signature: signature,
    };
  }

  async function verify(token, keys, subtle) {
    var parsed = parse(token);
    var key = (keys || []).filter(function (k) { return k.kid === parsed.claims.kid; })[0];
    if (!key) return { ok: false, reason: "unknown-key", claims: parsed.claims };
    var publicKey = await subtle.importKey("jwk", key.jwk, { name: "Ed25519" }, false, ["verify"]);
    var message = new Uint8Array(DOMAIN.length + parsed.body.length);
    message.set(DOMAIN, 0);
    message.set(parsed.body, DOMAIN.length);
    var ok = await subtle.verify({ name: "Ed25519" }, publicKey, parsed.signature, message);
    return { ok: ok, reason: ok ? "" : "signature", claims: parsed.claims };
  }

  var api = { parse: parse, verify: verify, tokenFrom: tokenFrom };
  if (typeof module === "object" && module.exports) module.exports = api;
  root.PaktaOffline = api;

  if (typeof document === "undefined") return;

  function loadKeys() {
    var embedded = JSON.parse(document.getElementById("pakta-keys").textContent).keys;
    try {
      var cached = JSON.parse(localStorage.getItem("pakta-keys") || "null");
      if (cached && cached.length >= embedded.length) return cached;
      localStorage.setItem("pakta-keys", JSON.stringify(embedded));
    } catch (e) { /* private mode: the embedded keys are enough */ }
    return embedded;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-offline-form]");
    if (!form) return;
    var out = document.querySelector("[data-offline-result]");
    var keys = loadKeys();
    fetch("/.well-known/pakta-keys.json", { cache: "no-cache" }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (data) {
      if (data && data.keys) {
        keys = data.keys;
        try { localStorage.setItem("pakta-keys", JSON.stringify(keys)); } catch (e) {}
      }
    }).catch(function () { /* offline: keep what we have */ });

    function show(kind, text, claims) {
      out.hidden = false;
      out.className = "verdict " + (kind === "ok" ? "verdict-valid" : "verdict-bad");
      out.querySelector("[data-verdict]").textContent = text;
      var list = out.querySelector("[data-claims]");
      list.textContent = "";
      if (!claims) return;
      [["certificate", claims.certificateNumber], ["name", claims.signerName],
       ["unit", claims.unitCode], ["campaign", claims.campaign], ["date", claims.signedOn]]
        .forEach(function (pair) {
          var row = document.createElement("div");
          var dt = document.createElement("dt"), dd = document.createElement("dd");
          dt.textContent = form.getAttribute("data-label-" + pair[0]);
          dd.textContent = pair[1];
          row.appendChild(dt); row.appendChild(dd); list.appendChild(row);
        });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var token = tokenFrom(form.elements.token.value);
      if (!root.crypto || !root.crypto.subtle) {
        show("bad", form.getAttribute("data-msg-unsupported"));
        return;
      }
      verify(token, keys, root.crypto.subtle).then(function (result) {
        if (result.ok) show("ok", form.getAttribute("data-msg-valid"), result.claims);
        else if (result.reason === "unknown-key") show("bad", form.getAttribute("data-msg-unknown-key"), result.claims);
        else show("bad", form.getAttribute("data-msg-invalid"));
      }).catch(function (error) {
        var unsupported = error && (error.name === "NotSupportedError");
        show("bad", form.getAttribute(unsupported ? "data-msg-unsupported" : "data-msg-invalid"));
      });
    });
  });
})(typeof window !== "undefined" ? window : globalThis);

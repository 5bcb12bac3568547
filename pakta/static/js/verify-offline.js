// Offline certificate check: the token's Ed25519 signature, verified in the browser
// with WebCrypto against the published keys. It cannot see revocations. Reads every token
// version: v1 (base64url, /v/ links), v2 and v3 (upper-case base32, /V/ links; v3 adds the
// certificate's position in the signing log and the start of the log's root after it).
(function (root) {
  "use strict";
  var DOMAINS = {
    1: new TextEncoder().encode("pakta-certificate-v1\u0000"),
    2: new TextEncoder().encode("pakta-certificate-v2\u0000"),
    3: new TextEncoder().encode("pakta-certificate-v3\u0000"),
  };
  var ROOT_PREFIX_BYTES = 12;  // tokens.ROOT_PREFIX_BYTES
  var MAX_TOKEN_CHARS = 736;  // tokens.MAX_TOKEN_CHARS
  var EPOCH = Date.UTC(2000, 0, 1);
  var BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  // pakta/services/certificates/packed_text.py: index 0 is UTF-8, the order is the format.
  var ALPHABETS = [null, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-._",
    "0123456789abcdefghijklmnopqrstuvwxyz-._",
    " ',-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"];

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

  function fromBase32(text) {
    var bytes = [], value = 0, bits = 0;
    for (var i = 0; i < text.length; i++) {
      value = (value << 5) | BASE32.indexOf(text[i]);
      bits += 5;
      if (bits >= 8) { bits -= 8; bytes.push((value >> bits) & 255); }
      value &= (1 << bits) - 1;  // keep only the bits not yet written
    }
    return new Uint8Array(bytes);
  }

  function toBase32(bytes) {
    var out = "", value = 0, bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      value = (value << 8) | bytes[i];
      bits += 8;
      while (bits >= 5) { bits -= 5; out += BASE32[(value >> bits) & 31]; }
      value &= (1 << bits) - 1;
    }
    if (bits) out += BASE32[(value << (5 - bits)) & 31];
    return out;
  }

  function tokenFrom(input) {
    var text = String(input || "").trim();
    var link = /\/v\/([A-Za-z0-9_-]+)/i.exec(text);  // /v/ (v1) or /V/ (v2)
    if (link) return link[1];
    return text.split(/[?#\s]/)[0];
  }

  // Base32 tokens are v2 or v3 by their first byte: the first character's 5 bits and the
  // second's top 3.
  function versionOf(token) {
    if (!/^[A-Z2-7]+$/.test(token)) return 1;
    if (token.length < 2) return 2;
    var first = (BASE32.indexOf(token[0]) << 3) | (BASE32.indexOf(token[1]) >> 2);
    return first === 3 ? 3 : 2;
  }

  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }

  function dayOf(high, low) {
    return new Date(EPOCH + ((high << 8) | low) * 86400000).toISOString().slice(0, 10);
  }

  var decoder = new TextDecoder("utf-8", { fatal: true });

  // v1 (pakta/services/certificates/tokens.py): version, key id, four fields, days.
  function fieldsV1(body) {
    var position = 5, fields = [];
    for (var f = 0; f < 4; f++) {
      var length = body[position];
      if (length === undefined || position + 1 + length > body.length) throw new Error("truncated");
      fields.push(decoder.decode(body.slice(position + 1, position + 1 + length)));
      position += 1 + length;
    }
    if (body.length !== position + 2) throw new Error("length");
    return { fields: fields, day: dayOf(body[position], body[position + 1]) };
  }

  function packedSize(alphabet, count) {
    var largest = BigInt(ALPHABETS[alphabet].length) ** BigInt(count) - 1n;
    return largest === 0n ? 0 : Math.ceil(largest.toString(2).length / 8);
  }

  function unpack(alphabet, length, data) {
    if (alphabet === 0) return decoder.decode(data);
    var letters = ALPHABETS[alphabet], base = BigInt(letters.length), number = 0n;
    for (var i = 0; i < data.length; i++) number = (number << 8n) | BigInt(data[i]);
    if (number >= base ** BigInt(length)) throw new Error("range");
    var characters = [];
    for (var c = 0; c < length; c++) {
      characters.push(letters[Number(number % base)]);
      number /= base;
    }
    return characters.reverse().join("");
  }

  // v2: version, key id, days, the fields' alphabets (2 bits each), four fields. v3: the
  // same with the log position (4 bytes) and the root's first bytes after the days.
  function fieldsV2(body) {
    var witness = body[0] === 3 ? 4 + ROOT_PREFIX_BYTES : 0, alphabets = 7 + witness;
    if (body.length < alphabets + 5) throw new Error("truncated");
    var position = alphabets + 1, fields = [];
    for (var f = 0; f < 4; f++) {
      var alphabet = (body[alphabets] >> (2 * (3 - f))) & 3;
      var length = body[position];
      if (length === undefined) throw new Error("truncated");
      var end = position + 1 + (alphabet === 0 ? length : packedSize(alphabet, length));
      if (end > body.length) throw new Error("truncated");
      fields.push(unpack(alphabet, length, body.slice(position + 1, end)));
      position = end;
    }
    if (position !== body.length) throw new Error("length");
    var read = { fields: fields, day: dayOf(body[5], body[6]) };
    if (witness) {
      read.logSeq = ((body[7] << 24) >>> 0) + (body[8] << 16) + (body[9] << 8) + body[10];
      read.logRoot = hex(body.slice(11, alphabets));
    }
    return read;
  }

  function parse(token) {
    var version = versionOf(token), raw;
    if (version !== 1) {
      if (token.length < 20 || token.length > MAX_TOKEN_CHARS) throw new Error("format");
      raw = fromBase32(token);
      // As in Python: only the canonical spelling (no spare bits set in the last character).
      if (toBase32(raw) !== token) throw new Error("format");
    } else {
      if (token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]{20,}$/.test(token)) {
        throw new Error("format");
      }
      raw = fromBase64Url(token);
      if (toBase64Url(raw) !== token) throw new Error("format");
    }
    if (raw.length < 1 + 4 + 2 + 64 || raw[0] !== version) throw new Error("version");
    var body = raw.slice(0, raw.length - 64), signature = raw.slice(raw.length - 64);
    var read = version === 1 ? fieldsV1(body) : fieldsV2(body), fields = read.fields;
    var message = new Uint8Array(DOMAINS[version].length + body.length);
    message.set(DOMAINS[version], 0);
    message.set(body, DOMAINS[version].length);
    var claims = { kid: hex(body.slice(1, 5)), certificateNumber: fields[0], campaign: fields[1],
                   unitCode: fields[2], signerName: fields[3], signedOn: read.day };
    if (version === 3) {
      claims.logSeq = read.logSeq;
      claims.logRoot = read.logRoot;
    }
    return { version: version, claims: claims, message: message, signature: signature };
  }

  async function verify(token, keys, subtle) {
    var parsed = parse(token);
    var key = (keys || []).filter(function (k) { return k.kid === parsed.claims.kid; })[0];
    if (!key) return { ok: false, reason: "unknown-key", claims: parsed.claims };
    var publicKey = await subtle.importKey("jwk", key.jwk, { name: "Ed25519" }, false, ["verify"]);
    var ok = await subtle.verify({ name: "Ed25519" }, publicKey, parsed.signature, parsed.message);
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
      var rows = [["certificate", claims.certificateNumber], ["name", claims.signerName],
                  ["unit", claims.unitCode], ["campaign", claims.campaign],
                  ["date", claims.signedOn]];
      // A v3 code's witness copy, to compare with what the certificate prints.
      if (claims.logSeq !== undefined) {
        rows.push(["log", "#" + claims.logSeq + " · " + claims.logRoot + "…"]);
      }
      rows.forEach(function (pair) {
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

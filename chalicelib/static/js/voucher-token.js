/* Voucher tokens in the browser: pull the token out of a scanned QR text and check its Ed25519 signature against
   the published keys (/.well-known/voucher-keys.json), so a till can tell a genuine voucher even offline.
   Token layout (chalicelib/signing/token.py): base32 of version(1) | kid(1) | voucher id(10) | signature(64);
   the signature covers "marktplatz/voucher/v1\0" + the first 12 bytes. */
(function (global) {
  'use strict';
  var ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  var TOKEN_RE = /^[A-Z2-7]{122}$/;
  var DOMAIN = new TextEncoder().encode('marktplatz/voucher/v1\u0000');
  var KEYS_URL = '/.well-known/voucher-keys.json';
  var KEYS_STORE = 'mp.voucherKeys';

  /* A QR holds the voucher URL (upper case for the alphanumeric mode); a typed code may be the bare token. */
  function extractToken(text) {
    var s = String(text || '').trim();
    s = s.split('#')[0].split('?')[0].replace(/\/+$/, '');
    s = s.slice(s.lastIndexOf('/') + 1).replace(/[\s-]/g, '').toUpperCase();
    return TOKEN_RE.test(s) ? s : null;
  }

  function base32Decode(s) {
    var out = new Uint8Array(Math.floor(s.length * 5 / 8));
    var bits = 0, value = 0, index = 0;
    for (var i = 0; i < s.length; i++) {
      value = (value << 5) | ALPHABET.indexOf(s[i]);
      bits += 5;
      if (bits >= 8) { out[index++] = (value >>> (bits - 8)) & 255; bits -= 8; }
    }
    // The spare bits of the last character must be zero, or two spellings would name one token.
    if (bits > 0 && (value & ((1 << bits) - 1)) !== 0) return null;
    return out;
  }

  function b64urlToBytes(s) {
    var b64 = s.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    var bin = atob(b64), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function voucherIdOf(bytes) {
    var out = '', bits = 0, value = 0;
    for (var i = 0; i < bytes.length; i++) {
      value = (value << 8) | bytes[i]; bits += 8;
      while (bits >= 5) { out += ALPHABET[(value >>> (bits - 5)) & 31]; bits -= 5; }
    }
    if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
    return out.toLowerCase();
  }

  function storedKeys() {
    try { return JSON.parse(localStorage.getItem(KEYS_STORE) || 'null'); } catch (e) { return null; }
  }

  /* Fresh keys when online; the last copy (localStorage, and the service worker's cache) when not. */
  function loadKeys() {
    return fetch(KEYS_URL, {cache: 'no-cache'}).then(function (r) {
      if (!r.ok) throw new Error('keys ' + r.status);
      return r.json();
    }).then(function (jwks) {
      try { localStorage.setItem(KEYS_STORE, JSON.stringify(jwks)); } catch (e) { /* private mode */ }
      return jwks;
    }).catch(function () { return storedKeys(); });
  }

  /* Resolves {ok: true, voucherId, kid} or {ok: false, reason: 'format'|'unknown_key'|'signature'|'no_keys'|'unsupported'}. */
  function verifyToken(token, jwks) {
    if (!TOKEN_RE.test(token || '')) return Promise.resolve({ok: false, reason: 'format'});
    var raw = base32Decode(token);
    if (!raw || raw.length !== 76 || raw[0] !== 1) return Promise.resolve({ok: false, reason: 'format'});
    if (!jwks || !jwks.keys) return Promise.resolve({ok: false, reason: 'no_keys'});
    var kid = String(raw[1]);
    var jwk = jwks.keys.filter(function (k) { return k.kid === kid && k.crv === 'Ed25519'; })[0];
    if (!jwk) return Promise.resolve({ok: false, reason: 'unknown_key'});
    if (!global.crypto || !crypto.subtle) return Promise.resolve({ok: false, reason: 'unsupported'});
    var signed = new Uint8Array(DOMAIN.length + 12);
    signed.set(DOMAIN); signed.set(raw.subarray(0, 12), DOMAIN.length);
    return crypto.subtle.importKey('raw', b64urlToBytes(jwk.x), {name: 'Ed25519'}, false, ['verify'])
      .then(function (key) { return crypto.subtle.verify({name: 'Ed25519'}, key, raw.subarray(12), signed); })
      .then(function (valid) {
        return valid ? {ok: true, kid: raw[1], voucherId: voucherIdOf(raw.subarray(2, 12))}
                     : {ok: false, reason: 'signature'};
      }, function () { return {ok: false, reason: 'unsupported'}; });
  }

  global.VoucherToken = {extractToken: extractToken, verifyToken: verifyToken, loadKeys: loadKeys,
                         storedKeys: storedKeys};
})(window);

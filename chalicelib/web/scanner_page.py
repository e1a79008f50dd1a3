"""The retailer till (/haendler): a server-rendered shell in the visitor's language; scanner.js does the rest."""

from __future__ import annotations

from chalice import Response

from chalicelib.web.layout import page, t

KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "00", "0", "back"]


def scanner_page(lang: str) -> Response:
    keypad = "".join(
        f'<button type="button" data-key="back" aria-label="{t(lang, "Letzte Ziffer löschen", "Delete last digit")}">⌫</button>'
        if k == "back" else f'<button type="button" data-key="{k}">{k}</button>' for k in KEYS)
    confirm = t(lang, "Ja, abbuchen", "Yes, charge")
    body = f"""
<noscript><p class="error">{t(lang, 'Diese Seite braucht JavaScript.', 'This page needs JavaScript.')}</p></noscript>
<div id="net" class="net" role="status" aria-live="polite" hidden></div>
<section id="login" aria-labelledby="login-h" hidden>
  <h1 id="login-h">{t(lang, 'Gutscheine einlösen', 'Redeem vouchers')}</h1>
  <p>{t(lang, 'Melden Sie Ihr Geschäft einmal mit dem Händlerschlüssel an. Er bleibt auf diesem Gerät gespeichert.',
        'Sign in your shop once with its retailer key. It stays stored on this device.')}</p>
  <form id="login-form" novalidate>
    <label for="key">{t(lang, 'Händlerschlüssel', 'Retailer key')}</label>
    <input id="key" name="key" type="password" autocomplete="off" spellcheck="false" required>
    <button type="submit" class="wide">{t(lang, 'Anmelden', 'Sign in')}</button>
    <p id="login-error" class="error" role="alert"></p>
  </form>
</section>
<section id="till" hidden aria-labelledby="till-h">
  <div class="shopbar"><strong id="shop-name"></strong>
    <button type="button" id="logout" class="link">{t(lang, 'Abmelden', 'Sign out')}</button></div>
  <div id="scan-step">
    <h1 id="till-h">{t(lang, 'Gutschein scannen', 'Scan a voucher')}</h1>
    <button type="button" id="camera-btn" class="wide">{t(lang, 'Kamera starten', 'Start camera')}</button>
    <div id="camera" class="camera" hidden><video id="video" playsinline muted aria-label="{t(lang, 'Kamerabild', 'Camera view')}"></video></div>
    <form id="code-form">
      <label for="code">{t(lang, 'Oder Code eintippen', 'Or type the code')}</label>
      <div class="row"><input id="code" name="code" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false">
      <button type="submit">{t(lang, 'Prüfen', 'Check')}</button></div>
    </form>
    <p id="scan-msg" class="msg" role="status" aria-live="polite"></p>
  </div>
  <div id="amount-step" hidden>
    <div class="voucher-head"><h2 tabindex="-1">{t(lang, 'Guthaben', 'Balance')}</h2>
      <span id="v-status" class="vstatus" hidden></span></div>
    <div class="vbalance" id="v-balance" data-testid="voucher-balance"></div>
    <div class="vid">{t(lang, 'Gutschein-Nr.', 'Voucher no.')} <span id="v-id"></span></div>
    <label for="amount" id="amount-label">{t(lang, 'Betrag', 'Amount')}</label>
    <output id="amount" class="amount" aria-live="polite" aria-labelledby="amount-label">0,00 €</output>
    <div id="keypad" class="keypad" role="group" aria-label="{t(lang, 'Ziffernblock', 'Keypad')}">{keypad}</div>
    <p id="amount-msg" class="msg bad" role="alert"></p>
    <button type="button" id="charge-rest" class="wide rest" hidden data-testid="charge-rest"></button>
    <div class="actions">
      <button type="button" id="cancel" class="secondary">{t(lang, 'Abbrechen', 'Cancel')}</button>
      <button type="button" id="charge">{t(lang, 'Abbuchen', 'Charge')}</button>
    </div>
  </div>
  <div id="confirm-step" hidden>
    <p id="confirm-text" class="confirm-text" role="status" aria-live="assertive"></p>
    <div class="actions">
      <button type="button" id="back" class="secondary">{t(lang, 'Zurück', 'Back')}</button>
      <button type="button" id="confirm" data-default="{confirm}" data-label="{confirm}">{confirm}</button>
    </div>
  </div>
  <div id="result" class="result" role="alert" hidden data-testid="result">
    <span id="result-icon" class="icon" aria-hidden="true"></span>
    <p id="result-head" class="head"></p>
    <p id="result-detail" class="detail"></p>
    <button type="button" id="undo">{t(lang, 'Rückgängig', 'Undo')}</button>
    <button type="button" id="next">{t(lang, 'Nächster Gutschein', 'Next voucher')}</button>
  </div>
  <section class="today" aria-labelledby="today-h">
    <h2 id="today-h"><span>{t(lang, 'Heute', 'Today')}</span> <span id="today-total" data-testid="today-total"></span></h2>
    <p id="today-empty"></p>
    <ul id="today-list"></ul>
  </section>
</section>
<script src="/static/vendor/jsQR.js" defer></script>
<script src="/static/js/voucher-token.js" defer></script>
<script src="/static/js/qr-camera.js" defer></script>
<script src="/static/js/scanner.js" defer></script>"""
    head = ('<link rel="stylesheet" href="/static/css/scanner.css">\n'
            '<link rel="manifest" href="/haendler.webmanifest">\n'
            '<meta name="theme-color" content="#0b5d3b">\n'
            '<link rel="apple-touch-icon" href="/static/img/icon-192.png">')
    return page(t(lang, "Händler-Kasse", "Retailer till"), body, lang, head=head, lang_switch_path="/haendler",
                headers={"Cache-Control": "no-cache"})


def manifest(lang: str, town: str) -> dict:
    return {
        "name": f"{town} – {t(lang, 'Gutschein-Kasse', 'Voucher till')}",
        "short_name": t(lang, "Gutschein-Kasse", "Voucher till"),
        "lang": lang,
        "start_url": "/haendler",
        "scope": "/haendler",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#fbfaf7",
        "theme_color": "#0b5d3b",
        "icons": [
            {"src": "/static/img/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any maskable"},
            {"src": "/static/img/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any maskable"},
        ],
    }

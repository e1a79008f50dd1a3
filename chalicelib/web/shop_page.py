"""The voucher shop (/): choose, pay with Stripe's Payment Element, get the vouchers; shops; balance check."""

from __future__ import annotations

from chalice import Response

from chalicelib.core import settings
from chalicelib.web import legal
from chalicelib.web.layout import escape, euros, page, t
from chalicelib.web.shops import shops_section

PRESETS_CENTS = (1000, 2500, 5000, 10000)
MAX_QUANTITY = 20
STRIPE_JS = "https://js.stripe.com/v3/"  # real Stripe only: Stripe requires stripe.js from its own host


def _stripe_scripts() -> str:
    s = settings.get()
    if s.is_local and s.stripe_api_base and not s.stripe_secret_key_env:
        # the local stack's localstripe bridge (devstack/stripe_local.py); the Lambda has no such routes
        return ('<script src="/stripe-local/v3.js" defer></script>\n'
                '<script src="/stripe-local/elements.js" defer></script>')
    if s.is_local and not s.stripe_secret_key_env:
        return ""  # local mode without localstripe: the shop says payment is unavailable, nothing leaves the machine
    return f'<script src="{STRIPE_JS}" defer></script>'


def _whole_euros(cents: int, lang: str) -> str:
    if cents % 100:
        return euros(cents, lang)
    return f"€{cents // 100}" if lang == "en" else f"{cents // 100} €"


def _terms_consent(lang: str) -> str:
    agb, withdrawal, privacy = (f'<a href="{legal.link(slug, lang)}" target="_blank" rel="noopener">{text}</a>'
                                for slug, text in (("agb", t(lang, "AGB", "terms and conditions")),
                                                   ("widerruf", t(lang, "Widerrufsbelehrung", "withdrawal notice")),
                                                   ("datenschutz", t(lang, "Datenschutzerklärung", "privacy policy"))))
    return f"""<div class="consent">
    <input type="checkbox" id="terms" name="terms" aria-describedby="terms-err" required>
    <label for="terms">{t(lang, f'Ich akzeptiere die {agb}. Die {withdrawal} und die {privacy} habe ich zur Kenntnis genommen.',
                         f'I accept the {agb}. I have read the {withdrawal} and the {privacy}.')}</label>
    <p id="terms-err" class="field-error" role="alert"></p>
  </div>"""


def shop_page(lang: str, order_id: str | None = None) -> Response:
    """The shop; with `order_id`, the order's own durable page (/bestellung/<id>#<secret>) showing its vouchers."""
    s = settings.get()
    low, high = s.voucher_min_cents, s.voucher_max_cents
    presets = [p for p in PRESETS_CENTS if low <= p <= high] or [low]
    radios = "".join(
        f'<label class="preset"><input type="radio" name="preset" value="{p}"{" checked" if i == 1 or len(presets) == 1 else ""}>'
        f'<span>{_whole_euros(p, lang)}</span></label>' for i, p in enumerate(presets))
    town = escape(s.town_name)
    body = f"""
<section class="hero" aria-labelledby="shop-h">
  <h1 id="shop-h">{t(lang, f'Der {town}-Gutschein', f'The {town} voucher')}</h1>
  <p>{t(lang, 'Verschenken Sie Ihre Stadt: einlösbar in allen teilnehmenden Geschäften, auch in Teilbeträgen, drei Jahre gültig.',
        'Give your town: valid in all participating shops, also in parts, for three years.')}</p>
</section>

<section id="buy" class="card" aria-labelledby="buy-h">
  <h2 id="buy-h">{t(lang, 'Gutschein kaufen', 'Buy a voucher')}</h2>
  <form id="order-form" novalidate data-min="{low}" data-max="{high}" data-max-quantity="{MAX_QUANTITY}">
    <fieldset class="presets">
      <legend>{t(lang, 'Betrag pro Gutschein', 'Amount per voucher')}</legend>
      {radios}
      <label class="preset other"><input type="radio" name="preset" value="other"><span>{t(lang, 'Anderer Betrag', 'Other amount')}</span></label>
    </fieldset>
    <div id="other-amount" class="field" hidden>
      <label for="amount">{t(lang, 'Betrag in Euro', 'Amount in euros')} ({euros(low, lang)} – {euros(high, lang)})</label>
      <input id="amount" name="amount" type="text" inputmode="decimal" autocomplete="off" aria-describedby="amount-err">
      <p id="amount-err" class="field-error" role="alert"></p>
    </div>
    <div class="field">
      <label for="quantity">{t(lang, 'Anzahl', 'Quantity')} (1–{MAX_QUANTITY})</label>
      <input id="quantity" name="quantity" type="number" min="1" max="{MAX_QUANTITY}" value="1" inputmode="numeric" aria-describedby="quantity-err">
      <p id="quantity-err" class="field-error" role="alert"></p>
    </div>
    <div class="field">
      <label for="email">{t(lang, 'Ihre E-Mail-Adresse (dorthin senden wir die Gutscheine)', 'Your e-mail address (we send the vouchers there)')}</label>
      <input id="email" name="email" type="email" autocomplete="email" required aria-describedby="email-err">
      <p id="email-err" class="field-error" role="alert"></p>
    </div>
    <div class="field">
      <label for="bonus-code">{t(lang, 'Bonus-Code (optional)', 'Bonus code (optional)')}</label>
      <div class="row"><input id="bonus-code" name="bonus_code" type="text" autocomplete="off" spellcheck="false">
      <button type="button" id="bonus-check" class="secondary">{t(lang, 'Einlösen', 'Apply')}</button></div>
      <p id="bonus" class="bonus" role="status" aria-live="polite"></p>
    </div>
    <p class="total">{t(lang, 'Zu zahlen', 'To pay')}: <strong id="total" data-testid="total"></strong>
      <span id="total-bonus"></span></p>
    <button type="submit" id="to-payment" class="wide">{t(lang, 'Weiter zur Zahlung', 'Continue to payment')}</button>
    <p id="order-error" class="field-error" role="alert"></p>
  </form>
</section>

<section id="pay" class="card" aria-labelledby="pay-h" hidden>
  <h2 id="pay-h" tabindex="-1">{t(lang, 'Bezahlen', 'Payment')}</h2>
  <p id="pay-summary"></p>
  <div id="payment-element"></div>
  <p id="pay-error" class="field-error" role="alert"></p>
  {_terms_consent(lang)}
  <div class="actions">
    <button type="button" id="pay-back" class="secondary">{t(lang, 'Zurück', 'Back')}</button>
    <button type="button" id="pay-now">{t(lang, 'Jetzt bezahlen', 'Pay now')}</button>
  </div>
</section>

<section id="done" class="card" aria-labelledby="done-h" hidden{f' data-order="{escape(order_id)}"' if order_id else ''}>
  <h2 id="done-h" tabindex="-1">{t(lang, 'Vielen Dank!', 'Thank you!')}</h2>
  <p id="order-no" class="order-no" data-testid="order-no"></p>
  <p id="done-wait" role="status" aria-live="polite">{t(lang, 'Zahlung eingegangen, Ihre Gutscheine werden ausgestellt …', 'Payment received, your vouchers are being issued …')}</p>
  <p id="done-sent" hidden></p>
  <p id="done-keep" class="hint" hidden>{t(lang, 'Unter der Adresse dieser Seite finden Sie Ihre Gutscheine jederzeit wieder – setzen Sie ein Lesezeichen.',
     'The address of this page always shows your vouchers again – bookmark it.')}</p>
  <ul id="vouchers" class="vouchers"></ul>
</section>

<section id="check" class="card" aria-labelledby="check-h">
  <h2 id="check-h">{t(lang, 'Guthaben prüfen', 'Check a balance')}</h2>
  <form id="check-form">
    <label for="check-code">{t(lang, 'Gutschein-Code oder Link', 'Voucher code or link')}</label>
    <div class="row"><input id="check-code" type="text" autocomplete="off" spellcheck="false" autocapitalize="characters">
    <button type="submit">{t(lang, 'Prüfen', 'Check')}</button></div>
  </form>
  <button type="button" id="check-camera" class="secondary">{t(lang, 'Mit der Kamera scannen', 'Scan with the camera')}</button>
  <div id="check-video-wrap" class="camera" hidden><video id="check-video" playsinline muted aria-label="{t(lang, 'Kamerabild', 'Camera view')}"></video></div>
  <p id="check-result" role="status" aria-live="polite"></p>
</section>

{shops_section(lang)}

<script src="/static/vendor/jsQR.js" defer></script>
<script src="/static/js/voucher-token.js" defer></script>
<script src="/static/js/qr-camera.js" defer></script>
<script src="/static/js/payment-errors.js" defer></script>
{_stripe_scripts() if order_id is None else ''}
<script src="/static/js/shop.js" defer></script>"""
    head = '<link rel="stylesheet" href="/static/css/shop.css">'
    if order_id is not None:  # the order page: the vouchers first, buying again below
        body = body.replace('<section id="buy" class="card"', '<section id="buy" class="card" hidden', 1)
        return page(t(lang, "Ihre Bestellung", "Your order"), body, lang, head=head,
                    lang_switch_path=f"/bestellung/{order_id}",
                    headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"})
    return page(t(lang, "Gutscheine kaufen", "Buy vouchers"), body, lang, head=head, lang_switch_path="/",
                headers={"Cache-Control": "no-cache"})

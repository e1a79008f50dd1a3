"""The voucher page a phone camera opens from the QR, and the QR images themselves."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.core import clock, settings
from chalicelib.core.errors import DomainError
from chalicelib.core.http import client_address
from chalicelib.core.lazy import lazy
from chalicelib.core.ratelimit import hit
from chalicelib.web.layout import escape, euros, page, pick_lang, t
from chalicelib.web.shops import shops_section

lifecycle = lazy("chalicelib.vouchers.lifecycle")  # loaded by the first voucher page, not at cold start
qr = lazy("chalicelib.vouchers.qr")
views = lazy("chalicelib.vouchers.views")
redemption = lazy("chalicelib.vouchers.redemption")
spending = lazy("chalicelib.vouchers.spending")

bp = Blueprint(__name__)

PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}


def _not_found(lang: str) -> Response:
    body = (f"<h1>{t(lang, 'Gutschein nicht gefunden', 'Voucher not found')}</h1>"
            f"<p>{t(lang, 'Dieser Code ist kein gültiger Gutschein unserer Stadt.', 'This code is not a valid voucher of our town.')}</p>")
    return page(t(lang, "Gutschein", "Voucher"), body, lang, status=404, headers=PRIVATE)


def _voucher_for(token: str):  # type: ignore[no-untyped-def]
    try:
        return lifecycle.get_voucher(redemption.verify_token(token))
    except DomainError:
        return None


def _too_many(lang: str) -> Response:
    body = (f"<h1>{t(lang, 'Bitte kurz warten', 'Please wait a moment')}</h1>"
            f"<p>{t(lang, 'Von Ihrem Anschluss kamen gerade sehr viele Abfragen. Versuchen Sie es in einer Minute erneut.', 'Very many lookups came from your connection just now. Please try again in a minute.')}</p>")
    return page(t(lang, "Gutschein", "Voucher"), body, lang, status=429, headers={**PRIVATE, "Retry-After": "60"})


def _when(iso: str, lang: str) -> str:
    from datetime import datetime

    local = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(clock.BERLIN)
    return local.strftime("%d.%m.%Y, %H:%M Uhr") if lang == "de" else local.strftime("%d %b %Y, %H:%M")


def _spending_section(voucher_id: str, lang: str) -> str:
    rows = spending.voucher_spending(voucher_id)
    heading = t(lang, "Eingelöst", "Spent")
    if not rows:
        return (f'<section class="spent" aria-labelledby="spent-h"><h2 id="spent-h">{heading}</h2>'
                f'<p>{t(lang, "Noch nichts eingelöst.", "Nothing spent yet.")}</p></section>')
    items = []
    for row in rows:
        mark = f' <span class="reversed">({t(lang, "storniert", "reversed")})</span>' if row["reversed"] else ""
        amount = euros(row["amount_cents"], lang)
        amount_html = f"<s>{amount}</s>" if row["reversed"] else amount
        items.append(f'<tr data-testid="spent-row"><td>{_when(row["at"], lang)}</td><td>{escape(row["shop"])}</td>'
                     f'<td class="num">{amount_html}{mark}</td></tr>')
    return (f'<section class="spent" aria-labelledby="spent-h"><h2 id="spent-h">{heading}</h2>'
            f'<div class="table-wrap"><table><thead><tr><th scope="col">{t(lang, "Wann", "When")}</th>'
            f'<th scope="col">{t(lang, "Wo", "Where")}</th><th scope="col" class="num">{t(lang, "Betrag", "Amount")}</th>'
            f'</tr></thead><tbody>{"".join(items)}</tbody></table></div></section>')


def render_voucher_page(token: str) -> Response:
    request = bp.current_request
    lang = pick_lang(request)
    # The page shows the balance: it counts against the same per-client limit as the balance API.
    try:
        hit("balance", client_address(request), settings.get().balance_lookups_per_minute)
    except DomainError:
        return _too_many(lang)
    voucher = _voucher_for(token)
    if voucher is None:
        return _not_found(lang)
    token = token.upper()
    status = views.status_of(voucher)
    balance = int(voucher.balance_cents)
    spent = status == "active" and balance == 0  # nothing left: say so, not "gültig" in green
    status_text = {
        "active": t(lang, "gültig", "valid"),
        "expired": t(lang, "abgelaufen", "expired"),
        "blocked": t(lang, "gesperrt", "blocked"),
        "replaced": t(lang, "ersetzt", "replaced"),
    }.get(status, status)
    if spent:
        status_text = t(lang, "vollständig eingelöst", "fully spent")
    expiry = views.expires_iso(voucher)[:10]
    day, month, year = expiry[8:10], expiry[5:7], expiry[0:4]
    expiry_text = f"{day}.{month}.{year}" if lang == "de" else expiry
    s = settings.get()
    town = escape(s.town_name)
    notice = ""
    if spent:
        notice = (f'<p class="notice spent-notice" role="status" data-testid="spent">'
                  f'{t(lang, "Vollständig eingelöst", "Fully spent")}</p>')
    elif status != "active":
        notice = f'<p class="notice" role="alert">{t(lang, "Dieser Gutschein kann nicht eingelöst werden", "This voucher cannot be redeemed")}: {status_text}.</p>'
    hint = (t(lang, f"Das Guthaben dieses Gutscheins ist aufgebraucht. Danke, dass Sie in {town} eingekauft haben!",
              f"This voucher's balance is used up. Thank you for shopping in {town}!") if spent else
            t(lang, 'Zeigen Sie diesen Code an der Kasse eines teilnehmenden Geschäfts. Sie können den Betrag in Teilen ausgeben.',
              'Show this code at the till of a participating shop. You can spend the amount in parts.'))
    check_at = escape(s.base_url.split("://", 1)[-1])
    state = "spent" if spent else ("active" if status == "active" else "inactive")
    body = f"""
<article class="voucher state-{state}" aria-labelledby="vh">
  <p class="kicker">{town}</p>
  <h1 id="vh">{t(lang, 'Stadtgutschein', 'City voucher')}</h1>
  {notice}
  <p class="balance screen-only"><span class="label">{t(lang, 'Guthaben', 'Balance')}</span>
    <strong data-testid="balance">{euros(balance, lang)}</strong>
    <span class="of">{t(lang, 'von', 'of')} {euros(int(voucher.initial_cents), lang)}</span></p>
  <p class="value print-only"><span class="label">{t(lang, 'Wert', 'Value')}</span>
    <strong>{euros(int(voucher.initial_cents), lang)}</strong></p>
  <img class="qr" src="/v/{escape(token)}/qr.svg" width="360" height="360"
       alt="{t(lang, 'QR-Code des Gutscheins zum Einlösen im Geschäft', 'QR code of the voucher, to be scanned in the shop')}">
  <dl class="facts">
    <dt>{t(lang, 'Gültig bis', 'Valid until')}</dt><dd data-testid="expiry">{expiry_text}</dd>
    <dt class="screen-only">{t(lang, 'Status', 'Status')}</dt><dd class="screen-only" data-testid="status">{status_text}</dd>
    <dt>{t(lang, 'Gutschein-Nr.', 'Voucher no.')}</dt><dd><code>{escape(voucher.voucher_id)}</code></dd>
  </dl>
  <p class="hint">{hint}</p>
  <p class="print-only">{t(lang, 'Einlösbar in allen teilnehmenden Geschäften, auch in Teilbeträgen.', 'Valid in all participating shops, also in parts.')}
    {t(lang, f'Guthaben prüfen: den QR-Code mit der Handykamera scannen, oder auf {check_at} unter „Guthaben prüfen“.',
       f'Check the balance: scan the QR code with a phone camera, or use “Check a balance” at {check_at}.')}</p>
  <p class="actions"><button type="button" class="button" id="print">{t(lang, 'Drucken (A6)', 'Print (A6)')}</button>
  <a class="button secondary" href="/?lang={lang}">{t(lang, 'Gutscheine kaufen', 'Buy vouchers')}</a></p>
</article>
{_spending_section(voucher.voucher_id, lang)}
{shops_section(lang)}
<script src="/static/js/voucher-page.js" defer></script>"""
    return page(t(lang, "Ihr Gutschein", "Your voucher"), body, lang, lang_switch_path=f"/v/{token}",
                head='<link rel="stylesheet" href="/static/css/voucher.css">', headers=PRIVATE)


@bp.route("/v/{token}", methods=["GET"])
def voucher_page(token: str):
    """The voucher page (HTML): QR, balance, expiry, print button."""
    return render_voucher_page(token)


@bp.route("/V/{token}", methods=["GET"])
def voucher_page_upper(token: str):
    """The same page for the upper-case URL inside the QR (alphanumeric QR mode)."""
    return render_voucher_page(token)


def _qr(token: str, kind: str) -> Response:
    # Drawing a QR costs real CPU (~70 ms for a PNG): its own per-client limit, as high as the balance check's.
    hit("qr", client_address(bp.current_request), settings.get().balance_lookups_per_minute)
    voucher = _voucher_for(token)
    if voucher is None:
        return _not_found(pick_lang(bp.current_request))
    url = views.voucher_url(views.token_for(voucher))
    if kind == "svg":
        return Response(body=qr.qr_svg(url).decode("utf-8"), headers={"Content-Type": "image/svg+xml", **PRIVATE})
    return Response(body=qr.qr_png(url), headers={"Content-Type": "image/png", **PRIVATE})


@bp.route("/v/{token}/qr.svg", methods=["GET"])
def voucher_qr_svg(token: str):
    """The voucher's QR code as SVG."""
    return _qr(token, "svg")


@bp.route("/v/{token}/qr.png", methods=["GET"])
def voucher_qr_png(token: str):
    """The voucher's QR code as PNG."""
    return _qr(token, "png")

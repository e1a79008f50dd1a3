"""The voucher page a phone camera opens from the QR, and the QR images themselves."""

from __future__ import annotations

from html import escape

from chalice import Blueprint, Response

from chalicelib.core import settings
from chalicelib.core.errors import DomainError
from chalicelib.vouchers import lifecycle, views
from chalicelib.vouchers.qr import qr_png, qr_svg
from chalicelib.vouchers.redemption import verify_token
from chalicelib.web.layout import euros, page, pick_lang, t
from chalicelib.web.shops import shops_section

bp = Blueprint(__name__)

PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}


def _not_found(lang: str) -> Response:
    body = (f"<h1>{t(lang, 'Gutschein nicht gefunden', 'Voucher not found')}</h1>"
            f"<p>{t(lang, 'Dieser Code ist kein gültiger Gutschein unserer Stadt.', 'This code is not a valid voucher of our town.')}</p>")
    return page(t(lang, "Gutschein", "Voucher"), body, lang, status=404, headers=PRIVATE)


def _voucher_for(token: str):  # type: ignore[no-untyped-def]
    try:
        return lifecycle.get_voucher(verify_token(token))
    except DomainError:
        return None


def render_voucher_page(token: str) -> Response:
    request = bp.current_request
    lang = pick_lang(request)
    voucher = _voucher_for(token)
    if voucher is None:
        return _not_found(lang)
    token = token.upper()
    status = views.status_of(voucher)
    status_text = {
        "active": t(lang, "gültig", "valid"),
        "expired": t(lang, "abgelaufen", "expired"),
        "blocked": t(lang, "gesperrt", "blocked"),
        "replaced": t(lang, "ersetzt", "replaced"),
    }.get(status, status)
    expiry = views.expires_iso(voucher)[:10]
    day, month, year = expiry[8:10], expiry[5:7], expiry[0:4]
    expiry_text = f"{day}.{month}.{year}" if lang == "de" else expiry
    town = escape(settings.get().town_name)
    notice = ""
    if status != "active":
        notice = f'<p class="notice" role="alert">{t(lang, "Dieser Gutschein kann nicht eingelöst werden", "This voucher cannot be redeemed")}: {status_text}.</p>'
    body = f"""
<article class="voucher" aria-labelledby="vh">
  <p class="kicker">{town}</p>
  <h1 id="vh">{t(lang, 'Stadtgutschein', 'City voucher')}</h1>
  {notice}
  <p class="balance"><span class="label">{t(lang, 'Guthaben', 'Balance')}</span>
    <strong data-testid="balance">{euros(int(voucher.balance_cents), lang)}</strong>
    <span class="of">{t(lang, 'von', 'of')} {euros(int(voucher.initial_cents), lang)}</span></p>
  <img class="qr" src="/v/{escape(token)}/qr.svg" width="360" height="360"
       alt="{t(lang, 'QR-Code des Gutscheins zum Einlösen im Geschäft', 'QR code of the voucher, to be scanned in the shop')}">
  <dl class="facts">
    <dt>{t(lang, 'Gültig bis', 'Valid until')}</dt><dd data-testid="expiry">{expiry_text}</dd>
    <dt>{t(lang, 'Status', 'Status')}</dt><dd data-testid="status">{status_text}</dd>
    <dt>{t(lang, 'Gutschein-Nr.', 'Voucher no.')}</dt><dd><code>{escape(voucher.voucher_id)}</code></dd>
  </dl>
  <p class="hint">{t(lang, 'Zeigen Sie diesen Code an der Kasse eines teilnehmenden Geschäfts. Sie können den Betrag in Teilen ausgeben.',
    'Show this code at the till of a participating shop. You can spend the amount in parts.')}</p>
  <p class="print-only">{t(lang, 'Einlösbar in allen teilnehmenden Geschäften, auch in Teilbeträgen.', 'Valid in all participating shops, also in parts.')}</p>
  <p class="actions"><button type="button" class="button" id="print">{t(lang, 'Drucken (A6)', 'Print (A6)')}</button>
  <a class="button secondary" href="/?lang={lang}">{t(lang, 'Gutscheine kaufen', 'Buy vouchers')}</a></p>
</article>
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
    voucher = _voucher_for(token)
    if voucher is None:
        return _not_found(pick_lang(bp.current_request))
    url = views.voucher_url(views.token_for(voucher))
    if kind == "svg":
        return Response(body=qr_svg(url).decode("utf-8"), headers={"Content-Type": "image/svg+xml", **PRIVATE})
    return Response(body=qr_png(url), headers={"Content-Type": "image/png", **PRIVATE})


@bp.route("/v/{token}/qr.svg", methods=["GET"])
def voucher_qr_svg(token: str):
    """The voucher's QR code as SVG."""
    return _qr(token, "svg")


@bp.route("/v/{token}/qr.png", methods=["GET"])
def voucher_qr_png(token: str):
    """The voucher's QR code as PNG."""
    return _qr(token, "png")

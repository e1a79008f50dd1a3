"""send_vouchers: the buyer's e-mail through SES (sesv2) in the language they bought in, with the order number, one
inline QR per voucher (PNG by Content-ID, so it shows without loading remote images), a link to each voucher page
and links to the town's legal pages (Widerrufsbelehrung, AGB, Datenschutz, Impressum)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache
from html import escape

from chalicelib.core import aws, settings
from chalicelib.payments.models import Order
from chalicelib.vouchers import views
from chalicelib.vouchers.models import Voucher
from chalicelib.vouchers.qr import qr_png
from chalicelib.web.layout import euros


def _date_de(voucher: Voucher) -> str:
    iso = views.expires_iso(voucher)
    return f"{iso[8:10]}.{iso[5:7]}.{iso[0:4]}"


TEXTS = {
    "de": {
        "subject": "Ihre Stadtgutscheine aus {town} – Bestellung {order}",
        "hello": "Vielen Dank für Ihren Einkauf! Hier sind Ihre {n} Stadtgutschein(e) für {town}.",
        "order": "Bestellnummer: {order}",
        "voucher": "Gutschein {i}: {amount}, gültig bis {until}",
        "bonus": "(davon {bonus} Bonus der Stadt)",
        "open": "Gutschein öffnen und drucken",
        "how": "Zeigen Sie den QR-Code an der Kasse eines teilnehmenden Geschäfts. Sie können den Betrag in Teilen "
               "ausgeben. Auf der Gutscheinseite finden Sie eine Druckversion.",
        "withdraw": "Sie können den Kauf innerhalb von 14 Tagen widerrufen. Einzelheiten und das Muster-"
                    "Widerrufsformular finden Sie in der Widerrufsbelehrung:",
        "legal": "Rechtliches",
    },
    "en": {
        "subject": "Your city vouchers from {town} – order {order}",
        "hello": "Thank you for your purchase! Here are your {n} city voucher(s) for {town}.",
        "order": "Order number: {order}",
        "voucher": "Voucher {i}: {amount}, valid until {until}",
        "bonus": "(including a {bonus} bonus from the town)",
        "open": "Open and print the voucher",
        "how": "Show the QR code at the till of a participating shop. You can spend the amount in parts. The voucher "
               "page has a printable version.",
        "withdraw": "You may withdraw from the purchase within 14 days. The withdrawal notice, with the model form, "
                    "is here:",
        "legal": "Legal",
    },
}


def _legal_links(lang: str) -> list[tuple[str, str]]:
    from chalicelib.web import legal

    base = settings.get().base_url
    return [(legal.title(p.slug, lang), f"{base}{legal.link(p.slug, lang)}") for p in legal.PAGES]


def _operator(lang: str) -> str:
    """Who sends the mail (name and address, as a commercial e-mail must say), from the town's legal facts."""
    from chalicelib.web import legal

    s = settings.get()
    name = s.env("MARKTPLATZ_LEGAL_OPERATOR") or legal.facts(lang)["operator"]
    address = s.env("MARKTPLATZ_LEGAL_ADDRESS")
    return f"{name}, {address}" if address else name


def _lines(lang: str, order: Order, vouchers: list[Voucher], urls: list[str]) -> tuple[list[str], list[str]]:
    town = settings.get().town_name
    tx = TEXTS[lang]
    hello = tx["hello"].format(n=len(vouchers), town=town)
    order_no = tx["order"].format(order=order.order_id)
    text = [hello, order_no, ""]
    html = [f"<p>{escape(hello)}</p>", f"<p><strong>{escape(order_no)}</strong></p>"]
    for i, (voucher, url) in enumerate(zip(vouchers, urls, strict=True), start=1):
        amount = euros(int(voucher.initial_cents), lang)
        until = _date_de(voucher) if lang == "de" else views.expires_iso(voucher)[:10]
        line = tx["voucher"].format(i=i, amount=amount, until=until)
        if int(voucher.bonus_cents or 0):
            line += " " + tx["bonus"].format(bonus=euros(int(voucher.bonus_cents), lang))
        text += [line, f"{tx['open']}: {url}", ""]
        html.append(f'<div style="margin:1em 0;padding:1em;border:1px solid #ccc">'
                    f"<p><strong>{escape(line)}</strong></p>"
                    f'<p><img src="cid:qr{i}@marktplatz" width="240" height="240" alt="QR {i}"></p>'
                    f'<p><a href="{escape(url)}">{escape(tx["open"])}</a></p></div>')
    links = _legal_links(lang)
    withdrawal_url = next(url for title, url in links if "/widerruf" in url)
    text += [tx["how"], "", f"{tx['withdraw']} {withdrawal_url}", "", "-- ", _operator(lang)]
    text += [f"{title}: {url}" for title, url in links]
    html += [f"<p>{escape(tx['how'])}</p>",
             f'<p>{escape(tx["withdraw"])} <a href="{escape(withdrawal_url)}">{escape(withdrawal_url)}</a></p>',
             f'<hr><p style="font-size:small;color:#444">{escape(_operator(lang))}<br>'
             + " · ".join(f'<a href="{escape(url)}">{escape(title)}</a>' for title, url in links) + "</p>"]
    return text, html


def compose(order: Order, vouchers: list[Voucher]) -> EmailMessage:
    """The message in the language the shopper bought in, as MIME: multipart/related(alternative(text, html),
    image/png...). Pure apart from QR drawing."""
    s = settings.get()
    lang = order.lang if order.lang in TEXTS else "de"
    urls = [views.voucher_url(views.token_for(v)) for v in vouchers]
    text, html_lines = _lines(lang, order, vouchers, urls)
    msg = EmailMessage()
    msg["Subject"] = TEXTS[lang]["subject"].format(town=s.town_name, order=order.order_id)
    msg["From"] = s.mail_from
    msg["To"] = order.email
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(idstring=order.order_id, domain=s.mail_from.split("@")[-1])
    msg.set_content("\n".join(text))
    html = (f'<!doctype html><html lang="{lang}"><body style="font-family:sans-serif">'
            + "".join(html_lines) + "</body></html>")
    msg.add_alternative(html, subtype="html")
    html_part = msg.get_payload()[1]
    for i, url in enumerate(urls, start=1):
        html_part.add_related(qr_png(url, box_size=6), maintype="image", subtype="png", cid=f"<qr{i}@marktplatz>",
                              disposition="inline", filename=f"gutschein-{i}.png")
    msg["Content-Language"] = lang  # set last: making the message multipart moves Content-* down
    return msg


@cache
def _ensure_local_sender(sender: str) -> None:
    """moto (local mode) only sends from verified identities; on AWS the identity is verified by infra."""
    aws.client("sesv2").create_email_identity(EmailIdentity=sender)


def send_vouchers(order: Order, vouchers: list[Voucher]) -> str:
    s = settings.get()
    if s.is_local:
        _ensure_local_sender(s.mail_from)
    from email import policy

    raw = compose(order, vouchers).as_bytes(policy=policy.SMTP)  # CRLF line ends, as mail servers expect
    answer = aws.client("sesv2").send_email(FromEmailAddress=s.mail_from,
                                            Destination={"ToAddresses": [order.email]},
                                            Content={"Raw": {"Data": raw}})
    return str(answer["MessageId"])

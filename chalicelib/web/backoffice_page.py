"""The city's back office (/verwaltung): one shell per section, German first with an English switch.

Each section's markup is server-rendered in the visitor's language; verwaltung.js signs the staff member in (session
cookie + CSRF token), fills the section from the API and shows German (or English) messages for every error code.
"""

from __future__ import annotations

from html import escape

from chalice import Response

from chalicelib.web.layout import page, t

# (slug, German, English, roles that see it)
SECTIONS = (
    ("", "Übersicht", "Overview", ("admin", "finance", "support")),
    ("haendler", "Händler", "Retailers", ("admin", "finance", "support")),
    ("gutscheine", "Gutscheine", "Vouchers", ("admin", "finance", "support")),
    ("bestellungen", "Bestellungen", "Orders", ("admin", "finance", "support")),
    ("aktionen", "Aktionen", "Campaigns", ("admin",)),
    ("abrechnung", "Abrechnung", "Settlement", ("admin", "finance")),
    ("berichte", "Berichte", "Reports", ("admin", "finance")),
    ("wlan", "WLAN", "WLAN", ("admin",)),
    ("sensoren", "Sensoren und Zonen", "Sensors and zones", ("admin",)),
    ("marketing", "Marketing-Zugänge", "Marketing access", ("admin",)),
    ("protokoll", "Protokoll", "Audit log", ("admin",)),
    ("mitarbeitende", "Mitarbeitende", "Staff", ("admin",)),
)
SLUGS = {s[0] for s in SECTIONS}


def _field(lang: str, id_: str, de: str, en: str, kind: str = "text", required: bool = False,
           extra: str = "") -> str:
    req = " required" if required else ""
    return (f'<div class="field"><label for="{id_}">{t(lang, de, en)}</label>'
            f'<input id="{id_}" name="{id_}" type="{kind}"{req}{extra}></div>')


def _table(id_: str, caption: str) -> str:
    return (f'<div class="table-wrap" tabindex="0" role="region" aria-label="{escape(caption)}">'
            f'<table id="{id_}"><caption class="visually-hidden">{escape(caption)}</caption></table></div>')


def _overview(lang: str) -> str:
    return f"""<div id="cards" class="cards" aria-live="polite"></div>
<p class="hint">{t(lang, 'Zahlen ohne Gewähr bis zum Monatsabschluss; Beträge in Euro.', 'Figures are provisional until the month is closed; amounts in euros.')}</p>"""


def _retailers(lang: str) -> str:
    f = lambda *a, **k: _field(lang, *a, **k)  # noqa: E731
    return f"""<div class="field search"><label for="r-search">{t(lang, 'Suchen', 'Search')}</label>
<input id="r-search" type="search" autocomplete="off"></div>
{_table('r-table', t(lang, 'Händler', 'Retailers'))}
<section aria-labelledby="r-form-h" data-role="admin">
<h2 id="r-form-h">{t(lang, 'Händler registrieren', 'Register a retailer')}</h2>
<form id="r-form" class="grid" novalidate>
<input type="hidden" id="r-id">
{f('r-name', 'Name des Geschäfts', 'Shop name', required=True)}
{f('r-address', 'Adresse', 'Address', required=True)}
{f('r-email', 'E-Mail', 'E-mail', 'email', required=True)}
{f('r-zone', 'Lage (Zone)', 'Location (zone)', required=True, extra=' list="zones-list"')}
<datalist id="zones-list"></datalist>
{f('r-contact', 'Ansprechpartner und Telefon', 'Contact person and phone')}
{f('r-iban', 'IBAN', 'IBAN', extra=' autocomplete="off" spellcheck="false"')}
{f('r-holder', 'Kontoinhaber', 'Account holder')}
<div class="actions"><button type="submit" id="r-submit">{t(lang, 'Registrieren', 'Register')}</button>
<button type="button" id="r-cancel" class="secondary" hidden>{t(lang, 'Abbrechen', 'Cancel')}</button></div>
</form>
<p id="r-msg" class="msg" role="status" aria-live="polite"></p>
<div id="r-key" class="keybox" hidden>
<p>{t(lang, 'Zugangsschlüssel (wird nur jetzt angezeigt):', 'Access key (shown only now):')} <code id="r-key-value"></code></p>
<button type="button" id="r-print">{t(lang, 'Onboarding-Blatt drucken', 'Print onboarding sheet')}</button>
</div>
</section>
<article id="sheet" class="sheet" hidden aria-labelledby="sheet-h">
<h2 id="sheet-h"><span id="sheet-shop"></span></h2>
<p class="sheet-address" id="sheet-address"></p>
<img id="sheet-qr" alt="{t(lang, 'QR-Code: öffnet die Kasse angemeldet', 'QR code: opens the till signed in')}" width="240" height="240">
<h3>{t(lang, 'So geht es los', 'Getting started')}</h3>
<ol>
<li>{t(lang, 'Scannen Sie den QR-Code mit der Kamera Ihres Smartphones.', 'Scan the QR code with your phone camera.')}</li>
<li>{t(lang, 'Die Kasse öffnet sich und ist bereits mit Ihrem Geschäft angemeldet. Fügen Sie sie zum Startbildschirm hinzu.', 'The till opens, already signed in for your shop. Add it to your home screen.')}</li>
<li>{t(lang, 'Gutschein des Kunden scannen, Betrag eingeben, bestätigen. Fehler können 30 Minuten lang storniert werden.', "Scan the customer's voucher, enter the amount, confirm. Mistakes can be reversed for 30 minutes.")}</li>
<li>{t(lang, 'Bewahren Sie dieses Blatt sicher auf: Der QR-Code ist Ihr Zugang.', 'Keep this sheet safe: the QR code is your access.')}</li>
</ol>
<p>{t(lang, 'Kasse:', 'Till:')} <code id="sheet-url"></code></p>
</article>"""


def _vouchers(lang: str) -> str:
    return f"""<form id="v-form" class="grid" novalidate>
<div class="field"><label for="v-kind">{t(lang, 'Suchen nach', 'Search by')}</label>
<select id="v-kind"><option value="code">{t(lang, 'Code (QR)', 'Code (QR)')}</option>
<option value="voucher_id">{t(lang, 'Gutschein-Nummer', 'Voucher id')}</option>
<option value="email">{t(lang, 'E-Mail der Bestellung', 'Order e-mail')}</option></select></div>
<div class="field"><label for="v-query">{t(lang, 'Suchbegriff', 'Search term')}</label>
<input id="v-query" type="text" autocomplete="off" spellcheck="false"></div>
<div class="actions"><button type="submit">{t(lang, 'Suchen', 'Search')}</button>
<button type="button" id="v-camera" class="secondary">{t(lang, 'Mit Kamera scannen', 'Scan with camera')}</button></div>
</form>
<video id="v-video" class="camera" hidden muted playsinline aria-label="{t(lang, 'Kamerabild', 'Camera view')}"></video>
<p id="v-msg" class="msg" role="status" aria-live="polite"></p>
{_table('v-table', t(lang, 'Gefundene Gutscheine', 'Vouchers found'))}
<section id="v-detail" hidden aria-labelledby="v-detail-h">
<h2 id="v-detail-h"></h2>
<dl id="v-facts" class="facts"></dl>
<div class="actions" data-role="admin support">
<div class="field"><label for="v-reason">{t(lang, 'Grund (für Sperren)', 'Reason (for blocking)')}</label><input id="v-reason" type="text"></div>
<button type="button" id="v-block">{t(lang, 'Sperren', 'Block')}</button>
<button type="button" id="v-unblock" class="secondary">{t(lang, 'Entsperren', 'Unblock')}</button>
<button type="button" id="v-reissue" class="secondary">{t(lang, 'Neu ausstellen', 'Re-issue')}</button>
<button type="button" id="v-resend" class="secondary">{t(lang, 'E-Mail erneut senden', 'Resend e-mail')}</button>
</div>
<p id="v-action-msg" class="msg" role="status" aria-live="polite"></p>
<h3>{t(lang, 'Buchungen', 'Ledger')}</h3>
{_table('v-ledger', t(lang, 'Buchungen', 'Ledger'))}
</section>
<script src="/static/vendor/jsQR.js" defer></script>
<script src="/static/js/qr-camera.js" defer></script>"""


def _orders(lang: str) -> str:
    return f"""<form id="o-form" class="grid" novalidate>
{_field(lang, 'o-email', 'E-Mail der Käuferin / des Käufers', "Buyer's e-mail", 'email')}
{_field(lang, 'o-id', 'oder Bestellnummer', 'or order number')}
<div class="actions"><button type="submit">{t(lang, 'Suchen', 'Search')}</button></div>
</form>
<p id="o-msg" class="msg" role="status" aria-live="polite"></p>
{_table('o-table', t(lang, 'Bestellungen', 'Orders'))}
<p class="hint">{t(lang, 'Widerruf: innerhalb von 14 Tagen, solange kein Gutschein der Bestellung eingelöst ist; das Geld geht über Stripe zurück.', 'Withdrawal: within 14 days while no voucher of the order has been spent; Stripe refunds the money.')}</p>"""


def _campaigns(lang: str) -> str:
    f = lambda *a, **k: _field(lang, *a, **k)  # noqa: E731
    return f"""{_table('c-table', t(lang, 'Bonus-Aktionen', 'Bonus campaigns'))}
<section aria-labelledby="c-form-h"><h2 id="c-form-h">{t(lang, 'Neue Bonus-Aktion', 'New bonus campaign')}</h2>
<form id="c-form" class="grid" novalidate>
{f('c-name', 'Name', 'Name', required=True)}
{f('c-percent', 'Bonus in Prozent', 'Bonus percent', 'number', True, ' min="1" max="100"')}
{f('c-budget', 'Budget in Euro', 'Budget in euros', 'number', True, ' min="1" step="0.01"')}
{f('c-code', 'Aktionscode (optional)', 'Campaign code (optional)')}
{f('c-start', 'Beginn', 'Start', 'date', True)}
{f('c-end', 'Ende', 'End', 'date', True)}
<div class="actions"><button type="submit">{t(lang, 'Anlegen', 'Create')}</button></div>
</form><p id="c-msg" class="msg" role="status" aria-live="polite"></p></section>
<section aria-labelledby="b-form-h"><h2 id="b-form-h">{t(lang, 'Gutscheine ausgeben (Arbeitgeber, Aktionen)', 'Issue vouchers (employers, campaigns)')}</h2>
<form id="b-form" class="grid" novalidate>
{f('b-amount', 'Wert je Gutschein in Euro', 'Value per voucher in euros', 'number', True, ' min="1" step="0.01"')}
{f('b-quantity', 'Anzahl', 'Quantity', 'number', True, ' min="1" max="500"')}
{f('b-campaign', 'Verwendungszweck / Aktion', 'Purpose / campaign')}
<div class="actions"><button type="submit">{t(lang, 'Ausgeben', 'Issue')}</button></div>
</form><p id="b-msg" class="msg" role="status" aria-live="polite"></p>
<div id="b-done" class="actions" hidden><button type="button" id="b-print">{t(lang, 'A4-Bogen drucken', 'Print A4 sheet')}</button>
<button type="button" id="b-csv" class="secondary">{t(lang, 'CSV der Codes', 'CSV of codes')}</button></div></section>
<div id="voucher-sheet" class="voucher-sheet" hidden></div>"""


def _settlement(lang: str) -> str:
    return f"""<form id="s-form" class="grid" novalidate>
<div class="field"><label for="s-month">{t(lang, 'Monat', 'Month')}</label><input id="s-month" type="month" required></div>
<div class="actions"><button type="submit">{t(lang, 'Anzeigen', 'Show')}</button></div></form>
<p id="s-status" class="msg" role="status" aria-live="polite"></p>
{_table('s-table', t(lang, 'Abrechnung je Händler', 'Settlement per retailer'))}
<div class="actions" id="s-actions" hidden>
<a class="button secondary" id="s-csv" href="#">{t(lang, 'CSV herunterladen', 'Download CSV')}</a>
<button type="button" id="s-close">{t(lang, 'Monat abschließen', 'Close month')}</button>
<a class="button" id="s-sepa" href="#">{t(lang, 'SEPA-Datei herunterladen', 'Download SEPA file')}</a></div>
<p id="s-msg" class="msg" role="alert"></p>
<p class="hint">{t(lang, 'Ein abgeschlossener Monat ändert sich nicht mehr: spätere Stornos werden im nächsten offenen Monat verbucht. Die SEPA-Datei (pain.001.001.09) zahlt jedem Händler mit positivem Betrag vom Konto der Stadt aus.', 'A closed month never changes: later reversals are booked into the next open month. The SEPA file (pain.001.001.09) pays every retailer with a positive amount from the city account.')}</p>"""


def _reports(lang: str) -> str:
    return f"""<form id="rep-form" class="grid" novalidate>
<div class="field"><label for="rep-month">{t(lang, 'Monat der Buchung', 'Month of booking')}</label><input id="rep-month" type="month" required></div>
<div class="actions"><button type="submit">{t(lang, 'Anzeigen', 'Show')}</button></div></form>
{_table('rep-table', t(lang, 'Verbindlichkeiten', 'Liability'))}
<div class="actions"><button type="button" id="rep-csv" class="secondary">{t(lang, 'CSV herunterladen', 'Download CSV')}</button></div>
<p id="rep-msg" class="msg" role="status" aria-live="polite"></p>"""


def _wlan(lang: str) -> str:
    f = lambda *a, **k: _field(lang, *a, **k)  # noqa: E731
    return f"""{_table('w-table', t(lang, 'WLAN-Gateways', 'WLAN gateways'))}
<section aria-labelledby="w-form-h"><h2 id="w-form-h">{t(lang, 'Gateway anmelden', 'Register a gateway')}</h2>
<form id="w-form" class="grid" novalidate>
{f('w-name', 'Name', 'Name', required=True)}
<div class="field"><label for="w-vendor">{t(lang, 'Hersteller', 'Vendor')}</label><select id="w-vendor"><option value="opennds">openNDS</option><option value="meraki">Meraki</option></select></div>
{f('w-zone', 'Zone', 'Zone')}
{f('w-minutes', 'Sitzungsdauer (Minuten)', 'Session length (minutes)', 'number', extra=' min="1" value="60"')}
<div class="actions"><button type="submit">{t(lang, 'Anmelden', 'Register')}</button></div>
</form><p id="w-msg" class="msg" role="status" aria-live="polite"></p>
<pre id="w-settings" class="settings" hidden tabindex="0"></pre></section>"""


def _sensors(lang: str) -> str:
    f = lambda *a, **k: _field(lang, *a, **k)  # noqa: E731
    return f"""<h2>{t(lang, 'Zonen', 'Zones')}</h2>
{_table('z-table', t(lang, 'Zonen', 'Zones'))}
<form id="z-form" class="grid" novalidate>{f('z-name', 'Neue Zone (Straße, Platz)', 'New zone (street, square)', required=True)}
<div class="actions"><button type="submit">{t(lang, 'Anlegen', 'Create')}</button></div></form>
<h2>{t(lang, 'Sensoren', 'Sensors')}</h2>
{_table('se-table', t(lang, 'Sensoren', 'Sensors'))}
<form id="se-form" class="grid" novalidate>{f('se-name', 'Name des Sensors', 'Sensor name', required=True)}
{f('se-zone', 'Zone', 'Zone', required=True)}
<div class="actions"><button type="submit">{t(lang, 'Anmelden', 'Register')}</button></div></form>
<p id="se-msg" class="msg" role="status" aria-live="polite"></p>"""


def _marketing(lang: str) -> str:
    f = lambda *a, **k: _field(lang, *a, **k)  # noqa: E731
    return f"""{_table('m-table', t(lang, 'Marketing-Zugänge', 'Marketing access'))}
<form id="m-form" class="grid" novalidate>{f('m-name', 'Name', 'Name', required=True)}
<div class="actions"><button type="submit">{t(lang, 'Zugang anlegen', 'Create access')}</button></div></form>
<p id="m-msg" class="msg" role="status" aria-live="polite"></p>"""


def _audit(lang: str) -> str:
    f = lambda *a, **k: _field(lang, *a, **k)  # noqa: E731
    return f"""<form id="a-form" class="grid" novalidate>
{f('a-from', 'Von (Monat)', 'From (month)', 'month')}
{f('a-to', 'Bis (Monat)', 'To (month)', 'month')}
{f('a-actor', 'Mitarbeiter/in (E-Mail)', 'Staff member (e-mail)')}
{f('a-q', 'Freitext', 'Free text')}
<div class="actions"><button type="submit">{t(lang, 'Suchen', 'Search')}</button>
<a class="button secondary" id="a-csv" href="/api/v1/audit?format=csv">{t(lang, 'CSV herunterladen', 'Download CSV')}</a></div>
</form>
<p id="a-msg" class="msg" role="status" aria-live="polite"></p>
{_table('a-table', t(lang, 'Protokoll', 'Audit log'))}"""


def _staff(lang: str) -> str:
    f = lambda *a, **k: _field(lang, *a, **k)  # noqa: E731
    roles = "".join(f'<option value="{r}">{r}</option>' for r in ("support", "finance", "admin"))
    return f"""{_table('st-table', t(lang, 'Mitarbeitende', 'Staff'))}
<section aria-labelledby="st-form-h"><h2 id="st-form-h">{t(lang, 'Zugang anlegen', 'Create an account')}</h2>
<form id="st-form" class="grid" novalidate>
{f('st-name', 'Name', 'Name', required=True)}
{f('st-email', 'E-Mail', 'E-mail', 'email', True)}
<div class="field"><label for="st-role">{t(lang, 'Rolle', 'Role')}</label><select id="st-role">{roles}</select></div>
{f('st-password', 'Erstes Passwort (mind. 12 Zeichen)', 'First password (12+ characters)', 'password', True, ' autocomplete="new-password"')}
<div class="actions"><button type="submit">{t(lang, 'Anlegen', 'Create')}</button></div>
</form><p id="st-msg" class="msg" role="status" aria-live="polite"></p></section>"""


BODIES = {"": _overview, "haendler": _retailers, "gutscheine": _vouchers, "bestellungen": _orders,
          "aktionen": _campaigns, "abrechnung": _settlement, "berichte": _reports, "wlan": _wlan,
          "sensoren": _sensors, "marketing": _marketing, "protokoll": _audit, "mitarbeitende": _staff}


def backoffice_page(lang: str, slug: str) -> Response:
    title = next(t(lang, de, en) for s, de, en, _ in SECTIONS if s == slug)
    current = ' aria-current="page"'
    nav = "".join(
        f'<li data-roles="{" ".join(roles)}"><a href="/verwaltung{"/" + s if s else ""}?lang={lang}"'
        f'{current if s == slug else ""}>{t(lang, de, en)}</a></li>'
        for s, de, en, roles in SECTIONS)
    body = f"""
<noscript><p class="error">{t(lang, 'Diese Seite braucht JavaScript.', 'This page needs JavaScript.')}</p></noscript>
<section id="login" aria-labelledby="login-h" hidden>
<h1 id="login-h">{t(lang, 'Verwaltung – Anmeldung', 'Back office – sign in')}</h1>
<form id="login-form" novalidate>
<div class="field"><label for="login-email">{t(lang, 'E-Mail', 'E-mail')}</label>
<input id="login-email" type="email" autocomplete="username" required></div>
<div class="field"><label for="login-password">{t(lang, 'Passwort', 'Password')}</label>
<input id="login-password" type="password" autocomplete="current-password" required></div>
<button type="submit">{t(lang, 'Anmelden', 'Sign in')}</button>
<p id="login-error" class="error" role="alert"></p>
</form>
</section>
<div id="office" data-section="{slug}" hidden>
<nav aria-label="{t(lang, 'Bereiche', 'Sections')}" class="office-nav"><ul>{nav}</ul>
<p class="who"><span id="who"></span> <button type="button" id="logout" class="link">{t(lang, 'Abmelden', 'Sign out')}</button></p></nav>
<h1>{escape(title)}</h1>
<p id="forbidden" class="error" role="alert" hidden>{t(lang, 'Für diesen Bereich fehlt Ihrer Rolle die Berechtigung.', 'Your role may not use this section.')}</p>
<div id="section-body">
{BODIES[slug](lang)}
</div>
</div>
<script src="/static/js/verwaltung.js" defer></script>"""
    head = '<link rel="stylesheet" href="/static/css/verwaltung.css">'
    path = f"/verwaltung/{slug}" if slug else "/verwaltung"
    return page(t(lang, f"Verwaltung – {title}", f"Back office – {title}"), body, lang, head=head,
                lang_switch_path=path, headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex",
                                                "X-Frame-Options": "DENY"})

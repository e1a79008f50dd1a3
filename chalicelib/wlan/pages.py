"""The guest's pages: splash, waiting, online, ended, refused. Small, inline CSS, no JavaScript, no cookies.

Captive-portal mini-browsers are slow, keep nothing between openings and may close early, so every page stands
alone (state travels in the URL or the form) and is a few kilobytes.
"""

from __future__ import annotations

from urllib.parse import urlencode

from chalice import Response

from chalicelib.core import settings
from chalicelib.web.layout import escape

CSS = ("body{margin:0;font:1.05rem/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a;"
       "background:#fbfaf7}header{display:flex;justify-content:space-between;align-items:center;padding:.7rem 1rem;"
       "background:#0b5d3b;color:#fff}header a{color:#fff}.town{font-weight:700;font-size:1.15rem}"
       "main{max-width:36rem;margin:0 auto;padding:1rem}h1{font-size:1.45rem;margin:.4rem 0 .8rem}"
       "button,.button{display:inline-block;font:inherit;font-weight:600;padding:.8rem 1.3rem;border-radius:.4rem;"
       "border:2px solid #0b5d3b;background:#0b5d3b;color:#fff;min-height:48px;text-decoration:none;cursor:pointer}"
       ".terms{font-size:.92rem;color:#333}.small{font-size:.85rem;color:#4a4a4a;word-break:break-all}"
       "footer{max-width:36rem;margin:0 auto;padding:0 1rem 1rem}a{color:#0b5d3b}:focus-visible{outline:3px solid #f2a900;outline-offset:2px}")
BASE_HEADERS = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "X-Robots-Tag": "noindex",
                "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
WIFI4EU_SCRIPT = "https://collection.wifi4eu.ec.europa.eu/wifi4eu.min.js"


def t(lang: str, de: str, en: str) -> str:
    return en if lang == "en" else de


def shell(lang: str, title: str, body: str, *, switch_href: str | None = None, head: str = "", status: int = 200,
          headers: dict[str, str] | None = None) -> Response:
    town = escape(settings.get().town_name)
    switch = ""
    if switch_href:
        other = "en" if lang == "de" else "de"
        switch = f'<a href="{escape(switch_href)}" lang="{other}" hreflang="{other}">{"English" if other == "en" else "Deutsch"}</a>'
    html = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{escape(title)} – {town}</title><style>{CSS}</style>{head}</head><body>"
            f'<header><span class="town">{town}</span>{switch}</header><main id="main">{body}</main>'
            f"{_legal_links(lang)}</body></html>")
    merged = dict(BASE_HEADERS)
    merged["Content-Language"] = lang
    merged.update(headers or {})
    return Response(body=html, status_code=status, headers=merged)


def _legal_links(lang: str) -> str:
    """Impressum and privacy policy, reachable from the portal (its host is inside the walled garden)."""
    q = "?lang=en" if lang == "en" else ""
    return (f'<footer class="small"><a href="/impressum{q}">{t(lang, "Impressum", "Legal notice")}</a> · '
            f'<a href="/datenschutz{q}">{t(lang, "Datenschutz", "Privacy")}</a></footer>')


def _hidden(fields: dict[str, str]) -> str:
    return "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items())


def splash(lang: str, action: str, fields: dict[str, str], switch_href: str, *, wifi4eu_id: str | None = None,
           capport_url: str | None = None) -> Response:
    town = escape(settings.get().town_name)
    head = ""
    if wifi4eu_id:  # WiFi4EU-funded networks must load the EU's measurement snippet on the portal page
        head = (f"<script>var wifi4euTimerStart=Date.now();var wifi4euNetworkIdentifier='{escape(wifi4eu_id)}';"
                f"var wifi4euLanguage='{lang}';</script><script src=\"{WIFI4EU_SCRIPT}\" defer></script>")
    body = f"""<h1>{t(lang, f'Freies WLAN in {town}', f'Free Wi-Fi in {town}')}</h1>
<p>{t(lang, 'Willkommen! Das WLAN ist kostenlos und ohne Anmeldung nutzbar.', 'Welcome! The Wi-Fi is free and needs no registration.')}</p>
<section class="terms" aria-labelledby="terms"><h2 id="terms">{t(lang, 'Nutzungsbedingungen', 'Terms of use')}</h2>
<ul><li>{t(lang, 'Nutzen Sie das WLAN nur im Rahmen der Gesetze; keine Urheberrechtsverletzungen, keine Angriffe auf andere.', 'Use the Wi-Fi lawfully only: no copyright infringement, no attacks on others.')}</li>
<li>{t(lang, 'Die Verbindung ist unverschlüsselt; nutzen Sie verschlüsselte Dienste (https).', 'The connection is not encrypted; use encrypted services (https).')}</li>
<li>{t(lang, 'Wir speichern keine Geräte- oder IP-Adressen, nur pseudonyme Tageszählungen, die nach einem Tag nicht mehr zuzuordnen sind.', 'We keep no device or IP addresses, only pseudonymous daily counts that cannot be linked after one day.')}</li>
<li>{t(lang, 'Es besteht kein Anspruch auf Verfügbarkeit; Zeit und Datenmenge können begrenzt sein.', 'There is no guarantee of availability; time and data may be limited.')}</li></ul></section>
<form method="post" action="{escape(action)}">{_hidden(fields)}
<button type="submit" name="accept" value="1">{t(lang, 'Zustimmen und lossurfen', 'Agree and go online')}</button></form>
{_capport_hint(lang, capport_url)}"""
    return shell(lang, t(lang, "Freies WLAN", "Free Wi-Fi"), body, switch_href=switch_href, head=head)


def _capport_hint(lang: str, capport_url: str | None) -> str:
    if not capport_url:
        return ""
    return (f'<p class="small">{t(lang, "Status-Schnittstelle (RFC 8908)", "Status API (RFC 8908)")}: '
            f'<a href="{escape(capport_url)}" rel="captive-portal">{escape(capport_url)}</a></p>')


def capport_headers(capport_url: str) -> dict[str, str]:
    return {"Link": f'<{capport_url}>; rel="captive-portal"'}


def waiting(lang: str, refresh_url: str, capport_url: str) -> Response:
    body = f"""<h1>{t(lang, 'Einen Moment …', 'One moment …')}</h1>
<p role="status">{t(lang, 'Ihr Zugang wird freigeschaltet. Diese Seite aktualisiert sich von selbst.', 'Your access is being switched on. This page refreshes by itself.')}</p>
<p><a class="button" href="{escape(refresh_url)}">{t(lang, 'Jetzt prüfen', 'Check now')}</a></p>{_capport_hint(lang, capport_url)}"""
    head = f'<meta http-equiv="refresh" content="3;url={escape(refresh_url)}">'
    return shell(lang, t(lang, "Bitte warten", "Please wait"), body, head=head, headers=capport_headers(capport_url))


def online(lang: str, origin: str | None, capport_url: str | None, minutes_left: int | None = None) -> Response:
    go = (f'<p><a class="button" href="{escape(origin)}">{t(lang, "Weiter zu Ihrer Seite", "Continue to your page")}</a></p>'
          if origin else "")
    left = ""
    if minutes_left is not None:
        left = f"<p>{t(lang, f'Noch etwa {minutes_left} Minuten.', f'About {minutes_left} minutes left.')}</p>"
    body = (f"<h1>{t(lang, 'Sie sind online', 'You are online')}</h1>"
            f"<p role=\"status\">{t(lang, 'Viel Spaß in der Innenstadt!', 'Enjoy the town centre!')}</p>{left}{go}"
            f"{_capport_hint(lang, capport_url)}")
    return shell(lang, t(lang, "Online", "Online"), body,
                 headers=capport_headers(capport_url) if capport_url else None)


def ended(lang: str, status: int = 200) -> Response:
    body = (f"<h1>{t(lang, 'Nicht verbunden', 'Not connected')}</h1>"
            f"<p>{t(lang, 'Diese Sitzung ist beendet oder unbekannt. Trennen Sie das WLAN kurz und verbinden Sie sich neu.', 'This session has ended or is unknown. Leave the Wi-Fi for a moment and connect again.')}</p>")
    return shell(lang, t(lang, "Nicht verbunden", "Not connected"), body, status=status)


def refused() -> Response:
    """One page for every refusal: it must not tell a prober what was wrong."""
    return shell("de", "403", "<h1>403</h1><p>Zugriff verweigert. / Access denied.</p>", status=403)


def too_many() -> Response:
    return shell("de", "429", "<h1>429</h1><p>Bitte in einer Minute erneut versuchen. / Please try again in a "
                 "minute.</p>", status=429, headers={"Retry-After": "60"})


def with_query(path: str, params: dict[str, str]) -> str:
    return f"{path}?{urlencode({k: v for k, v in params.items() if v})}"

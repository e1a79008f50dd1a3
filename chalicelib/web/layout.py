"""Server-rendered HTML: one layout, German first with an English switch, no third-party assets."""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.core import settings


def escape(text: str, quote: bool = True) -> str:
    """html.escape, without importing `html` (and its 2,000-entry entity table) at cold start."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if quote:
        text = text.replace('"', "&quot;").replace("'", "&#x27;")
    return text

LANGS = ("de", "en")


def pick_lang(request: Any) -> str:
    params = request.query_params or {}
    if params.get("lang") in LANGS:
        return params["lang"]
    accept = (request.headers.get("accept-language") or "").lower()
    if accept.startswith("en"):
        return "en"
    return "de"


def t(lang: str, de: str, en: str) -> str:
    return en if lang == "en" else de


def euros(cents: int, lang: str = "de") -> str:
    value = f"{cents / 100:,.2f}"
    if lang == "de":
        value = value.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return f"{value} €"


def legal_footer(lang: str) -> str:
    """Impressum, Datenschutz, AGB and Widerrufsbelehrung: linked from the foot of every page."""
    from chalicelib.web import legal

    links = "".join(f'<li><a href="{legal.link(p.slug, lang)}">{legal.title(p.slug, lang)}</a></li>'
                    for p in legal.PAGES)
    label = t(lang, "Rechtliches", "Legal")
    return f'<footer class="legal-links"><nav aria-label="{label}"><ul>{links}</ul></nav></footer>'


def page(title: str, body: str, lang: str, *, head: str = "", lang_switch_path: str | None = None,
         status: int = 200, headers: dict[str, str] | None = None) -> Response:
    town = escape(settings.get().town_name)
    switch = ""
    if lang_switch_path is not None:
        other = "en" if lang == "de" else "de"
        label = "English" if other == "en" else "Deutsch"
        switch = f'<a class="lang" href="{escape(lang_switch_path)}?lang={other}" lang="{other}">{label}</a>'
    html = f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} – {town}</title>
<link rel="icon" href="/favicon.ico" sizes="any">
<link rel="stylesheet" href="/static/css/base.css">
{head}
</head>
<body>
<header class="top"><span class="town">{town}</span>{switch}</header>
<main id="main">
{body}
</main>
{legal_footer(lang)}
</body>
</html>"""
    merged = {"Content-Type": "text/html; charset=utf-8", "Content-Language": lang,
              "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
    merged.update(headers or {})
    return Response(body=html, status_code=status, headers=merged)

"""The legal pages every German shop needs: Impressum, Datenschutzerklärung, AGB, Widerrufsbelehrung.

Texts are per town: `chalicelib/web/legal/<folder>/<page>.<lang>.html`, where the folder is named by
`MARKTPLATZ_LEGAL_TEXTS` (default: the town's name as a slug, e.g. `billerbeck`) and any page a town does not
provide comes from `default/`. The default texts say what Marktplatz actually stores and for how long; the town's
own facts (operator, address, contacts) come from `MARKTPLATZ_LEGAL_*` settings and fill `$placeholders`. A fact
that is not configured is shown marked, so a missing address is seen before launch, not by a court.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from string import Template
from typing import NamedTuple

from chalicelib.core import settings
from chalicelib.web.layout import escape

TEXTS_ROOT = Path(__file__).resolve().parent / "legal"
DEFAULT_FOLDER = "default"


class LegalPage(NamedTuple):
    slug: str
    title_de: str
    title_en: str


PAGES = (
    LegalPage("impressum", "Impressum", "Legal notice"),
    LegalPage("datenschutz", "Datenschutz", "Privacy"),
    LegalPage("agb", "AGB", "Terms"),
    LegalPage("widerruf", "Widerrufsbelehrung", "Right of withdrawal"),
)
BY_SLUG = {p.slug: p for p in PAGES}

# Each fact: its settings name and what stands there when a town has not set it (None: marked as missing).
FACTS: dict[str, tuple[str, str | None, str | None]] = {
    "operator": ("MARKTPLATZ_LEGAL_OPERATOR", "Stadt {town}", "Town of {town}"),
    "address": ("MARKTPLATZ_LEGAL_ADDRESS", None, None),
    "representative": ("MARKTPLATZ_LEGAL_REPRESENTATIVE", "die Bürgermeisterin / den Bürgermeister",
                       "the mayor"),
    "email": ("MARKTPLATZ_LEGAL_EMAIL", "{mail_from}", "{mail_from}"),
    "phone": ("MARKTPLATZ_LEGAL_PHONE", None, None),
    "vat_id": ("MARKTPLATZ_LEGAL_VAT_ID", "keine (Gutscheine sind nicht umsatzsteuerbar)",
               "none (vouchers are not subject to VAT)"),
    "supervisor": ("MARKTPLATZ_LEGAL_SUPERVISOR", None, None),
    "dpo": ("MARKTPLATZ_LEGAL_DPO", None, None),
    "dpa": ("MARKTPLATZ_LEGAL_DPA",
            "Landesbeauftragte für Datenschutz und Informationsfreiheit Nordrhein-Westfalen, Kavalleriestraße 2–4, "
            "40213 Düsseldorf",
            "the data protection authority of North Rhine-Westphalia (LDI NRW), Kavalleriestraße 2–4, "
            "40213 Düsseldorf"),
    "order_retention": ("MARKTPLATZ_LEGAL_ORDER_RETENTION", "zehn Jahren (§ 147 AO, § 257 HGB)",
                        "ten years (§ 147 AO, § 257 HGB)"),
}
# Log groups keep 90 days in prod and 14 elsewhere (infra/stages.py); the text follows the stage it runs on.
LOG_RETENTION_DAYS = {"prod": 90}
LOG_RETENTION_OTHER = 14


def folder_for(town: str, configured: str | None) -> str:
    name = configured or re.sub(r"[^a-z0-9]+", "-", town.lower().replace("ü", "ue").replace("ö", "oe")
                                .replace("ä", "ae").replace("ß", "ss")).strip("-")
    return name if name and (TEXTS_ROOT / name).is_dir() else DEFAULT_FOLDER


@cache
def _template(folder: str, slug: str, lang: str) -> Template:
    path = TEXTS_ROOT / folder / f"{slug}.{lang}.html"
    if not path.is_file():
        path = TEXTS_ROOT / DEFAULT_FOLDER / f"{slug}.{lang}.html"
    return Template(path.read_text(encoding="utf-8"))


def facts(lang: str) -> dict[str, str]:
    s = settings.get()
    values = {}
    for name, (env, de, en) in FACTS.items():
        given = s.env(env)
        default = en if lang == "en" else de
        if given:
            values[name] = escape(given)
        elif default is not None:
            values[name] = escape(default.format(town=s.town_name, mail_from=s.mail_from))
        else:
            label = "bitte eintragen" if lang == "de" else "to be configured"
            values[name] = f'<mark class="missing">[{label}: {env}]</mark>'
    days = LOG_RETENTION_DAYS.get(s.stage, LOG_RETENTION_OTHER)
    values["log_retention"] = f"{days} days" if lang == "en" else f"{days} Tagen"
    values["town"] = escape(s.town_name)
    values["aws_region"] = escape(s.aws_region)
    return values


def legal_html(slug: str, lang: str) -> str:
    """The page's HTML body in the given language, with the town's facts filled in."""
    s = settings.get()
    folder = folder_for(s.town_name, s.env("MARKTPLATZ_LEGAL_TEXTS"))
    html = _template(folder, slug, lang).safe_substitute(facts(lang))
    if lang == "en":  # links inside the texts lead to the English pages
        html = re.sub(r'href="/(impressum|datenschutz|agb|widerruf)"', r'href="/\1?lang=en"', html)
    return html


def link(slug: str, lang: str) -> str:
    return f"/{slug}" + ("?lang=en" if lang == "en" else "")


def title(slug: str, lang: str) -> str:
    page = BY_SLUG[slug]
    return page.title_en if lang == "en" else page.title_de

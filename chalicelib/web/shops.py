"""The participating shops, grouped by zone, as an HTML section (voucher page) and as data (shop page)."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from chalicelib.core import cache
from chalicelib.web.layout import escape, t

TTL_SECONDS = 60.0  # a shop joining shows within a minute; every voucher page view stays free of a table scan
_directory = cache.ttl("participating_shops", seconds=TTL_SECONDS, maxsize=1)


def _shops_and_zones() -> tuple[list[dict[str, Any]], dict[str, str]]:
    from chalicelib.vouchers import retailers

    found = _directory.get("all")
    if found is None:
        found = ([retailers.retailer_public(r) for r in retailers.list_retailers(active_only=True)], zone_names())
        _directory.put("all", found)
    return found


def participating_shops() -> list[dict[str, Any]]:
    return _shops_and_zones()[0]


def zone_names() -> dict[str, str]:
    """The zones' own names from the footfall domain ("Münsterstraße"), where the city has set them up."""
    from chalicelib.footfall.zones import list_zones

    return {z.zone_id: z.name for z in list_zones()}


def zone_label(zone: str) -> str:
    """Zone ids are slugs ("markt", "muenster-strasse"); show them as words."""
    words = zone.replace("_", " ").replace("-", " ").replace("strasse", "straße").split()
    return " ".join(w[:1].upper() + w[1:] for w in words)


def shops_section(lang: str) -> str:
    shops, zones = _shops_and_zones()
    heading = t(lang, "Hier können Sie einlösen", "Where to spend it")
    if not shops:
        return (f'<section class="shops" aria-labelledby="shops-h"><h2 id="shops-h">{heading}</h2>'
                f'<p>{t(lang, "Die Liste der Geschäfte folgt in Kürze.", "The list of shops follows soon.")}</p></section>')
    groups = []
    for zone, members in groupby(shops, key=lambda s: s["zone"]):
        items = "".join(f'<li><strong>{escape(s["name"])}</strong><br><span>{escape(s["address"])}</span></li>'
                        for s in members)
        name = zones.get(zone) or zone_label(zone)
        groups.append(f'<h3>{escape(name)}</h3><ul>{items}</ul>')
    return (f'<section class="shops" id="shops" aria-labelledby="shops-h"><h2 id="shops-h">{heading}</h2>'
            f'{"".join(groups)}</section>')

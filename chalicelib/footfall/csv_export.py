"""The stats as Excel CSV with German headers (written by core/excel_csv.py). Pure: no AWS."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.core.excel_csv import decimal, document, euros, whole

WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
FOOTFALL_HEADERS = ["Zone", "Beginn", "Datum", "Uhrzeit", "Wochentag", "Fußgänger insgesamt",
                    "Fußgänger Richtung 1", "Fußgänger Richtung 2", "Erwachsene", "Kinder", "Stunden mit Daten",
                    "Vorwoche (7 Tage früher)", "Vorjahr (364 Tage früher)", "WLAN-Sitzungen", "WLAN-Geräte",
                    "Gutschein-Einlösungen", "Eingelöst (€)"]


def _at(series: dict[str, Any] | None, name: str, i: int) -> Any:
    return series[name][i] if series else None


def footfall_csv(stats: dict[str, Any]) -> str:
    rows: list[list[str]] = [FOOTFALL_HEADERS]
    for zone in stats["zones"]:
        current = zone["footfall"]
        for i, label in enumerate(stats["buckets"]):
            start = datetime.fromisoformat(label)
            rows.append([
                zone["name"], label, start.strftime("%d.%m.%Y"), start.strftime("%H:%M"), WEEKDAYS[start.weekday()],
                whole(current["count"][i]), whole(current["ltr_count"][i]), whole(current["rtl_count"][i]),
                whole(current["adult_count"][i]), whole(current["child_count"][i]), whole(current["hours"][i]),
                whole(_at(zone["week_before"], "count", i)), whole(_at(zone["year_before"], "count", i)),
                whole(_at(zone["wlan"], "sessions", i)), whole(_at(zone["wlan"], "devices", i)),
                whole(zone["vouchers"]["redemptions"][i]), euros(zone["vouchers"]["redeemed_cents"][i]),
            ])
    return document(rows)


def heatmap_csv(stats: dict[str, Any]) -> str:
    rows: list[list[str]] = [["Zone", "Wochentag", *[f"{h} Uhr" for h in range(24)]]]
    for zone in stats["zones"]:
        for day, values in enumerate(zone["values"]):
            rows.append([zone["name"], WEEKDAYS[day], *[decimal(v, 1) for v in values]])
    return document(rows)

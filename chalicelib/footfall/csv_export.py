"""The stats as Excel CSV with German headers (written by core/excel_csv.py). Pure: no AWS."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.core.excel_csv import decimal, document, euros, whole

WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
FOOTFALL_HEADERS = ["Zone", "Beginn", "Datum", "Uhrzeit", "Wochentag", "Fußgänger insgesamt",
                    "Fußgänger Richtung 1", "Fußgänger Richtung 2", "Erwachsene", "Kinder", "Stunden mit Daten",
                    "Vorwoche (7 Tage früher)", "Vorjahr (364 Tage früher)", "WLAN-Sitzungen", "WLAN-Geräte",
                    "Gutschein-Einlösungen", "Eingelöst (€)", "Stunden im Zeitabschnitt", "Vollständig"]


def _at(series: dict[str, Any] | None, name: str, i: int) -> Any:
    return series[name][i] if series else None


def bucket_hours(stats: dict[str, Any]) -> list[int]:
    """Hours each bucket spans (23 or 25 on the clock-change days), from its start to the next one's."""
    edges = [datetime.fromisoformat(b) for b in stats["buckets"]] + [datetime.fromisoformat(stats["to"])]
    return [round((b - a).total_seconds() / 3600) for a, b in zip(edges, edges[1:], strict=False)]


def footfall_csv(stats: dict[str, Any]) -> str:
    """One row per zone and bucket; a bucket whose hours are not all measured says "nein" under "Vollständig", so
    a partial week or day is not read as a collapse."""
    rows: list[list[str]] = [FOOTFALL_HEADERS]
    spans = bucket_hours(stats)
    for zone in stats["zones"]:
        current = zone["footfall"]
        for i, label in enumerate(stats["buckets"]):
            start = datetime.fromisoformat(label)
            complete = current["hours"][i] >= spans[i]
            rows.append([
                zone["name"], label, start.strftime("%d.%m.%Y"), start.strftime("%H:%M"), WEEKDAYS[start.weekday()],
                whole(current["count"][i]), whole(current["ltr_count"][i]), whole(current["rtl_count"][i]),
                whole(current["adult_count"][i]), whole(current["child_count"][i]), whole(current["hours"][i]),
                whole(_at(zone["week_before"], "count", i)), whole(_at(zone["year_before"], "count", i)),
                whole(_at(zone["wlan"], "sessions", i)), whole(_at(zone["wlan"], "devices", i)),
                whole(zone["vouchers"]["redemptions"][i]), euros(zone["vouchers"]["redeemed_cents"][i]),
                whole(spans[i]), "ja" if complete else "nein",
            ])
    return document(rows)


def heatmap_csv(stats: dict[str, Any]) -> str:
    rows: list[list[str]] = [["Zone", "Wochentag", *[f"{h} Uhr" for h in range(24)]]]
    for zone in stats["zones"]:
        for day, values in enumerate(zone["values"]):
            rows.append([zone["name"], WEEKDAYS[day], *[decimal(v, 1) for v in values]])
    return document(rows)

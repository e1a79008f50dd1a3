"""footfall_stats and heatmap: what the marketing dashboard asks, each zone's counts read with one Query."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.core.clock import berlin
from chalicelib.footfall import rollups, sources
from chalicelib.footfall.events import event_view, events_between
from chalicelib.footfall.timeseries import (
    FIELDS,
    WEEK_DAYS,
    YEAR_DAYS,
    Buckets,
    HourSeries,
    buckets,
    change_percent,
    heatmap,
    local_midnight,
    series,
    shifted_window,
    suppress,
    total,
)
from chalicelib.footfall.zones import require_zones

WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def _shifted_labels(b: Buckets, days: int) -> list[str | None]:
    labels: list[str | None] = []
    for i, start in enumerate(b.starts):
        if b.resolution == "hour":
            window = shifted_window(b, i, days)
            labels.append(window[0].astimezone(berlin()).isoformat() if window else None)
        else:
            labels.append(local_midnight(start.date() - timedelta(days=days)).isoformat())
    return labels


def _comparison(hours: HourSeries, b: Buckets, current: dict[str, list], days: int) -> dict[str, Any] | None:
    earlier = series(hours, b, days)
    if not any(earlier["hours"]):
        return None  # no data that far back: say so rather than show a flat zero line
    out: dict[str, Any] = {"shift_days": days, "buckets": _shifted_labels(b, days)}
    out.update(earlier)
    out["total"] = total(earlier["count"])
    out["change_percent"] = change_percent(current["count"], earlier["count"])
    return out


def _wlan(zone: str, b: Buckets) -> dict[str, Any] | None:
    hours = sources.wlan_hours(zone, b.start, b.end)
    if hours is None:
        return None
    n = len(b.starts)
    sessions: list[int | None] = [None] * n
    devices: list[int | None] = [None] * n
    dwell: list[int] = [0] * n
    for h in hours:
        i = b.index(h.hour)
        if i is None:
            continue
        sessions[i] = (sessions[i] or 0) + h.sessions
        devices[i] = (devices[i] or 0) + h.devices
        dwell[i] += h.dwell_minutes
    shown_sessions = [suppress(s) for s in sessions]
    return {
        "sessions": shown_sessions,
        "devices": [suppress(d) for d in devices],
        "avg_dwell_minutes": [round(dwell[i] / sessions[i], 1) if shown_sessions[i] and sessions[i] else None
                              for i in range(n)],
        "suppressed_below": 10,
        "note": "Values of 1-9 are suppressed (null). Devices are distinct per hour, summed over the bucket's hours.",
    }


def _vouchers(zone: str, b: Buckets) -> dict[str, Any]:
    n = len(b.starts)
    counts, cents = [0] * n, [0] * n
    for r in sources.redemptions(zone, b.start, b.end, b.resolution):
        i = b.index(r.hour)
        if i is None:
            continue
        counts[i] += r.redemptions  # a reversal undoes one redemption, in the hour it happens
        cents[i] += r.cents
    return {"redemptions": counts, "redeemed_cents": cents, "redeemed_euros": [c / 100 for c in cents],
            "total_redemptions": sum(counts), "total_cents": sum(cents), "total_euros": sum(cents) / 100}


def footfall_stats(zone_ids: list[str], start: datetime, end: datetime, resolution: str) -> dict[str, Any]:
    known = require_zones(zone_ids)
    b = buckets(start, end, resolution)
    # One Query per zone covers the range and both comparisons (a day of margin for the shifted edges).
    since = b.start - timedelta(days=YEAR_DAYS + 1)
    zones_out = []
    events: dict[str, Any] = {}
    for zone_id in zone_ids:
        hours = HourSeries(rollups.read_hours(zone_id, since, b.end))
        current = series(hours, b)
        zones_out.append({
            "zone": zone_id,
            "name": known[zone_id].name,
            "footfall": current,
            "totals": {**{name: total(current[name]) for name in FIELDS}, "hours_with_data": sum(current["hours"])},
            "week_before": _comparison(hours, b, current, WEEK_DAYS),
            "year_before": _comparison(hours, b, current, YEAR_DAYS),
            "wlan": _wlan(zone_id, b),
            "vouchers": _vouchers(zone_id, b),
        })
        for event in events_between(zone_id, b.start, b.end):
            events.setdefault(event.event_id, event_view(event))
    return {
        "resolution": resolution,
        "timezone": "Europe/Berlin",
        "from": b.starts[0].isoformat(),
        "to": b.end.astimezone(berlin()).isoformat(),
        "buckets": [s.isoformat() for s in b.starts],
        "zones": zones_out,
        "events": sorted(events.values(), key=lambda e: (e["starts_at"], e["event_id"])),
    }


def heatmap_stats(zone_ids: list[str], start: datetime, end: datetime) -> dict[str, Any]:
    known = require_zones(zone_ids)
    b = buckets(start, end, "day")  # whole Berlin days
    out = []
    for zone_id in zone_ids:
        hours = HourSeries(rollups.read_hours(zone_id, b.start, b.end))
        values, samples = heatmap(hours, b.start, b.end)
        out.append({"zone": zone_id, "name": known[zone_id].name, "values": values, "samples": samples})
    return {"timezone": "Europe/Berlin", "from": b.starts[0].isoformat(), "to": b.end.astimezone(berlin()).isoformat(),
            "weekdays": list(WEEKDAYS), "hours": list(range(24)), "zones": out}

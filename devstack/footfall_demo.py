"""Demo footfall for `make run`: the demo zones, a sensor each, realistic hourly counts (same numbers for the same
dates on every run) - the last month for each zone and, for the market square, the same weeks a year earlier, so
the dashboard's "Vorjahr" comparison has something to compare with - a Sunday shopping event, and a marketing token.

Not the whole year in between: every stats query reads the zone's day items from a year before its range, and the
local DynamoDB stand-in answers ~400 day items in seconds (real DynamoDB in one page), which would make the demo
dashboard slow for nothing it shows by default."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.core import clock
from chalicelib.core.auth import Principal
from chalicelib.footfall import events, marketing, rollups, zones
from chalicelib.footfall.readings import Reading

DEMO_ZONES = [("markt", "Markt", 51.97735, 7.29390, 1.0, "Kirche", "Rathaus"),
              ("muensterstrasse", "Münsterstraße", 51.97870, 7.29170, 0.7, "Markt", "Bahnhof")]
# Share of a day's walkers per Berlin hour: quiet nights, a late-morning peak, a second one after lunch.
HOUR_PROFILE = [0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.8, 2.0, 3.5, 5.5, 8.0, 9.5, 9.5, 8.5, 8.0, 8.5, 8.5, 7.5, 5.5,
                3.5, 2.5, 2.0, 1.2, 0.6]
WEEKDAY_FACTOR = [0.85, 0.9, 1.05, 0.9, 1.0, 1.35, 0.3]  # Wednesday and Saturday are market days
DAILY_WALKERS = 4200
DAYS = 30
HISTORY_ZONE = "markt"  # the zone with a year-before comparison: the month shown, 364 days (52 weeks) earlier
YEAR_DAYS = 364
MARGIN_DAYS = 7  # a week around it, so a week or month view of the last month still finds its comparison


def _count(zone: str, scale: float, local: datetime, shopping_sunday: bool) -> int:
    rng = random.Random(f"{zone}|{local.isoformat()}")  # deterministic per zone and hour
    factor = WEEKDAY_FACTOR[local.weekday()]
    if shopping_sunday and 13 <= local.hour < 18:
        factor = 1.2 * WEEKDAY_FACTOR[5]  # a verkaufsoffener Sonntag draws more than a Saturday
    share = HOUR_PROFILE[local.hour] / 100
    return max(0, round(DAILY_WALKERS * scale * factor * share * rng.uniform(0.85, 1.15)))


def seed_footfall(now: datetime | None = None) -> dict[str, Any]:
    now = (now or clock.now()).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    start = now - timedelta(days=DAYS)
    year_before = (now - timedelta(days=YEAR_DAYS + DAYS + MARGIN_DAYS), now - timedelta(days=YEAR_DAYS - MARGIN_DAYS))
    local_today = now.astimezone(clock.BERLIN).date()
    sunday = local_today - timedelta(days=(local_today.weekday() + 1) % 7 + 7)  # the Sunday before last
    out: dict[str, Any] = {"zones": [], "sensors": []}
    for zone_id, name, lat, lon, scale, ltr, rtl in DEMO_ZONES:
        zones.ensure_zone(zone_id, name, lat, lon)
        sensor, key = zones.register_sensor(f"Laser {name}", zone_id, "laser", ltr, rtl)
        windows = [(start, now)]
        if zone_id == HISTORY_ZONE:
            windows.insert(0, year_before)
        readings = []
        for first, last in windows:
            hour = first
            while hour < last:
                local = hour.astimezone(clock.BERLIN)
                count = _count(zone_id, scale, local, local.date() == sunday)
                ltr_share = random.Random(f"{zone_id}|{hour.isoformat()}|ltr").uniform(0.4, 0.6)
                children = round(count * 0.06)
                readings.append(Reading(hour, 60, count, round(count * ltr_share), count - round(count * ltr_share),
                                        count - children, children))
                hour += timedelta(hours=1)
        rollups.load_fresh(zone_id, sensor.sensor_id, readings)  # a fresh table: no hour holds data yet
        out["zones"].append(zone_id)
        out["sensors"].append({"zone": zone_id, "sensor_id": sensor.sensor_id, "ingest_key": key})
    starts = datetime(sunday.year, sunday.month, sunday.day, 13, tzinfo=clock.BERLIN)
    event = events.record_event("Verkaufsoffener Sonntag", starts, starts + timedelta(hours=5), out["zones"],
                                Principal(role="admin", subject_id="demo"))
    _, token = marketing.create_marketing_user("Stadtmarketing (Demo)")
    out.update({"event": events.event_view(event), "marketing_token": token,
                "from": start.astimezone(clock.BERLIN).date().isoformat(), "to": local_today.isoformat()})
    return out


def banner_lines(demo: dict[str, Any] | None) -> list[str]:
    footfall = (demo or {}).get("footfall")
    if not footfall:
        return []
    query = f"zone=markt,muensterstrasse&from={footfall['from']}&to={footfall['to']}&resolution=day"
    return [f"  Marketing token:   {footfall['marketing_token']}",
            f"  Footfall stats:    /api/v1/stats/footfall?{query}  (Bearer marketing token; &format=csv)",
            *[f"  Sensor {s['zone']:<16} key={s['ingest_key']}" for s in footfall["sensors"]]]

"""Stats by hand on a small fixture: weekday-aligned comparisons, events, WLAN (with and without the captive
portal), voucher redemptions, suppression, heatmap, and the CSV exports read back with the csv module."""

from __future__ import annotations

import csv
import io
import sys
import types
from typing import Any

import pytest
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.store.base import BaseModel, table_meta
from tests.conftest import ADMIN_TOKEN
from tests.footfall.conftest import Footfall, utc

SAT, SUN = "2026-11-21", "2026-11-22"


def hourly(when: Any, count: int, **extra: int) -> dict[str, Any]:
    return {"timestamp": when.isoformat(), "interval_minutes": 60, "count": count, **extra}


@pytest.fixture
def fixture_zone(ff: Footfall) -> str:
    zone = ff.zone(name="Markt")
    key = ff.sensor(zone)["ingest_key"]
    ff.ingest(key, [
        hourly(utc(2026, 11, 21, 9), 100, ltr_count=60, rtl_count=40),  # Sat 10:00 CET
        hourly(utc(2026, 11, 21, 14), 50, ltr_count=20, rtl_count=30),  # Sat 15:00
        hourly(utc(2026, 11, 22, 11), 300, ltr_count=100, rtl_count=200),  # Sun 12:00, shopping Sunday
        hourly(utc(2026, 11, 14, 9), 80),  # one week earlier, Saturday; that Sunday has no data
        hourly(utc(2025, 11, 22, 10), 120),  # 364 days earlier: Saturday 22 Nov 2025
        hourly(utc(2025, 11, 23, 12), 200),  # and Sunday 23 Nov 2025
        hourly(utc(2025, 11, 21, 10), 999),  # 365 days earlier is a Friday: must not count
    ])
    return zone


def test_series_with_weekday_aligned_comparisons_by_hand(ff: Footfall, fixture_zone: str) -> None:
    stats = ff.stats(fixture_zone, SAT, SUN)
    assert stats["buckets"] == ["2026-11-21T00:00:00+01:00", "2026-11-22T00:00:00+01:00"]
    assert (stats["from"], stats["to"]) == ("2026-11-21T00:00:00+01:00", "2026-11-23T00:00:00+01:00")
    zone = stats["zones"][0]
    assert zone["name"] == "Markt"
    assert zone["footfall"]["count"] == [150, 300]
    assert zone["footfall"]["ltr_count"] == [80, 100] and zone["footfall"]["rtl_count"] == [70, 200]
    assert zone["footfall"]["adult_count"] == [None, None]
    assert zone["totals"]["count"] == 450 and zone["totals"]["hours_with_data"] == 3
    week = zone["week_before"]
    assert week["buckets"] == ["2026-11-14T00:00:00+01:00", "2026-11-15T00:00:00+01:00"]
    assert week["count"] == [80, None] and week["total"] == 80
    assert week["change_percent"] == 87.5  # (150 - 80) / 80, the Sunday has nothing to compare with
    year = zone["year_before"]
    assert year["buckets"] == ["2025-11-22T00:00:00+01:00", "2025-11-23T00:00:00+01:00"]
    assert year["count"] == [120, 200] and year["total"] == 320
    assert year["change_percent"] == round((450 - 320) * 100 / 320, 1)


def test_hour_resolution_and_missing_comparisons_are_null(ff: Footfall, fixture_zone: str) -> None:
    stats = ff.stats(fixture_zone, "2026-11-21T09:00:00+01:00", "2026-11-21T11:00:00+01:00", "hour")
    zone = stats["zones"][0]
    assert zone["footfall"]["count"] == [None, 100]
    assert zone["week_before"]["count"] == [None, 80]
    assert zone["year_before"] is None  # 22 Nov 2025 had data at 11:00 CET only, outside these hours
    later = ff.stats(fixture_zone, "2026-11-21T11:00:00+01:00", "2026-11-21T12:00:00+01:00", "hour")
    assert later["zones"][0]["year_before"]["count"] == [120]


def test_events_are_annotations_in_range_of_their_zones(ff: Footfall, fixture_zone: str) -> None:
    other = ff.zone()
    token = ff.marketing()
    event = ff.api.json("POST", "/api/v1/events", {"name": "Verkaufsoffener Sonntag",
                                                    "starts_at": "2026-11-22T11:00:00+01:00",
                                                    "ends_at": "2026-11-22T18:00:00+01:00",
                                                    "zones": [fixture_zone, other]}, token, expect=201)
    ff.api.json("POST", "/api/v1/events", {"name": "Baustelle", "starts_at": "2026-11-22T08:00:00+01:00",
                                           "ends_at": "2026-11-23T08:00:00+01:00", "zones": [other]},
                ADMIN_TOKEN, expect=201)
    ff.api.json("POST", "/api/v1/events", {"name": "Früher", "starts_at": "2026-10-01T08:00:00+02:00",
                                           "ends_at": "2026-10-01T18:00:00+02:00", "zones": [fixture_zone]},
                ADMIN_TOKEN, expect=201)
    events = ff.stats(fixture_zone, SAT, SUN)["events"]
    assert [(e["name"], e["starts_at"], e["ends_at"]) for e in events] == [
        ("Verkaufsoffener Sonntag", "2026-11-22T11:00:00+01:00", "2026-11-22T18:00:00+01:00")]
    assert events[0]["event_id"] == event["event_id"] and sorted(events[0]["zones"]) == sorted([fixture_zone, other])
    listed = ff.api.json("GET", f"/api/v1/events?zone={other}&from={SAT}&to={SUN}", token=token, expect=200)
    assert [e["name"] for e in listed["events"]] == ["Baustelle", "Verkaufsoffener Sonntag"]
    bad = ff.api.json("POST", "/api/v1/events", {"name": "x", "starts_at": "2026-11-22T11:00:00+01:00",
                                                  "ends_at": "2026-11-22T10:00:00+01:00", "zones": [other]},
                      token, expect=400)
    assert bad["error"]["field"] == "ends_at"
    unknown = ff.api.json("POST", "/api/v1/events", {"name": "x", "starts_at": "2026-11-22T11:00:00+01:00",
                                                      "ends_at": "2026-11-22T12:00:00+01:00", "zones": ["nowhere"]},
                          token, expect=422)
    assert unknown["error"]["code"] == "unknown_zone"


class _WlanHourlyCount(BaseModel):
    """Test stand-in with the captive portal's documented shape (the real model lives in chalicelib/wlan)."""

    Meta = table_meta("wlan-hourly-standin")
    zone = UnicodeAttribute(hash_key=True)
    hour = UnicodeAttribute(range_key=True)
    sessions = NumberAttribute()
    devices = NumberAttribute()
    dwell_minutes = NumberAttribute()


def test_wlan_figures_suppressed_below_ten_when_the_portal_is_present(ff: Footfall, fixture_zone: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    if not _WlanHourlyCount.exists():
        _WlanHourlyCount.create_table(wait=True)
    for hour, sessions, devices, dwell in (("2026-11-21T09:00Z", 25, 12, 500), ("2026-11-21T14:00Z", 3, 2, 30),
                                           ("2026-11-22T11:00Z", 5, 4, 50)):
        _WlanHourlyCount(fixture_zone, hour, sessions=sessions, devices=devices, dwell_minutes=dwell).save()
    module = types.ModuleType("chalicelib.wlan.models")
    module.WlanHourlyCount = _WlanHourlyCount  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "chalicelib.wlan.models", module)
    wlan = ff.stats(fixture_zone, SAT, SUN)["zones"][0]["wlan"]
    assert wlan["sessions"] == [28, None]  # Sunday's 5 sessions are suppressed
    assert wlan["devices"] == [14, None]
    assert wlan["avg_dwell_minutes"] == [round(530 / 28, 1), None]
    hours = ff.stats(fixture_zone, "2026-11-21T10:00:00+01:00", "2026-11-21T16:00:00+01:00", "hour")
    assert hours["zones"][0]["wlan"]["sessions"] == [25, None, None, None, None, None]  # 3 at 15:00 suppressed
    assert hours["zones"][0]["wlan"]["devices"] == [12, None, None, None, None, None]


def test_without_the_captive_portal_wlan_is_null(ff: Footfall, fixture_zone: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "chalicelib.wlan.models", None)  # importing it raises ImportError
    zone = ff.stats(fixture_zone, SAT, SUN)["zones"][0]
    assert zone["wlan"] is None and zone["footfall"]["count"] == [150, 300]


def test_voucher_redemptions_per_zone_and_bucket(ff: Footfall) -> None:
    api = ff.api
    zone = ff.zone()
    shop = api.retailer(zone=zone)
    elsewhere = api.retailer(zone=ff.zone())
    voucher = api.vouchers(5000)[0]
    assert api.redeem(shop["api_key"], voucher["token"], 1250).status_code == 201
    second = api.redeem(shop["api_key"], voucher["token"], 750)
    redemption_id = __import__("json").loads(second.body)["redemption_id"]
    api.json("POST", f"/api/v1/redemptions/{redemption_id}/reversal", token=shop["api_key"], expect=201)
    assert api.redeem(elsewhere["api_key"], voucher["token"], 100).status_code == 201
    from chalicelib.core import clock

    today = clock.now().astimezone(clock.BERLIN).date().isoformat()
    vouchers = ff.stats(zone, today, today)["zones"][0]["vouchers"]
    assert vouchers["redemptions"] == [1] and vouchers["redeemed_cents"] == [1250]
    assert vouchers["redeemed_euros"] == [12.5] and vouchers["total_euros"] == 12.5
    # Hour resolution reads the zone-hour totals, day and longer the zone-day totals: the same money either way.
    hours = ff.stats(zone, today, today, "hour")["zones"][0]["vouchers"]
    assert (hours["total_redemptions"], hours["total_cents"]) == (1, 1250)
    assert len(hours["redemptions"]) >= 23 and sum(1 for c in hours["redeemed_cents"] if c) in (1, 2)
    month = ff.stats(zone, today, today, "month")["zones"][0]["vouchers"]
    assert (month["total_redemptions"], month["total_cents"]) == (1, 1250)


def _csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_csv_export_semicolon_decimal_comma_bom_german_headers(ff: Footfall, fixture_zone: str) -> None:
    shop = ff.api.retailer(zone=fixture_zone)
    voucher = ff.api.vouchers(5000)[0]
    ff.api.redeem(shop["api_key"], voucher["token"], 1999)
    from chalicelib.core import clock

    today = clock.now().astimezone(clock.BERLIN).date().isoformat()
    response = ff.api.call("GET", f"/api/v1/stats/footfall?zone={fixture_zone}&from={SAT}&to={SUN}&format=csv",
                           token=ADMIN_TOKEN)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = _csv_rows(response.body)
    header = rows[0]
    assert header[:6] == ["Zone", "Beginn", "Datum", "Uhrzeit", "Wochentag", "Fußgänger insgesamt"]
    record = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert [(r["Datum"], r["Wochentag"], r["Fußgänger insgesamt"]) for r in record] == [
        ("21.11.2026", "Samstag", "150"), ("22.11.2026", "Sonntag", "300")]
    assert [r["Vorwoche (7 Tage früher)"] for r in record] == ["80", ""]  # a gap is an empty cell, not 0
    assert [r["Vorjahr (364 Tage früher)"] for r in record] == ["120", "200"]
    money = ff.api.call("GET", f"/api/v1/stats/footfall?zone={fixture_zone}&from={today}&to={today}&format=csv",
                        token=ADMIN_TOKEN)
    row = dict(zip(_csv_rows(money.body)[0], _csv_rows(money.body)[1], strict=True))
    assert row["Eingelöst (€)"] == "19,99" and row["Gutschein-Einlösungen"] == "1"


def test_heatmap_weekday_by_hour_json_and_csv(ff: Footfall, fixture_zone: str) -> None:
    key = ff.sensor(fixture_zone, "Zweiter Sensor")["ingest_key"]
    ff.ingest(key, [hourly(utc(2026, 11, 14, 9), 40)])  # a second Saturday 10:00 sample: 80 + 40 in that hour
    heat = ff.api.json("GET", f"/api/v1/stats/heatmap?zone={fixture_zone}&from=2026-11-09&to={SUN}",
                       token=ADMIN_TOKEN, expect=200)
    values, samples = heat["zones"][0]["values"], heat["zones"][0]["samples"]
    assert heat["weekdays"][5] == "Samstag" and len(values) == 7 and len(values[0]) == 24
    assert values[5][10] == (120 + 100) / 2 and samples[5][10] == 2
    assert values[5][15] == 50 and values[6][12] == 300 and values[0][10] is None
    response = ff.api.call("GET", f"/api/v1/stats/heatmap?zone={fixture_zone}&from=2026-11-09&to={SUN}"
                                  "&format=csv", token=ADMIN_TOKEN)
    rows = _csv_rows(response.body)
    assert rows[0][:3] == ["Zone", "Wochentag", "0 Uhr"] and len(rows) == 8
    saturday = rows[6]
    assert saturday[1] == "Samstag" and saturday[2 + 10] == "110,0" and saturday[2 + 9] == ""


def test_stats_parameters_are_checked(ff: Footfall, fixture_zone: str) -> None:
    api = ff.api
    assert api.json("GET", "/api/v1/stats/footfall", token=ADMIN_TOKEN, expect=400)["error"]["field"] == "zone"
    assert api.json("GET", "/api/v1/stats/footfall?zone=nowhere", token=ADMIN_TOKEN,
                    expect=422)["error"]["code"] == "unknown_zone"
    for query in ("resolution=minute", "from=yesterday", "from=2026-11-22&to=2026-11-01", "format=xlsx",
                  "from=2020-01-01&to=2026-01-01&resolution=hour"):
        answer = api.json("GET", f"/api/v1/stats/footfall?zone={fixture_zone}&{query}", token=ADMIN_TOKEN,
                          expect=400)
        assert answer["error"]["code"] in ("invalid_request", "invalid_range"), query
    two = ff.zone()
    both = api.json("GET", f"/api/v1/stats/footfall?zone={fixture_zone},{two}&from={SAT}&to={SUN}",
                    token=ADMIN_TOKEN, expect=200)
    assert [z["footfall"]["count"] for z in both["zones"]] == [[150, 300], [None, None]]

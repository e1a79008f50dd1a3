"""The marketing dashboard in real Chromium against the footfall stats API (issue 5) on the local stack."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.conftest import ADMIN_TOKEN
from tests.web.browser_checks import TABLET, assert_accessible, assert_no_external_requests, screenshots

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("stack")]

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
BERLIN = ZoneInfo("Europe/Berlin")
GAP_DAY = 10  # days before yesterday: a sensor outage, which must stay a gap


def _post(base: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    r = requests.post(f"{base}{path}", json=body, headers=headers, timeout=180)  # a month of hours: ~780 calls
    assert r.status_code in (200, 201), (path, r.status_code, r.text)
    return r.json()


def _hourly_count(day: int, hour: int) -> int:
    return 0 if hour < 6 else 40 + (hour * 7 + day * 13) % 90


@pytest.fixture(scope="module")
def footfall_month(web: Any) -> dict[str, Any]:
    """A zone with a month of hourly counts (one day missing), an event, and a marketing user."""
    base = web.app_url
    zone = _post(base, "/api/v1/zones", {"name": "Marktplatz Süd", "zone_id": "markt-sued"}, ADMIN)
    zone_id = zone.get("zone_id", "markt-sued")
    sensor = _post(base, "/api/v1/sensors", {"name": "Laser Süd", "zone": zone_id, "kind": "laser",
                                             "ltr_label": "zum Dom", "rtl_label": "zum Bahnhof"}, ADMIN)
    yesterday = datetime.now(BERLIN).date() - timedelta(days=1)
    first = yesterday - timedelta(days=29)
    records = []
    for d in range(30):
        day = first + timedelta(days=d)
        if (yesterday - day).days == GAP_DAY:
            continue
        for hour in range(24):
            start = datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)
            records.append({"timestamp": start.isoformat(), "interval_minutes": 60, "count": _hourly_count(d, hour)})
    answer = _post(base, "/api/v1/footfall/measurements", {"records": records},
                   {"Authorization": f"Bearer {sensor['ingest_key']}"})
    assert answer.get("accepted", len(records)) in (len(records), answer.get("accepted"))
    market_day = first + timedelta(days=20)
    _post(base, "/api/v1/events", {"name": "Wochenmarkt",
                                   "starts_at": datetime(market_day.year, market_day.month, market_day.day, 8,
                                                         tzinfo=BERLIN).isoformat(),
                                   "ends_at": datetime(market_day.year, market_day.month, market_day.day, 13,
                                                       tzinfo=BERLIN).isoformat(),
                                   "zones": [zone_id]}, ADMIN)
    user = _post(base, "/api/v1/marketing-users", {"name": "Stadtmarketing"}, ADMIN)
    return {"zone": zone_id, "token": user["token"], "from": first.isoformat(), "to": yesterday.isoformat(),
            "records": records}


def _stats(base: str, token: str, path: str, **params: str) -> requests.Response:
    r = requests.get(f"{base}{path}", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text
    return r


def test_dashboard_month_resolution_switch_and_csv(page: Any, web: Any, footfall_month: dict[str, Any],
                                                    tmp_path: Any) -> None:
    base, token, zone = web.app_url, footfall_month["token"], footfall_month["zone"]
    page.goto("/dashboard")
    page.wait_for_selector("#login:not([hidden])")
    screenshots(page, "dashboard-login")
    page.fill("#token", "mpm_not-a-token")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#login-error:has-text('nicht angenommen')")
    page.fill("#token", token)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#board:not([hidden])")

    for box in page.locator("#zones input[type=checkbox]").all():
        box.set_checked(box.get_attribute("value") == zone)
    page.fill("#from", footfall_month["from"])
    page.fill("#to", footfall_month["to"])
    page.select_option("#resolution", "day")
    page.click("#load")
    page.wait_for_selector("#results:not([hidden])")
    page.wait_for_selector("#chart-footfall canvas")
    params = {"zone": zone, "from": footfall_month["from"], "to": footfall_month["to"]}
    day = _stats(base, token, "/api/v1/stats/footfall", resolution="day", **params).json()
    assert len(day["buckets"]) == 30
    api_zone = day["zones"][0]
    assert api_zone["footfall"]["count"].count(None) == 1  # the outage is a gap, not a zero
    expected_total = sum(r["count"] for r in footfall_month["records"])
    assert api_zone["totals"]["count"] == expected_total
    shown = page.text_content(f"#totals tr[data-zone='{zone}'] [data-testid=total-footfall]")
    assert shown.replace(".", "").replace("\u202f", "").replace("\xa0", "") == str(expected_total)
    # A month holds 719 or 721 hours across a daylight-saving switch: take the period's length from the API.
    period_hours = round((datetime.fromisoformat(day["to"]) - datetime.fromisoformat(day["from"])).total_seconds()
                         / 3600)
    hours_text = page.text_content(f"#totals tr[data-zone='{zone}'] td:nth-of-type(2)").replace(".", "")
    assert hours_text.startswith(f"{len(footfall_month['records'])} von {period_hours}"), hours_text
    assert "Wochenmarkt" in page.text_content("#events")
    heat = page.locator(f"table.heatmap[data-zone='{zone}']")
    assert heat.locator("tbody tr").count() == 7 and heat.locator("tbody tr >> nth=0 >> td").count() == 24
    screenshots(page, "dashboard-day", TABLET)

    page.select_option("#resolution", "hour")
    page.wait_for_selector(f"#query-msg:has-text('{period_hours} Zeitabschnitte')")
    with page.expect_download() as info:
        page.click("#csv")
    path = tmp_path / "shown.csv"
    info.value.save_as(path)
    shown_csv = path.read_bytes()
    api_csv = _stats(base, token, "/api/v1/stats/footfall", resolution="hour", format="csv", **params).content
    assert shown_csv == api_csv
    assert shown_csv.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(shown_csv.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + period_hours
    assert sum(int(r[5]) for r in rows[1:] if r[5]) == expected_total

    page.select_option("#resolution", "week")
    page.wait_for_selector("#query-msg:has-text('Zeitabschnitte')")
    week = _stats(base, token, "/api/v1/stats/footfall", resolution="week", **params).json()
    page.wait_for_selector(f"#query-msg:has-text('{len(week['buckets'])} Zeitabschnitte')")
    with page.expect_download() as info:
        page.click("#csv-heatmap")
    info.value.save_as(tmp_path / "heat.csv")
    assert (tmp_path / "heat.csv").read_bytes() == _stats(base, token, "/api/v1/stats/heatmap", format="csv",
                                                           **params).content
    assert_accessible(page, "dashboard (week)")
    assert_no_external_requests(page)


def test_dashboard_login_in_english(page: Any, web: Any) -> None:
    page.goto("/dashboard?lang=en")
    page.wait_for_selector("#login:not([hidden])")
    assert page.text_content("#login-h") == "Footfall – sign in"
    assert_accessible(page, "dashboard login (en)")
    assert_no_external_requests(page)


def _sign_in(page: Any, token: str, lang: str = "de") -> None:
    page.goto("/dashboard" + ("?lang=en" if lang == "en" else ""))
    page.fill("#token", token)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#board:not([hidden])")


def _show(page: Any, zone: str, start: str, end: str, resolution: str) -> None:
    for box in page.locator("#zones input[type=checkbox]").all():
        box.set_checked(box.get_attribute("value") == zone)
    page.fill("#from", start)
    page.fill("#to", end)
    page.select_option("#resolution", resolution)
    page.click("#load")


def test_default_view_loads_at_once_after_sign_in(page: Any, web: Any, footfall_month: dict[str, Any]) -> None:
    stats: list[str] = []
    page.on("request", lambda r: stats.append(r.url) if "/api/v1/stats/footfall" in r.url else None)
    _sign_in(page, footfall_month["token"])
    page.wait_for_selector("#results:not([hidden])")  # without pressing "Anzeigen"
    page.wait_for_selector("#chart-footfall canvas")
    assert len(stats) == 1 and "resolution=day" in stats[0]
    assert "Zeitabschnitte geladen" in page.text_content("#query-msg")


def test_partial_weeks_are_marked_and_the_widened_range_is_said(page: Any, web: Any, footfall_month: dict[str, Any],
                                                               tmp_path: Any) -> None:
    base, token, zone = web.app_url, footfall_month["token"], footfall_month["zone"]
    _sign_in(page, token)
    page.wait_for_selector("#results:not([hidden])")
    _show(page, zone, footfall_month["from"], footfall_month["to"], "week")
    params = {"zone": zone, "from": footfall_month["from"], "to": footfall_month["to"]}
    week = _stats(base, token, "/api/v1/stats/footfall", resolution="week", **params).json()
    page.wait_for_selector(f"#query-msg:has-text('{len(week['buckets'])} Zeitabschnitte')")
    spans = [round((datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds() / 3600)
             for a, b in zip(week["buckets"], [*week["buckets"][1:], week["to"]], strict=True)]
    hours = week["zones"][0]["footfall"]["hours"]
    partial = [i for i, h in enumerate(hours) if 0 < h < spans[i]]
    assert partial, "a 30-day range in weeks has partial weeks at its ends"
    widened = page.text_content("[data-testid=widened]")
    assert widened.startswith("Zeitraum auf ganze Wochen (Montag bis Sonntag) erweitert:")
    assert page.is_visible("[data-testid=partial-note]")
    assert "unvollständige Zeitabschnitte" in page.text_content("[data-testid=partial-note]")
    page.click(".bucket-table summary")
    rows = page.locator("#buckets tbody tr")
    assert rows.count() == len(week["buckets"])
    marked = [i for i in range(rows.count()) if rows.nth(i).get_attribute("data-partial") == "true"]
    assert marked == partial
    assert "unvollständig:" in rows.nth(partial[-1]).text_content()
    screenshots(page, "dashboard-week-partial", TABLET)
    with page.expect_download() as info:
        page.click("#csv")
    info.value.save_as(tmp_path / "week.csv")
    table = list(csv.DictReader(io.StringIO((tmp_path / "week.csv").read_text("utf-8-sig")), delimiter=";"))
    assert [i for i, r in enumerate(table) if r["Vollständig"] == "nein"] == partial
    assert [r["Stunden im Zeitabschnitt"] for r in table] == [str(s) for s in spans]

    # Day resolution for exactly the dates chosen: nothing widened, nothing to say.
    _show(page, zone, footfall_month["from"], footfall_month["to"], "day")
    page.wait_for_selector("#query-msg:has-text('30 Zeitabschnitte')")
    assert page.is_hidden("[data-testid=widened]")


def test_range_errors_say_what_to_change_in_german_and_english(page: Any, web: Any,
                                                               footfall_month: dict[str, Any]) -> None:
    zone = footfall_month["zone"]
    for lang, reversed_text, too_many in (
            ("de", "„Bis“ liegt vor „Von“. Bitte ein Enddatum wählen",
             "Zu viele Zeitabschnitte: 8.784 Stunden auf einmal (höchstens 2.232). Bitte den Zeitraum verkürzen"),
            ("en", "“To” lies before “From”. Please choose an end date",
             "Too many periods: 8,784 hours at once (at most 2,232). Please shorten the range")):
        _sign_in(page, footfall_month["token"], lang)
        page.wait_for_selector("#results:not([hidden])")
        asked: list[str] = []
        page.on("request", lambda r, asked=asked: asked.append(r.url) if "/api/v1/stats/" in r.url else None)
        _show(page, zone, "2026-03-10", "2026-03-01", "day")
        page.wait_for_selector("#query-msg.bad")
        assert reversed_text in page.text_content("#query-msg")
        _show(page, zone, "2024-01-01", "2024-12-31", "hour")
        page.wait_for_selector(f"#query-msg:has-text('{too_many[:12]}')")
        assert too_many in page.text_content("#query-msg").replace("\u202f", "")
        assert asked == []  # said before asking the API
        assert_accessible(page, f"dashboard range error ({lang})")
        page.click("#logout")


def test_event_band_on_the_right_bucket(page: Any, web: Any) -> None:
    """dashboard-time.js: at day resolution the band covers the event's own day's point, not the next day's."""
    page.goto("/dashboard")
    page.wait_for_function("window.DashboardTime !== undefined")
    # Days of 22-28 Nov 2026 (Berlin); a Sunday event, 13:00-18:00 on the 22nd.
    days = [datetime(2026, 11, d, tzinfo=BERLIN) for d in range(22, 29)]
    starts = [int(d.timestamp()) for d in days]
    to = int(datetime(2026, 11, 29, tzinfo=BERLIN).timestamp())
    ev0, ev1 = int(datetime(2026, 11, 22, 13, tzinfo=BERLIN).timestamp()), int(datetime(2026, 11, 22, 18,
                                                                                        tzinfo=BERLIN).timestamp())
    span = page.evaluate("a => DashboardTime.eventSpan(a[0], a[1], a[2], a[3], 'day')", [ev0, ev1, starts, to])
    assert span[0] < starts[0] < span[1] < starts[1]  # around Sunday's point, clear of Monday's
    assert span[1] - starts[0] == 43200  # half a day either side
    # An event over two days covers both points; hourly charts keep the event's own times.
    two = page.evaluate("a => DashboardTime.eventSpan(a[0], a[1], a[2], a[3], 'day')",
                        [ev0, ev1 + 86400, starts, to])
    assert two[0] < starts[0] and starts[1] < two[1] < starts[2]
    assert page.evaluate("a => DashboardTime.eventSpan(a[0], a[1], a[2], a[3], 'hour')",
                         [ev0, ev1, starts, to]) == [ev0, ev1]
    # A week of a clock change has 169 hours.
    assert page.evaluate("DashboardTime.bucketHours(['2026-10-19T00:00:00+02:00', '2026-10-26T00:00:00+01:00'], "
                         "'2026-11-02T00:00:00+01:00')") == [169, 168]

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
    r = requests.post(f"{base}{path}", json=body, headers=headers, timeout=30)
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

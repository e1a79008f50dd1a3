"""Against the real local stack (`make run`'s processes): the seeded demo month answers the marketing token, the
CSV export arrives as Excel expects it, and a Latin-1 file imports over real HTTP."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import requests

from tests.conftest import ADMIN_TOKEN

pytestmark = [pytest.mark.stack, pytest.mark.xdist_group("stack")]

SAMPLES = Path(__file__).parent / "samples"


def test_demo_month_csv_and_latin1_import_over_http(stack) -> None:  # type: ignore[no-untyped-def]
    base, demo = stack.app_url, stack.demo["footfall"]
    marketing = {"Authorization": f"Bearer {demo['marketing_token']}"}
    query = {"zone": "markt,muensterstrasse", "from": demo["from"], "to": demo["to"], "resolution": "day"}
    stats = requests.get(f"{base}/api/v1/stats/footfall", params=query, headers=marketing, timeout=30)
    assert stats.status_code == 200, stats.text
    body = stats.json()
    assert [z["zone"] for z in body["zones"]] == ["markt", "muensterstrasse"]
    assert all(sum(1 for v in z["footfall"]["count"] if v) >= 29 for z in body["zones"])
    assert [e["name"] for e in body["events"]] == ["Verkaufsoffener Sonntag"]
    # The demo's voucher spending is spread over the month, beside footfall and WLAN on the same axis.
    days_with_redemptions = {i for z in body["zones"] for i, n in enumerate(z["vouchers"]["redemptions"]) if n}
    assert len(days_with_redemptions) >= 20 and stack.demo["redemptions"] == sum(
        z["vouchers"]["total_redemptions"] for z in body["zones"])
    assert body["zones"][0]["year_before"] is not None  # the market square has its weeks a year earlier

    exported = requests.get(f"{base}/api/v1/stats/footfall", params={**query, "format": "csv"}, headers=marketing,
                            timeout=30)
    assert exported.status_code == 200 and exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][5] == "Fußgänger insgesamt" and len(rows) == 1 + 2 * len(body["buckets"])

    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/octet-stream"}
    imported = requests.post(f"{base}/api/v1/footfall/import", params={"zone": "muensterstrasse"}, headers=admin,
                             data=(SAMPLES / "hystreet_export_latin1.csv").read_bytes(), timeout=60)
    assert imported.status_code == 200, imported.text
    assert imported.json()["encoding"] == "latin-1"
    assert imported.json()["locations"][0]["name"] == "Münsterstraße, Billerbeck"
    assert requests.post(f"{base}/api/v1/footfall/import", params={"zone": "markt"}, headers=marketing,
                         data=b"x", timeout=10).status_code == 403

"""Role matrix: sensor keys ingest only into their own sensor and do nothing else; marketing reads stats and
records events, nothing else (no vouchers, no gateways); revoked credentials stop at once."""

from __future__ import annotations

import re

from app import app
from chalicelib.core.public_routes import is_public
from tests.conftest import ADMIN_TOKEN
from tests.footfall.conftest import Footfall, records, utc

OWN_OR_VOUCHER_ROUTES = ("/api/v1/vouchers", "/api/v1/redemptions", "/api/v1/retailers", "/api/v1/sensors",
                         "/api/v1/zones", "/api/v1/footfall", "/api/v1/marketing-users", "/api/v1/gateways")
MARKETING_ALLOWED = {("GET", "/api/v1/stats/footfall"), ("GET", "/api/v1/stats/heatmap"), ("POST", "/api/v1/events"),
                     ("GET", "/api/v1/events"), ("GET", "/api/v1/zones")}


def test_sensor_keys_only_ingest_into_their_own_sensor(ff: Footfall) -> None:
    zone = ff.zone()
    a, b = ff.sensor(zone, "A"), ff.sensor(zone, "B")
    ff.ingest(b["ingest_key"], records(utc(2026, 5, 4, 9), 1, count=5))
    foreign = [{**r, "sensor_id": b["sensor_id"]} for r in records(utc(2026, 5, 4, 9), 1, count=1000)]
    answer = ff.ingest(a["ingest_key"], foreign)
    assert answer["accepted"] == 0 and "own sensor" in answer["refused"][0]["reasons"][0]
    assert ff.series(zone, "2026-05-04", "2026-05-04") == [5]
    own = [{**r, "sensor_id": a["sensor_id"]} for r in records(utc(2026, 5, 4, 9), 1, count=7)]
    assert ff.ingest(a["ingest_key"], own)["accepted"] == 1
    assert ff.series(zone, "2026-05-04", "2026-05-04") == [12]  # A's record beside B's, not over it

    api, key = ff.api, a["ingest_key"]
    for method, path in (("GET", f"/api/v1/stats/footfall?zone={zone}"), ("GET", f"/api/v1/stats/heatmap?zone={zone}"),
                         ("POST", "/api/v1/sensors"), ("POST", "/api/v1/events"), ("POST", "/api/v1/vouchers"),
                         ("GET", "/api/v1/zones"), ("POST", f"/api/v1/footfall/import?zone={zone}")):
        assert api.call(method, path, {"x": 1}, key).status_code == 403, (method, path)


def test_ingestion_needs_a_sensor_key(ff: Footfall) -> None:
    recs = records(utc(2026, 5, 4, 9), 1)
    assert ff.ingest("", recs, expect=401)["error"]["code"] == "unauthorized"
    assert ff.ingest("mps_not-a-key", recs, expect=401)["error"]["code"] == "unauthorized"
    assert ff.ingest(ADMIN_TOKEN, recs, expect=403)["error"]["code"] == "forbidden"
    assert ff.ingest(ff.marketing(), recs, expect=403)["error"]["code"] == "forbidden"
    assert ff.ingest(ff.api.retailer()["api_key"], recs, expect=403)["error"]["code"] == "forbidden"


def test_disabled_sensor_and_rotated_key(ff: Footfall) -> None:
    zone = ff.zone()
    sensor = ff.sensor(zone)
    recs = records(utc(2026, 5, 4, 9), 1)
    ff.api.json("POST", f"/api/v1/sensors/{sensor['sensor_id']}/disable", token=ADMIN_TOKEN, expect=200)
    assert ff.ingest(sensor["ingest_key"], recs, expect=401)
    fresh = ff.api.json("POST", f"/api/v1/sensors/{sensor['sensor_id']}/key", token=ADMIN_TOKEN, expect=200)
    assert fresh["status"] == "active" and ff.ingest(fresh["ingest_key"], recs)["accepted"] == 1
    assert ff.ingest(sensor["ingest_key"], recs, expect=401)


def test_marketing_reads_stats_records_events_and_nothing_else(ff: Footfall) -> None:
    zone = ff.zone()
    token = ff.marketing()
    api = ff.api
    api.json("GET", f"/api/v1/stats/footfall?zone={zone}", token=token, expect=200)
    api.json("GET", f"/api/v1/stats/heatmap?zone={zone}", token=token, expect=200)
    api.json("GET", "/api/v1/zones", token=token, expect=200)
    api.json("POST", "/api/v1/events", {"name": "Markt", "starts_at": "2026-11-01T08:00:00+01:00",
                                        "ends_at": "2026-11-01T13:00:00+01:00", "zones": [zone]}, token, expect=201)
    checked = 0
    for path, methods in app.routes.items():
        if not path.startswith("/api/"):
            continue
        for method in methods:
            if (method, path) in MARKETING_ALLOWED or is_public(method, path):
                continue
            concrete = re.sub(r"{[^}]+}", "x", path)
            response = api.call(method, concrete, {"name": "x"}, token)
            # Never a success; the voucher core's routes (and ours) check the role first: 403.
            assert response.status_code >= 400, (method, path, response.status_code)
            if path.startswith(OWN_OR_VOUCHER_ROUTES):
                assert response.status_code == 403, (method, path, response.status_code)
            checked += 1
    assert checked >= 15
    # Gateways belong to the captive-portal domain; on a tree without it the route is simply absent.
    assert api.call("POST", "/api/v1/gateways", {"name": "x"}, token).status_code in (403, 404)


def test_marketing_users_are_admin_only_and_disabling_revokes(ff: Footfall) -> None:
    api = ff.api
    created = api.json("POST", "/api/v1/marketing-users", {"name": "Frau Stadtmarketing"}, ADMIN_TOKEN,
                       expect=201)
    token = created["token"]
    assert api.json("GET", "/api/v1/marketing-users", token=token, expect=403)
    listed = api.json("GET", "/api/v1/marketing-users", token=ADMIN_TOKEN, expect=200)["users"]
    assert created["user_id"] in [u["user_id"] for u in listed] and all("token" not in u for u in listed)
    api.json("POST", f"/api/v1/marketing-users/{created['user_id']}/disable", token=ADMIN_TOKEN, expect=200)
    assert api.json("GET", "/api/v1/zones", token=token, expect=401)["error"]["code"] == "unauthorized"

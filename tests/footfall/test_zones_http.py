"""Zones and sensors as admin manages them: ids, duplicates, validation, listing."""

from __future__ import annotations

import uuid

from tests.conftest import ADMIN_TOKEN
from tests.footfall.conftest import Footfall


def test_zones_create_list_and_refuse_duplicates(ff: Footfall) -> None:
    api = ff.api
    slug = f"kirchplatz-{uuid.uuid4().hex[:6]}"
    zone = api.json("POST", "/api/v1/zones", {"zone_id": slug, "name": "Kirchplatz", "lat": 51.97, "lon": 7.29},
                    ADMIN_TOKEN, expect=201)
    assert (zone["zone_id"], zone["lat"], zone["lon"]) == (slug, 51.97, 7.29)
    derived = api.json("POST", "/api/v1/zones", {"name": f"Lange Straße {slug[-6:]}"}, ADMIN_TOKEN, expect=201)
    assert derived["zone_id"] == f"lange-strasse-{slug[-6:]}"
    again = api.json("POST", "/api/v1/zones", {"zone_id": slug, "name": "x"}, ADMIN_TOKEN, expect=409)
    assert again["error"]["code"] == "zone_exists"
    for bad in ({"name": ""}, {"name": "x", "zone_id": "Groß"}, {"name": "x", "lat": 91}, {"name": "x", "lon": "7"}):
        assert api.json("POST", "/api/v1/zones", bad, ADMIN_TOKEN, expect=400)["error"]["code"] == "invalid_request"
    listed = [z["zone_id"] for z in api.json("GET", "/api/v1/zones", token=ADMIN_TOKEN, expect=200)["zones"]]
    assert slug in listed and derived["zone_id"] in listed


def test_sensor_registration_validates_and_never_shows_the_key_again(ff: Footfall) -> None:
    api = ff.api
    zone = ff.zone()
    sensor = ff.sensor(zone)
    assert sensor["ingest_key"].startswith("mps_") and sensor["kind"] == "laser" and sensor["zone"] == zone
    assert api.json("POST", "/api/v1/sensors", {"name": "x", "zone": "nowhere", "kind": "laser"}, ADMIN_TOKEN,
                    expect=422)["error"]["code"] == "unknown_zone"
    assert api.json("POST", "/api/v1/sensors", {"name": "x", "zone": zone, "kind": "radar"}, ADMIN_TOKEN,
                    expect=400)["error"]["field"] == "kind"
    listed = api.json("GET", f"/api/v1/sensors?zone={zone}", token=ADMIN_TOKEN, expect=200)["sensors"]
    assert [s["sensor_id"] for s in listed] == [sensor["sensor_id"]] and "ingest_key" not in listed[0]
    assert api.json("POST", "/api/v1/sensors/sen_unknown/disable", token=ADMIN_TOKEN, expect=404)


def test_junk_ids_are_clean_404_and_422(ff: Footfall) -> None:
    api, junk = ff.api, "x" * 3000
    assert api.json("POST", f"/api/v1/sensors/{junk}/disable", token=ADMIN_TOKEN, expect=404)
    assert api.json("POST", f"/api/v1/marketing-users/{junk}/disable", token=ADMIN_TOKEN, expect=404)
    assert api.json("GET", f"/api/v1/stats/footfall?zone={junk}", token=ADMIN_TOKEN,
                    expect=422)["error"]["code"] == "unknown_zone"
    response = api.call("POST", f"/api/v1/footfall/import?sensor={junk}", token=ADMIN_TOKEN,
                        raw=b"timestamp,location_id,pedestrians_count\n2025-01-01T00:00:00Z,1,5\n",
                        headers={"Content-Type": "text/csv"})
    assert response.status_code == 404

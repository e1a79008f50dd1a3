"""Import of both hystreet-style layouts over HTTP and from the admin command: gaps stay gaps, re-imports
change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.footfall import import_command
from tests.conftest import ADMIN_TOKEN
from tests.footfall.conftest import Footfall

SAMPLES = Path(__file__).parent / "samples"


def _import(ff: Footfall, query: str, data: bytes, content_type: str = "application/octet-stream",
            expect: int = 200) -> dict:
    response = ff.api.call("POST", f"/api/v1/footfall/import?{query}", token=ADMIN_TOKEN, raw=data,
                           headers={"Content-Type": content_type})
    body = json.loads(response.body)
    assert response.status_code == expect, body
    return body


def test_german_export_import_gaps_and_reimport(ff: Footfall) -> None:
    zone = ff.zone()
    data = (SAMPLES / "hystreet_export_latin1.csv").read_bytes()
    answer = _import(ff, f"zone={zone}", data)
    assert (answer["format"], answer["encoding"]) == ("hystreet_de", "latin-1")
    [location] = answer["locations"]
    assert (location["imported"], location["gaps"]) == (8, 4)
    assert [r["line"] for r in answer["refused"]] == [14]
    sensors = ff.api.json("GET", f"/api/v1/sensors?zone={zone}", token=ADMIN_TOKEN, expect=200)["sensors"]
    assert [(s["name"], s["ltr_label"], s["rtl_label"]) for s in sensors] == [
        ("Münsterstraße, Billerbeck", "Markt", "Bahnhof")]
    hours = ff.series(zone, "2026-05-04T08:00:00+02:00", "2026-05-04T16:00:00+02:00", "hour")
    assert hours == [None, None, 120, 0, None, 1250, 80, None]  # gaps are null, the quiet hour is 0
    night = ff.series(zone, "2026-10-25T01:00:00+02:00", "2026-10-25T04:00:00+01:00", "hour")
    assert night == [11, 7, 5, 4]  # 01:00, 02:00 CEST, 02:00 CET, 03:00

    again = _import(ff, f"zone={zone}", data, content_type="text/csv")
    assert again["locations"][0]["sensor_id"] == location["sensor_id"]  # the same sensor, records replaced
    assert ff.series(zone, "2026-05-04", "2026-05-04") == [120 + 0 + 1250 + 80]


def test_flattened_import_two_locations_into_one_zone(ff: Footfall) -> None:
    zone = ff.zone()
    answer = _import(ff, f"zone={zone}", (SAMPLES / "flattened_utf8.csv").read_bytes(), content_type="text/csv")
    assert answer["format"] == "flattened"
    assert sorted((loc["location"], loc["imported"], loc["gaps"]) for loc in answer["locations"]) == [
        ("101", 2, 2), ("102", 1, 0)]
    assert answer["refused"] == [{"line": 7, "reasons": ["a count is not a whole number"]}]
    hours = ff.series(zone, "2026-05-04T08:00:00+02:00", "2026-05-04T12:00:00+02:00", "hour")
    assert hours == [None, 30 + 15, None, 44]


def test_import_into_one_sensor_and_errors(ff: Footfall) -> None:
    zone = ff.zone()
    sensor = ff.sensor(zone)
    german = (SAMPLES / "hystreet_export_latin1.csv").read_bytes()
    answer = _import(ff, f"sensor={sensor['sensor_id']}", german)
    assert answer["locations"][0]["sensor_id"] == sensor["sensor_id"]
    flat = (SAMPLES / "flattened_utf8.csv").read_bytes()
    assert _import(ff, f"sensor={sensor['sensor_id']}", flat, expect=422)["error"]["code"] == "several_locations"
    assert _import(ff, "", german, expect=400)["error"]["field"] == "zone"
    assert _import(ff, f"zone={zone}", b"foo;bar\n1;2\n", expect=400)["error"]["code"] == "unknown_format"
    assert _import(ff, "zone=nowhere", german, expect=422)["error"]["code"] == "unknown_zone"
    assert _import(ff, "sensor=sen_nothing", german, expect=404)["error"]["code"] == "not_found"
    assert _import(ff, f"zone={zone}", b"", expect=400)["error"]["code"] == "invalid_request"


def test_admin_command_imports_files(ff: Footfall, capsys: pytest.CaptureFixture[str]) -> None:
    zone = ff.zone()
    status = import_command.main([str(SAMPLES / "flattened_utf8.csv"), "--zone", zone])
    summary = json.loads(capsys.readouterr().out)
    assert status == 0 and summary["format"] == "flattened" and len(summary["locations"]) == 2
    assert ff.series(zone, "2026-05-04", "2026-05-04") == [30 + 15 + 44]
    assert import_command.main([str(SAMPLES / "flattened_utf8.csv"), "--zone", "nowhere"]) == 1
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "unknown_zone"


def test_http_import_refuses_files_too_big_for_one_request(ff: Footfall) -> None:
    zone = ff.zone()
    hours = [f"2025-01-{1 + h // 24:02d}T{h % 24:02d}:00:00Z" for h in range(24 * 31)]  # January, 744 hours
    rows = [f"{t},{location},5" for location in (1, 2, 3) for t in hours]  # 2,232 rows in all
    data = "\n".join(["timestamp,location_id,pedestrians_count", *rows]).encode()
    answer = _import(ff, f"zone={zone}", data, expect=400)
    assert answer["error"]["code"] == "too_many_rows" and "import_command" in answer["error"]["message"]
    assert ff.series(zone, "2025-01-01", "2025-01-01") == [None]  # nothing half-written

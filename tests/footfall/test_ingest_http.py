"""Ingestion over HTTP: re-sends replace, replaced records move the totals, mixed batches, concurrency, rollups
across midnight and both daylight-saving switches."""

from __future__ import annotations

import threading
from datetime import timedelta

from chalicelib.core import clock
from chalicelib.footfall.ingest import record_counts
from tests.footfall.conftest import Footfall, records, utc


def test_ingest_resend_replace_and_totals(ff: Footfall) -> None:
    zone = ff.zone()
    key = ff.sensor(zone)["ingest_key"]
    batch = records(utc(2026, 5, 4, 8), 8, count=lambda i: 10 + i, ltr_count=4, rtl_count=6)  # 08:00-10:00Z
    answer = ff.ingest(key, batch)
    assert answer == {"accepted": 8, "refused": [], "hours_updated": 2}
    # 10:00 and 11:00 Berlin (CEST): 10+11+12+13 and 14+15+16+17
    assert ff.series(zone, "2026-05-04T10:00:00+02:00", "2026-05-04T12:00:00+02:00", "hour") == [46, 62]

    ff.ingest(key, batch)  # a retry of the whole batch: nothing doubles
    stats = ff.stats(zone, "2026-05-04", "2026-05-04")
    assert stats["zones"][0]["footfall"]["count"] == [108]
    assert stats["zones"][0]["footfall"]["ltr_count"] == [32]

    ff.ingest(key, [{**batch[2], "count": 100}])  # replace one interval: the totals follow
    assert ff.series(zone, "2026-05-04", "2026-05-04") == [108 - 12 + 100]
    assert ff.series(zone, "2026-05-04T10:00:00+02:00", "2026-05-04T12:00:00+02:00", "hour") == [134, 62]


def test_mixed_batch_refuses_per_record_and_stores_the_rest(ff: Footfall) -> None:
    zone = ff.zone()
    key = ff.sensor(zone)["ingest_key"]
    future = (clock.now() + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    good = records(utc(2026, 5, 5, 9), 2)
    batch = [
        good[0],
        {"timestamp": future.isoformat(), "interval_minutes": 15, "count": 3},
        {"timestamp": "2026-05-05T09:30:00+00:00", "interval_minutes": 15, "count": -1},
        {"timestamp": "2026-05-05T09:30:00", "interval_minutes": 15, "count": 3},
        {"timestamp": "2026-05-05T09:07:00Z", "interval_minutes": 15, "count": 3},
        {"timestamp": "2026-05-05T09:45:00Z", "interval_minutes": 10, "count": 3},
        {"timestamp": "2026-05-05T09:45:00Z", "interval_minutes": 15, "count": "7"},
        {"timestamp": "2026-05-05T09:45:00Z", "interval_minutes": 15, "count": 2, "child_count": True},
        "not a record",
        good[1],
    ]
    answer = ff.ingest(key, batch)
    assert answer["accepted"] == 2
    assert [r["index"] for r in answer["refused"]] == [1, 2, 3, 4, 5, 6, 7, 8]
    reasons = {r["index"]: " ".join(r["reasons"]) for r in answer["refused"]}
    assert "future" in reasons[1] and "negative" in reasons[2] and "offset" in reasons[3]
    assert "start of a 15-minute interval" in reasons[4] and "5, 15 or 60" in reasons[5]
    assert "whole number" in reasons[6] and "child_count" in reasons[7]
    assert ff.series(zone, "2026-05-05", "2026-05-05") == [20]


def test_bad_bodies_are_clean_400s(ff: Footfall) -> None:
    zone = ff.zone()
    key = ff.sensor(zone)["ingest_key"]
    api = ff.api
    assert api.call("POST", "/api/v1/footfall/measurements", raw="{nope", token=key).status_code == 400
    assert ff.ingest(key, [], expect=400)["error"]["code"] == "invalid_request"
    too_many = records(utc(2026, 1, 1), 1001)
    assert ff.ingest(key, too_many, expect=400)["error"]["code"] == "too_many_records"
    # a bare JSON list is accepted too
    response = api.json("POST", "/api/v1/footfall/measurements", records(utc(2026, 1, 1), 1), key, expect=200)
    assert response["accepted"] == 1


def test_same_record_twice_in_one_batch_last_wins(ff: Footfall) -> None:
    zone = ff.zone()
    key = ff.sensor(zone)["ingest_key"]
    first = records(utc(2026, 5, 6, 9), 1, count=5)[0]
    ff.ingest(key, [first, {**first, "count": 9}])
    assert ff.series(zone, "2026-05-06", "2026-05-06") == [9]


def test_two_sensors_of_one_zone_ingesting_the_same_hours_at_once(ff: Footfall) -> None:
    zone = ff.zone()
    sensors = [ff.sensor(zone, f"Sensor {i}")["sensor_id"] for i in range(3)]
    start = utc(2026, 6, 1, 6)
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(sensors))

    def send(sensor_id: str, value: int) -> None:
        # Chalice's test client is not thread-safe (one current_request per app), so call the service itself.
        try:
            barrier.wait()
            for quarter in range(4):  # the same 12 zone-hours, touched by every sensor in every round
                batch = records(start + timedelta(minutes=15 * quarter), 12, minutes=60, count=value)
                for r in batch:
                    r["interval_minutes"] = 15
                assert record_counts(sensor_id, zone, batch).accepted == 12
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=send, args=(sid, n + 1)) for n, sid in enumerate(sensors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    hours = ff.series(zone, "2026-06-01T08:00:00+02:00", "2026-06-01T20:00:00+02:00", "hour")
    assert hours == [4 * (1 + 2 + 3)] * 12


def test_rollups_across_midnight_and_both_dst_switches(ff: Footfall) -> None:
    zone = ff.zone()
    key = ff.sensor(zone)["ingest_key"]
    # one record of 1 per quarter hour from Berlin 27 March 00:00 (CET) to 31 March 00:00 (CEST)
    spring = records(utc(2026, 3, 26, 23), (3 * 24 + 23) * 4, count=1)
    # and from 24 October 00:00 (CEST) to 27 October 00:00 (CET)
    autumn = records(utc(2026, 10, 23, 22), (3 * 24 + 1) * 4, count=1)
    for batch in (spring, autumn):
        assert ff.ingest(key, batch)["refused"] == []
    assert ff.series(zone, "2026-03-27", "2026-03-30") == [96, 96, 92, 96]  # 29 March: 23 hours
    assert ff.series(zone, "2026-10-24", "2026-10-26") == [96, 100, 96]  # 25 October: 25 hours
    hours = ff.series(zone, "2026-10-25", "2026-10-25", "hour")
    assert len(hours) == 25 and set(hours) == {4}
    stats = ff.stats(zone, "2026-03-29T00:00:00+01:00", "2026-03-29T05:00:00+02:00", "hour")
    assert stats["buckets"] == ["2026-03-29T00:00:00+01:00", "2026-03-29T01:00:00+01:00",
                                "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"]
    # midnight: the quarter hours 23:45 and 00:00 Berlin land on different days
    assert ff.series(zone, "2026-03-27T23:00:00+01:00", "2026-03-28T01:00:00+01:00", "hour") == [4, 4]
    assert ff.series(zone, "2026-03-27", "2026-03-27", "week") == [96 + 96 + 92]  # Mon 23 - Sun 29 March


def test_absurd_dates_are_clean_refusals_not_500s(ff: Footfall) -> None:
    zone = ff.zone()
    key = ff.sensor(zone)["ingest_key"]
    answer = ff.ingest(key, [{"timestamp": "0001-01-01T00:00:00+05:00", "interval_minutes": 60, "count": 1},
                             {"timestamp": "1970-01-01T00:00:00Z", "interval_minutes": 60, "count": 1}])
    assert answer["accepted"] == 0 and len(answer["refused"]) == 2
    for query in ("from=0001-01-01", "to=9999-12-31", "from=0001-01-01T00:00:00%2B05:00"):
        assert ff.api.json("GET", f"/api/v1/stats/footfall?zone={zone}&{query}", token=ff.marketing(),
                           expect=400)["error"]["code"] == "invalid_range"
    ff.api.json("POST", "/api/v1/events", {"name": "x", "starts_at": "0001-01-01T00:00:00+05:00",
                                           "ends_at": "2026-01-01T00:00:00Z", "zones": [zone]}, ff.marketing(),
                expect=400)

"""Footfall benchmark: DynamoDB requests per ingested batch, per one-year daily series, and ingestion speed.

Runs against an embedded moto server (same wire protocol as DynamoDB) and counts every DynamoDB call with
botocore's `before-call` event hooks on the clients PynamoDB uses.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any


class RequestCounter:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.response_bytes: Counter[str] = Counter()

    def before(self, model: Any, **kwargs: Any) -> None:
        self.calls[model.name] += 1

    def after(self, http_response: Any, model: Any, **kwargs: Any) -> None:
        self.response_bytes[model.name] += len(http_response.content or b"")

    def reset(self) -> None:
        self.calls.clear()
        self.response_bytes.clear()

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def _hook(counter: RequestCounter) -> None:
    from chalicelib.store.tables import all_models

    seen = set()
    for model in all_models():
        client = model._get_connection().connection.client
        if id(client) in seen:
            continue
        seen.add(id(client))
        client.meta.events.register("before-call.dynamodb", counter.before)
        client.meta.events.register("after-call.dynamodb", counter.after)


def _records(start: datetime, n: int, minutes: int = 15) -> list[dict[str, Any]]:
    return [{"timestamp": (start + timedelta(minutes=minutes * i)).isoformat(), "interval_minutes": minutes,
             "count": 20 + (i * 7) % 50, "ltr_count": 10, "rtl_count": 10 + (i * 7) % 50} for i in range(n)]


def _measure() -> dict[str, Any]:
    from chalice.test import Client

    from app import app
    from chalicelib.footfall import rollups, stats, zones
    from chalicelib.footfall.ingest import record_counts
    from chalicelib.footfall.models import DailyCount
    from chalicelib.footfall.readings import Reading

    counter = RequestCounter()
    zone = zones.create_zone("Bench Markt", f"bench-{int(time.time() * 1000)}").zone_id
    sensor, key = zones.register_sensor("Bench laser", zone, "laser")
    _hook(counter)
    out: dict[str, Any] = {}

    # 1,000 fifteen-minute records of one sensor: 250 hours, about ten days.
    batch = _records(datetime(2026, 1, 5, tzinfo=UTC), 1000)
    from chalicelib.footfall.readings import parse_record

    now = datetime.now(UTC)
    started = time.perf_counter()
    for _ in range(20):
        for record in batch:
            parse_record(record, now)
    out["validation_records_per_second"] = round(20_000 / (time.perf_counter() - started))
    counter.reset()
    started = time.perf_counter()
    result = record_counts(sensor.sensor_id, zone, batch)
    elapsed = time.perf_counter() - started
    assert result.accepted == 1000, result.refused[:3]
    out["ingest_batch_records"] = 1000
    out["ingest_zone_hours_touched"] = result.hours
    out["ingest_requests_per_batch"] = counter.total
    out["ingest_requests_by_operation"] = dict(counter.calls)
    out["ingest_records_per_second_service"] = round(1000 / elapsed, 1)

    counter.reset()
    started = time.perf_counter()
    record_counts(sensor.sensor_id, zone, batch)  # the same batch again (a sensor's retry)
    out["resend_requests_per_batch"] = counter.total
    out["resend_records_per_second_service"] = round(1000 / (time.perf_counter() - started), 1)

    with Client(app, stage_name="local") as client:
        body = json.dumps({"records": _records(datetime(2026, 2, 2, tzinfo=UTC), 1000)})
        counter.reset()
        started = time.perf_counter()
        response = client.http.post("/api/v1/footfall/measurements", body=body,
                                    headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.body
        out["ingest_requests_per_batch_via_http"] = counter.total  # + the sensor key lookup
        out["ingest_records_per_second_via_http"] = round(1000 / elapsed, 1)

    # Two years of hour totals for one zone (written in bulk: only the reading is measured).
    year_zone = zones.create_zone("Bench Jahr", f"bench-year-{int(time.time() * 1000)}").zone_id
    first = datetime(2024, 1, 1, tzinfo=UTC)
    readings = [Reading(first + timedelta(hours=h), 60, 100 + h % 300, 50, 50 + h % 300, None, None)
                for h in range(2 * 366 * 24)]
    _, day_items = rollups.fresh_items(year_zone, "sen_bench", readings)
    rollups.batch_put(DailyCount.Meta.table_name, day_items)

    start, end = datetime(2024, 12, 31, 23, tzinfo=UTC), datetime(2025, 12, 31, 23, tzinfo=UTC)  # Berlin 2025
    counter.reset()
    hours = rollups.read_hours(year_zone, start, end)
    out["year_daily_series_queries"] = counter.calls["Query"]
    out["year_daily_series_response_bytes"] = counter.response_bytes["Query"]
    out["year_daily_series_hours"] = len(hours)

    counter.reset()
    started = time.perf_counter()
    try:  # moto serializes ~730 day items slowly; a read timeout here must not hide the other figures
        answer = stats.footfall_stats([year_zone], start, end, "day")
    except Exception as err:  # noqa: BLE001 - reported as a figure
        out["year_stats_error"] = repr(err)
        return out
    out["year_stats_seconds"] = round(time.perf_counter() - started, 3)
    out["year_stats_buckets"] = len(answer["buckets"])
    out["year_stats_requests_by_operation"] = dict(counter.calls)
    out["year_stats_footfall_queries"] = counter.calls["Query"] - 2  # minus the events and ledger queries
    out["year_stats_footfall_response_bytes"] = counter.response_bytes["Query"]
    return out


def run() -> dict[str, Any]:
    from bench.common import local_aws

    local_aws()
    return _measure()


if __name__ == "__main__":
    figures = run()
    print(json.dumps(figures, indent=1))

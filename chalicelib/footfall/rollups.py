"""The DynamoDB edge of footfall counting: raw records, the zone-hour items and the zone-day totals.

Requests for a batch of one sensor: ceil(n/25) BatchWriteItem for the raw records, one UpdateItem per touched
zone-hour (SET of this sensor's interval attributes + ADD v, answering ALL_NEW so the hour's new total needs no
read), and one UpdateItem per touched zone-day carrying the new hour totals, each guarded by its version.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core import clock
from chalicelib.footfall.models import DailyCount, HourlyCount, Measurement
from chalicelib.footfall.readings import Reading
from chalicelib.footfall.timeseries import FIELDS, Values

PART_PREFIX = "p:"


def _client() -> Any:
    # PynamoDB's own botocore client: same endpoint, retries and credentials as the models.
    return HourlyCount._get_connection().connection.client


def _num(value: int | None) -> dict[str, Any]:
    return {"NULL": True} if value is None else {"N": str(value)}


def _int(value: dict[str, Any]) -> int | None:
    return None if "NULL" in value else int(value["N"])


def hour_key(hour: datetime) -> str:
    return hour.astimezone(UTC).strftime("%Y-%m-%dT%H:00Z")


def write_measurements(sensor_id: str, zone: str, readings: Iterable[Reading], source: str) -> None:
    """PUT semantics: a record for the same sensor and interval start replaces the stored one."""
    received = clock.iso_ms(clock.now())
    with Measurement.batch_write() as batch:  # flushes every 25 items, retries unprocessed ones
        for r in readings:
            batch.save(Measurement(sensor_id, r.start_key, interval_minutes=r.interval_minutes, count=r.count,
                                   ltr_count=r.ltr_count, rtl_count=r.rtl_count, adult_count=r.adult_count,
                                   child_count=r.child_count, zone=zone, received_at=received, source=source))


def _sum_parts(item: dict[str, Any]) -> Values:
    sums: list[int | None] = [None] * len(FIELDS)
    for name, value in item.items():
        if not name.startswith(PART_PREFIX):
            continue
        for f, cell in enumerate(value["L"][: len(FIELDS)]):
            number = _int(cell)
            if number is not None:
                sums[f] = (sums[f] or 0) + number
    return tuple(sums)


def update_hour(zone: str, sensor_id: str, hour: datetime, readings: list[Reading]) -> tuple[Values, int]:
    """Set this sensor's intervals of one zone-hour; returns the zone-hour's new totals and version."""
    names = {"#v": "v"}
    values: dict[str, Any] = {":one": {"N": "1"}}
    sets = []
    for i, r in enumerate(readings):
        names[f"#p{i}"] = f"{PART_PREFIX}{sensor_id}:{r.start.minute:02d}"
        values[f":p{i}"] = {"L": [_num(x) for x in [*r.values(), r.interval_minutes]]}
        sets.append(f"#p{i} = :p{i}")
    answer = _client().update_item(
        TableName=HourlyCount.Meta.table_name,
        Key={"zone": {"S": zone}, "hour": {"S": hour_key(hour)}},
        UpdateExpression=f"SET {', '.join(sets)} ADD #v :one",
        ExpressionAttributeNames=names, ExpressionAttributeValues=values, ReturnValues="ALL_NEW")
    item = answer["Attributes"]
    return _sum_parts(item), int(item["v"]["N"])


def day_cell(totals: Values, version: int) -> dict[str, Any]:
    """An hour total inside a zone-day item: "<version, 10 digits>|count|ltr|rtl|adult|child" ('' = no value).
    One string per hour keeps the item small (a year is ~365 x 0.6 KB), and the zero-padded version in front
    makes "is the stored total older?" a plain string comparison in a condition expression."""
    return {"S": "|".join([f"{version:010d}", *("" if v is None else str(v) for v in totals)])}


def parse_day_cell(text: str) -> Values:
    return tuple(int(v) if v else None for v in text.split("|")[1:1 + len(FIELDS)])


def _day_update(zone: str, day: str, hours: dict[int, tuple[Values, int]]) -> None:
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    sets, conditions = [], []
    for h, (totals, version) in sorted(hours.items()):
        names[f"#h{h}"] = f"h{h:02d}"
        values[f":h{h}"] = day_cell(totals, version)
        values[f":v{h}"] = {"S": f"{version:010d}"}
        sets.append(f"#h{h} = :h{h}")
        conditions.append(f"(attribute_not_exists(#h{h}) OR #h{h} < :v{h})")
    _client().update_item(
        TableName=DailyCount.Meta.table_name, Key={"zone": {"S": zone}, "day": {"S": day}},
        UpdateExpression=f"SET {', '.join(sets)}", ConditionExpression=" AND ".join(conditions),
        ExpressionAttributeNames=names, ExpressionAttributeValues=values)


def update_days(zone: str, hour_totals: dict[datetime, tuple[Values, int]]) -> None:
    """Publish new hour totals into the zone-day items, one write per day. A total only replaces an older one:
    if a concurrent ingest already stored a newer version of some hour, that day is retried hour by hour and
    the stale hours are skipped."""
    by_day: dict[str, dict[int, tuple[Values, int]]] = defaultdict(dict)
    for hour, totals in hour_totals.items():
        utc = hour.astimezone(UTC)
        by_day[utc.strftime("%Y-%m-%d")][utc.hour] = totals
    for day, hours in sorted(by_day.items()):
        try:
            _day_update(zone, day, hours)
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            for h, totals in hours.items():
                try:
                    _day_update(zone, day, {h: totals})
                except ClientError as inner:
                    if inner.response["Error"]["Code"] != "ConditionalCheckFailedException":
                        raise


def read_hours(zone: str, start: datetime, end: datetime) -> dict[datetime, Values]:
    """Hour totals of one zone in [start, end): one Query on the zone-day items (a year: 365 small items)."""
    first, last = start.astimezone(UTC), end.astimezone(UTC)
    params: dict[str, Any] = {
        "TableName": DailyCount.Meta.table_name,
        "KeyConditionExpression": "#z = :z AND #d BETWEEN :a AND :b",
        "ExpressionAttributeNames": {"#z": "zone", "#d": "day"},
        "ExpressionAttributeValues": {":z": {"S": zone}, ":a": {"S": first.strftime("%Y-%m-%d")},
                                      ":b": {"S": last.strftime("%Y-%m-%d")}},
    }
    hours: dict[datetime, Values] = {}
    client = _client()
    while True:
        page = client.query(**params)
        for item in page.get("Items", []):
            day = datetime.strptime(item["day"]["S"], "%Y-%m-%d").replace(tzinfo=UTC)
            for name, value in item.items():
                if len(name) != 3 or name[0] != "h" or not name[1:].isdigit():
                    continue
                hour = day.replace(hour=int(name[1:]))
                if first <= hour < last:
                    hours[hour] = parse_day_cell(value["S"])
        if "LastEvaluatedKey" not in page:
            return hours
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def batch_put(table: str, items: list[dict[str, Any]]) -> None:
    client = _client()
    for i in range(0, len(items), 25):
        pending: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in items[i:i + 25]]}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def fresh_items(zone: str, sensor_id: str, readings: list[Reading]) -> tuple[list[dict], list[dict]]:
    """Whole zone-hour and zone-day items for readings of one sensor into hours that hold nothing yet."""
    hours: dict[datetime, dict[str, Any]] = {}
    for r in readings:
        item = hours.setdefault(r.hour, {"zone": {"S": zone}, "hour": {"S": hour_key(r.hour)}, "v": {"N": "1"}})
        item[f"{PART_PREFIX}{sensor_id}:{r.start.minute:02d}"] = {
            "L": [_num(x) for x in [*r.values(), r.interval_minutes]]}
    days: dict[str, dict[str, Any]] = {}
    for hour, item in hours.items():
        utc = hour.astimezone(UTC)
        day = days.setdefault(utc.strftime("%Y-%m-%d"), {"zone": {"S": zone}, "day": {"S": utc.strftime("%Y-%m-%d")}})
        day[f"h{utc.hour:02d}"] = day_cell(_sum_parts(item), 1)
    return list(hours.values()), list(days.values())


def load_fresh(zone: str, sensor_id: str, readings: list[Reading]) -> None:
    """Bulk load for zone-hours that hold nothing yet (the demo month of `make run`): whole items in batches of
    25 instead of one update per hour. It overwrites those items, so it is never used for live ingestion."""
    write_measurements(sensor_id, zone, readings, "sensor")
    hour_items, day_items = fresh_items(zone, sensor_id, readings)
    batch_put(HourlyCount.Meta.table_name, hour_items)
    batch_put(DailyCount.Meta.table_name, day_items)

"""record_counts: a sensor's records into raw measurements and the zone's hour and day totals, exactly once."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.core import clock, metrics
from chalicelib.footfall import rollups
from chalicelib.footfall.readings import Reading, parse_record

MAX_RECORDS = 1000
MAX_BODY_BYTES = 1024 * 1024  # 1,000 records, pretty-printed, with room to spare


@dataclass
class IngestResult:
    accepted: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)
    hours: int = 0

    def answer(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "refused": self.refused, "hours_updated": self.hours}


def store_readings(sensor_id: str, zone: str, readings: list[Reading], source: str = "sensor") -> int:
    """Write readings (any number) and keep the zone's rollups right; returns the zone-hours touched."""
    latest: dict[str, Reading] = {}
    for r in readings:  # a record sent twice in one batch: the later one wins, as it would across batches
        latest[r.start_key] = r
    unique = sorted(latest.values(), key=lambda r: r.start)
    if not unique:
        return 0
    rollups.write_measurements(sensor_id, zone, unique, source)
    by_hour: dict[datetime, list[Reading]] = defaultdict(list)
    for r in unique:
        by_hour[r.hour].append(r)
    totals = {hour: rollups.update_hour(zone, sensor_id, hour, rs) for hour, rs in sorted(by_hour.items())}
    rollups.update_days(zone, totals)
    return len(totals)


def record_counts(sensor_id: str, zone: str, records: list[Any], source: str = "sensor") -> IngestResult:
    """Validate each record on its own: refused ones are reported with their reasons, the rest are stored."""
    now = clock.now()
    result = IngestResult()
    readings: list[Reading] = []
    for index, record in enumerate(records):
        reading, reasons = parse_record(record, now)
        if reading is None:
            result.refused.append({"index": index, "reasons": reasons})
            continue
        other = record.get("sensor_id")
        if other is not None and other != sensor_id:
            result.refused.append({"index": index, "reasons": ["a sensor key can only report its own sensor"]})
            continue
        readings.append(reading)
    result.hours = store_readings(sensor_id, zone, readings, source)
    result.accepted = len(readings)
    if readings:
        metrics.records_ingested(len(readings))  # re-sent records count again: they were ingested (replaced)
    return result

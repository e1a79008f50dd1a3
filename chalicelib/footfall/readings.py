"""What a sensor record is, and why one is refused. Pure: no AWS, no HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from chalicelib.core import dates

INTERVALS = (5, 15, 60)
OPTIONAL_COUNTS = ("ltr_count", "rtl_count", "adult_count", "child_count")
MAX_COUNT = 1_000_000  # people per interval past one counter: anything above is a broken device
CLOCK_SKEW = timedelta(minutes=2)  # sensor clocks drift; an interval starting this far ahead is still "now"


class Reading(NamedTuple):
    """One interval of one sensor. `start` is UTC and aligned to the interval."""

    start: datetime
    interval_minutes: int
    count: int
    ltr_count: int | None = None
    rtl_count: int | None = None
    adult_count: int | None = None
    child_count: int | None = None

    @property
    def start_key(self) -> str:
        return self.start.strftime("%Y-%m-%dT%H:%MZ")

    @property
    def hour(self) -> datetime:
        return self.start.replace(minute=0)

    def values(self) -> list[int | None]:
        return [self.count, self.ltr_count, self.rtl_count, self.adult_count, self.child_count]


def _count(value: Any, name: str, reasons: list[str], required: bool) -> int | None:
    if value is None:
        if required:
            reasons.append(f"'{name}' is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        reasons.append(f"'{name}' must be a whole number")
        return None
    if value < 0:
        reasons.append(f"'{name}' must not be negative")
        return None
    if value > MAX_COUNT:
        reasons.append(f"'{name}' is implausibly large")
        return None
    return value


def parse_instant(value: Any) -> datetime | None:
    """An ISO 8601 timestamp with an offset, as UTC; None if it is not one."""
    try:
        parsed = dates.parse_instant(value)
    except dates.DateInputError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else None


def parse_record(record: Any, now: datetime) -> tuple[Reading | None, list[str]]:
    """The reading, or None and the reasons it is refused."""
    if not isinstance(record, dict):
        return None, ["a record must be a JSON object"]
    reasons: list[str] = []
    start = parse_instant(record.get("timestamp"))
    if start is None:
        reasons.append("'timestamp' must be an ISO 8601 interval start with a UTC offset")
    interval = record.get("interval_minutes")
    if isinstance(interval, bool) or interval not in INTERVALS:
        reasons.append("'interval_minutes' must be 5, 15 or 60")
        interval = None
    count = _count(record.get("count"), "count", reasons, required=True)
    extras = {name: _count(record.get(name), name, reasons, required=False) for name in OPTIONAL_COUNTS}
    if start is not None and interval is not None:
        if start.second or start.microsecond or start.minute % interval:
            reasons.append(f"'timestamp' must be the start of a {interval}-minute interval")
        elif start > now + CLOCK_SKEW:
            reasons.append("'timestamp' lies in the future")
    if reasons or start is None or interval is None or count is None:
        return None, reasons
    return Reading(start, interval, count, **extras), []

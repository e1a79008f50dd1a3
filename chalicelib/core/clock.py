"""Time in one place, so tests can move it and every module agrees on the town's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
_offset_seconds = 0.0  # tests shift the clock (e.g. past a 30-minute storno window)


def now() -> datetime:
    from datetime import timedelta

    return datetime.now(UTC) + timedelta(seconds=_offset_seconds)


def shift(seconds: float) -> None:
    global _offset_seconds
    _offset_seconds += seconds


def reset() -> None:
    global _offset_seconds
    _offset_seconds = 0.0


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def iso_ms(dt: datetime) -> str:
    """Millisecond precision: ledger entries sort by it in the by-retailer and by-zone indexes."""
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

"""Time in one place, so tests can move it and every module agrees on the town's zone."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import cache
from typing import Any

_offset_seconds = 0.0  # tests shift the clock (e.g. past a 30-minute storno window)


@cache
def berlin() -> tzinfo:
    """The town's time zone; zoneinfo (and sysconfig behind it) loads on first use, not on the cold-start path."""
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Berlin")


def __getattr__(name: str) -> Any:
    if name == "BERLIN":  # `clock.BERLIN` reads like a constant and still loads lazily
        return berlin()
    raise AttributeError(name)


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
    """Millisecond precision: ledger entries sort by it in the by-retailer index."""
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

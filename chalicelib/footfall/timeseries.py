"""Hour data into Europe/Berlin buckets (hour, day, week, month), weekday-aligned comparisons, heatmaps,
suppression. Pure: no AWS.

Hours are keyed by their UTC start; buckets are local wall-clock periods, so a day bucket holds 23, 24 or 25
hours and an hour bucket on the October switch appears twice (02:00+02:00 and 02:00+01:00).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from chalicelib.core import dates
from chalicelib.core.clock import berlin

RESOLUTIONS = ("hour", "day", "week", "month")
FIELDS = ("count", "ltr_count", "rtl_count", "adult_count", "child_count")
HOUR = timedelta(hours=1)
SUPPRESS_BELOW = 10
WEEK_DAYS, YEAR_DAYS = 7, 364  # 364 = 52 weeks: the same weekday a year earlier
MAX_BUCKETS = {"hour": 24 * 93, "day": 3 * 366, "week": 3 * 53, "month": 36}
DATE_RE = dates.DAY_RE
MIN_YEAR, MAX_YEAR = dates.MIN_YEAR, dates.MAX_YEAR

Values = tuple[int | None, ...]  # one value per FIELDS entry


class RangeError(ValueError):
    """A user-safe reason why a requested range cannot be used."""


def local_midnight(day: date) -> datetime:
    # Midnight exists on every day in Berlin (the switches happen at 02:00/03:00), so no fold question arises.
    return datetime(day.year, day.month, day.day, tzinfo=berlin())


def parse_bound(value: str, *, end: bool) -> datetime:
    """A range bound as UTC. A bare date is a Berlin calendar day, inclusive at both ends; a time without an
    offset is Berlin wall-clock time."""
    value = value.strip()
    try:
        if DATE_RE.match(value):
            day = dates.parse_day(value)
            return local_midnight(day + timedelta(days=1) if end else day).astimezone(UTC)
        parsed = dates.parse_instant(value)
    except dates.DateInputError:
        raise RangeError(f"'{value[:40]}' is neither a date (YYYY-MM-DD) nor an ISO 8601 time between "
                         f"{MIN_YEAR} and {MAX_YEAR}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=berlin())
    return parsed.astimezone(UTC)


def floor_local(instant: datetime, resolution: str) -> datetime:
    """The start of the bucket holding `instant`, in Berlin time."""
    if resolution == "hour":
        return instant.astimezone(UTC).replace(minute=0, second=0, microsecond=0).astimezone(berlin())
    local = instant.astimezone(berlin()).date()
    if resolution == "week":
        local -= timedelta(days=local.weekday())
    elif resolution == "month":
        local = local.replace(day=1)
    return local_midnight(local)


def next_start(start: datetime, resolution: str) -> datetime:
    if resolution == "hour":
        return (start.astimezone(UTC) + HOUR).astimezone(berlin())
    day = start.astimezone(berlin()).date()
    if resolution == "day":
        return local_midnight(day + timedelta(days=1))
    if resolution == "week":
        return local_midnight(day + timedelta(days=7))
    return local_midnight(date(day.year + day.month // 12, day.month % 12 + 1, 1))


class Buckets(NamedTuple):
    resolution: str
    starts: list[datetime]  # Berlin-aware bucket starts
    bounds: list[datetime]  # UTC: len(starts) + 1 edges

    @property
    def start(self) -> datetime:
        return self.bounds[0]

    @property
    def end(self) -> datetime:
        return self.bounds[-1]

    def index(self, instant: datetime) -> int | None:
        i = bisect_right(self.bounds, instant) - 1
        return i if 0 <= i < len(self.starts) else None


def buckets(start: datetime, end: datetime, resolution: str) -> Buckets:
    """The buckets covering [start, end): from the one holding `start` to the one holding the last instant."""
    if resolution not in RESOLUTIONS:
        raise RangeError(f"resolution must be one of: {', '.join(RESOLUTIONS)}")
    if end <= start:
        raise RangeError("'to' must lie after 'from'")
    starts: list[datetime] = []
    current = floor_local(start, resolution)
    while current.astimezone(UTC) < end:
        starts.append(current)
        if len(starts) > MAX_BUCKETS[resolution]:
            raise RangeError(f"at most {MAX_BUCKETS[resolution]} {resolution} buckets per query")
        current = next_start(current, resolution)
    bounds = [s.astimezone(UTC) for s in starts] + [current.astimezone(UTC)]
    return Buckets(resolution, starts, bounds)


def shifted_window(bucket: Buckets, i: int, days: int) -> tuple[datetime, datetime] | None:
    """Bucket i moved `days` back on the wall clock (same weekday, same local hour), as a UTC window; None when
    that local hour does not exist (the spring switch has no 02:00)."""
    start = bucket.starts[i]
    if bucket.resolution == "hour":
        naive = start.replace(tzinfo=None) - timedelta(days=days)
        moved = naive.replace(tzinfo=berlin(), fold=start.fold)
        moved_utc = moved.astimezone(UTC)
        if moved_utc.astimezone(berlin()).replace(tzinfo=None) != naive:
            return None
        return moved_utc, moved_utc + HOUR
    end = bucket.bounds[i + 1].astimezone(berlin())
    back = timedelta(days=days)
    return (local_midnight(start.date() - back).astimezone(UTC), local_midnight(end.date() - back).astimezone(UTC))


class HourSeries:
    """Hour values keyed by UTC hour start, with range sums by bisection."""

    def __init__(self, hours: Mapping[datetime, Values]) -> None:
        self.keys = sorted(hours)
        self.values = [hours[k] for k in self.keys]

    def __len__(self) -> int:
        return len(self.keys)

    def window(self, start: datetime, end: datetime) -> tuple[Values, int]:
        """Per-field sums over [start, end) (None where no hour has that field) and the hours with data."""
        lo, hi = bisect_left(self.keys, start), bisect_left(self.keys, end)
        sums: list[int | None] = [None] * len(FIELDS)
        for row in self.values[lo:hi]:
            for f, value in enumerate(row):
                if value is not None:
                    sums[f] = (sums[f] or 0) + value
        return tuple(sums), hi - lo

    def has_data(self, start: datetime, end: datetime) -> bool:
        return bisect_left(self.keys, end) > bisect_left(self.keys, start)


def series(hours: HourSeries, bucket: Buckets, shift_days: int = 0) -> dict[str, list]:
    """Aligned arrays, one entry per bucket: each field (None = gap) and `hours` with data."""
    out: dict[str, list] = {name: [] for name in FIELDS}
    out["hours"] = []
    for i in range(len(bucket.starts)):
        window = (bucket.bounds[i], bucket.bounds[i + 1]) if not shift_days else shifted_window(bucket, i, shift_days)
        sums, n = hours.window(*window) if window else ((None,) * len(FIELDS), 0)
        for name, value in zip(FIELDS, sums, strict=True):
            out[name].append(value)
        out["hours"].append(n)
    return out


def total(values: Iterable[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def change_percent(current: Sequence[int | None], earlier: Sequence[int | None]) -> float | None:
    """Change over the buckets where both periods have data, so a gap never reads as a drop."""
    pairs = [(c, e) for c, e in zip(current, earlier, strict=True) if c is not None and e is not None]
    base = sum(e for _, e in pairs)
    if not pairs or base == 0:
        return None
    return round((sum(c for c, _ in pairs) - base) * 100 / base, 1)


def suppress(value: int | None, below: int = SUPPRESS_BELOW) -> int | None:
    """Published WLAN figures of 1..below-1 could single a person out: they become None. Zero reveals no one."""
    if value is None or value == 0 or value >= below:
        return value
    return None


def heatmap(hours: HourSeries, start: datetime, end: datetime) -> tuple[list[list[float | None]], list[list[int]]]:
    """Average count per Berlin weekday (0 = Monday) and local hour over [start, end), and the samples behind it.
    Hours without data are not samples: a gap does not pull an average down."""
    sums = [[0] * 24 for _ in range(7)]
    samples = [[0] * 24 for _ in range(7)]
    lo, hi = bisect_left(hours.keys, start), bisect_left(hours.keys, end)
    for key, row in zip(hours.keys[lo:hi], hours.values[lo:hi], strict=True):
        if row[0] is None:
            continue
        local = key.astimezone(berlin())
        sums[local.weekday()][local.hour] += row[0]
        samples[local.weekday()][local.hour] += 1
    averages = [[round(sums[d][h] / samples[d][h], 1) if samples[d][h] else None for h in range(24)]
                for d in range(7)]
    return averages, samples

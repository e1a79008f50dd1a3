"""Calendar input parsed in one place: days, months and instants from query strings and bodies.

Pure (no HTTP, no AWS). Years are held to MIN_YEAR..MAX_YEAR so that nothing downstream (a month's end, a
Berlin offset, an ISO-ms key) can overflow Python's datetime or reach a DynamoDB key no entry can have.
"""

from __future__ import annotations

import re
from datetime import date, datetime

MIN_YEAR, MAX_YEAR = 2000, 2100
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class DateInputError(ValueError):
    """A user-safe reason why a date, month or time cannot be used."""


def _year_in_range(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateInputError(f"the year must lie between {MIN_YEAR} and {MAX_YEAR}")


def parse_day(value: str) -> date:
    """A calendar day, exactly YYYY-MM-DD."""
    if not isinstance(value, str) or not DAY_RE.match(value):
        raise DateInputError("expected a date as YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise DateInputError(f"'{value}' is not a calendar date") from None
    _year_in_range(day.year)
    return day


def parse_month(value: str) -> tuple[int, int]:
    """A calendar month, exactly YYYY-MM, as (year, month)."""
    match = MONTH_RE.match(value) if isinstance(value, str) else None
    if not match:
        raise DateInputError("expected a month as YYYY-MM")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise DateInputError(f"'{value}' is not a calendar month")
    _year_in_range(year)
    return year, month


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def month_after(month: str) -> str:
    """"YYYY-MM" of the month after a "YYYY-MM" (month keys of the totals, closings and audit partitions)."""
    year, mon = next_month(int(month[:4]), int(month[5:7]))
    return f"{year:04d}-{mon:02d}"


def month_before(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year - 1:04d}-12" if mon == 1 else f"{year:04d}-{mon - 1:02d}"


def months_between(first: str, last: str, limit: int | None = None) -> list[str]:
    """Every "YYYY-MM" from `first` through `last` (at most `limit` of them)."""
    out, month = [], first
    while month <= last and (limit is None or len(out) < limit):
        out.append(month)
        month = month_after(month)
    return out


def parse_instant(value: str) -> datetime:
    """An ISO 8601 time (a trailing Z means UTC); naive if it carries no offset, the caller decides what that means."""
    if not isinstance(value, str) or not 10 <= len(value.strip()) <= 40:
        raise DateInputError("expected an ISO 8601 time")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise DateInputError(f"'{value[:40]}' is not an ISO 8601 time") from None
    _year_in_range(parsed.year)
    return parsed

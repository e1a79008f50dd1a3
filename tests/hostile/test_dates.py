"""Days, months and instants are parsed in one place (chalicelib/core/dates.py); pure, milliseconds."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core import dates


@pytest.mark.parametrize("value", ["2026-13-45", "2026-02-30", "0000-01-01", "9999-12-31", "1999-12-31",
                                   "2026-1-1", "", "2026-01-01T00:00", "２０２６-01-01"])
def test_impossible_days(value: str) -> None:
    with pytest.raises(dates.DateInputError):
        dates.parse_day(value)


@pytest.mark.parametrize("value", ["9999-12", "0000-01", "2026-13", "2026-00", "2026-1", "2101-01", "x", ""])
def test_impossible_months(value: str) -> None:
    with pytest.raises(dates.DateInputError):
        dates.parse_month(value)


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00Z", "2026-13-01T00:00Z",
                                   "now", "x" * 100])
def test_impossible_instants(value: str) -> None:
    with pytest.raises(dates.DateInputError):
        dates.parse_instant(value)


@given(st.dates(min_value=date(dates.MIN_YEAR, 1, 1), max_value=date(dates.MAX_YEAR, 12, 31)))
def test_every_day_in_range_round_trips(day: date) -> None:
    assert dates.parse_day(day.isoformat()) == day
    assert dates.parse_month(day.isoformat()[:7]) == (day.year, day.month)
    year, month = dates.next_month(day.year, day.month)
    assert date(year, month, 1) > day

"""Default validity: the regular limitation period, 3 years from the end of the year of issue (§§195, 199 BGB)."""

from __future__ import annotations

from datetime import datetime

from chalicelib.core import clock


def default_expiry(issued_at: datetime) -> datetime:
    """31 December, 23:59:59 town time, of the third year after the year of issue."""
    year = issued_at.astimezone(clock.BERLIN).year + 3
    return datetime(year, 12, 31, 23, 59, 59, tzinfo=clock.BERLIN)

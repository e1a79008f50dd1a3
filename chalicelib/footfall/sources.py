"""What the stats show beside footfall: WLAN sessions/devices (if the captive portal is installed) and voucher
redemptions from the voucher totals. Each is one Query per zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from chalicelib.core import clock


class WlanHour(NamedTuple):
    hour: datetime  # UTC
    sessions: int
    devices: int
    dwell_minutes: int


class RedemptionHour(NamedTuple):
    hour: datetime  # the UTC hour, or the Berlin day for day-or-longer resolutions
    redemptions: int  # redemptions minus reversals booked in the hour
    cents: int  # money redeemed minus reversed


def _hour_key(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:00Z")


def wlan_hours(zone: str, start: datetime, end: datetime) -> list[WlanHour] | None:
    """The captive portal's hour counts of a zone, or None when that part of the product is not installed."""
    try:
        from chalicelib.wlan.models import WlanHourlyCount  # written by the captive-portal domain
    except ImportError:
        return None
    last = _hour_key(end - timedelta(hours=1))
    items = WlanHourlyCount.query(zone, WlanHourlyCount.hour.between(_hour_key(start), last))
    return [WlanHour(datetime.strptime(i.hour, "%Y-%m-%dT%H:00Z").replace(tzinfo=UTC), int(i.sessions or 0),
                     int(i.devices or 0), int(getattr(i, "dwell_minutes", 0) or 0)) for i in items]


def redemptions(zone: str, start: datetime, end: datetime, resolution: str) -> list[RedemptionHour]:
    """Redemptions at the zone's retailers in [start, end), from the totals the redemptions write in their own
    transaction: per UTC hour for hour resolution, else per Berlin day (whose buckets are whole Berlin days). One
    Query either way, however many redemptions there were."""
    from chalicelib.vouchers import bookkeeping, totals

    first, last = start.astimezone(UTC), (end - timedelta(microseconds=1)).astimezone(UTC)
    out = []
    if resolution == "hour":
        for day, counters in bookkeeping.zone_days(zone, first.strftime("%Y-%m-%d"), last.strftime("%Y-%m-%d")):
            out.extend(RedemptionHour(hour, n, cents) for hour, n, cents in totals.hour_series(day, counters)
                       if start <= hour < end)
        return out
    months = (start.astimezone(clock.BERLIN).strftime("%Y-%m"), (end - timedelta(microseconds=1)).astimezone(
        clock.BERLIN).strftime("%Y-%m"))
    for month, counters in bookkeeping.zone_months(zone, *months):
        out.extend(RedemptionHour(day, n, cents) for day, n, cents in totals.day_series(month, counters)
                   if start <= day < end)
    return out

"""What the stats show beside footfall: WLAN sessions/devices (if the captive portal is installed) and voucher
redemptions from the ledger. Each is one Query per zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from chalicelib.core import clock


class WlanHour(NamedTuple):
    hour: datetime  # UTC
    sessions: int
    devices: int
    dwell_minutes: int


class Redemption(NamedTuple):
    at: datetime  # UTC
    kind: str  # redemption | reversal
    amount_cents: int  # signed ledger amount: redemptions negative, reversals positive


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


def redemptions(zone: str, start: datetime, end: datetime) -> list[Redemption]:
    """Redemptions and reversals at the zone's retailers in [start, end), from the ledger's by-zone index."""
    from chalicelib.vouchers.models import LedgerEntry

    entries = LedgerEntry.by_zone.query(
        zone, LedgerEntry.created_at.between(clock.iso_ms(start), clock.iso_ms(end)),
        filter_condition=LedgerEntry.kind.is_in("redemption", "reversal"))
    out = []
    for e in entries:
        at = clock.parse_iso(e.created_at)
        if start <= at < end:
            out.append(Redemption(at, e.kind, int(e.amount_cents)))
    return out

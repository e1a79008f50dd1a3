"""Scheduled voucher bookkeeping, every hour: book the expiry of vouchers whose validity has ended, and close the
months that are over in the report totals (the liability's closings, the dashboard's zone rollups)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalice import Blueprint, Rate

bp = Blueprint(__name__)


@bp.schedule(Rate(1, unit=Rate.HOURS))
def voucher_bookkeeping(event: Any) -> dict[str, Any]:
    """Hourly, so that a validity ending at the town's midnight is booked within the hour (in its month). A month
    is closed an hour after it ended: no transaction that stamped an entry with it can still be in flight."""
    from chalicelib.core import clock
    from chalicelib.vouchers.bookkeeping import close_months, roll_up_month_so_far
    from chalicelib.vouchers.expiring import book_expiries

    expiries = book_expiries()
    settled = clock.now() - timedelta(hours=1)
    closed = close_months(settled.astimezone(clock.BERLIN).strftime("%Y-%m"))
    return {**expiries, "months_closed": closed, "days_rolled_up": roll_up_month_so_far(settled)}

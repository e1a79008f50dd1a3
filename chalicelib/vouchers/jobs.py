"""Scheduled voucher bookkeeping: book the expiry of vouchers whose validity has ended, every hour."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Rate

bp = Blueprint(__name__)


@bp.schedule(Rate(1, unit=Rate.HOURS))
def book_voucher_expiries(event: Any) -> dict[str, int]:
    """Hourly, so that a validity ending at the town's midnight is booked within the hour (in its month)."""
    from chalicelib.vouchers.expiring import book_expiries

    return book_expiries()

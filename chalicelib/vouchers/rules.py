"""The voucher rules as pure functions (no I/O, no AWS): when a redemption is refused, when a reversal is still
allowed, when a voucher has expired, and how its money splits into the buyer's and the city's (bonus) share.

DynamoDB conditions enforce the same rules atomically (vouchers/redemption.py); these functions explain a refused
condition from the item DynamoDB hands back, and are what the unit tests exercise in milliseconds.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

ACTIVE, BLOCKED = "active", "blocked"
DISPUTE = "dispute"  # the block reason Stripe's dispute sets; only a closed dispute lifts it
REVERSAL_WINDOW = timedelta(minutes=30)


class Refused(NamedTuple):
    """A redemption the voucher does not allow: `invalid_token`, `voucher_blocked`, `voucher_expired` or
    `insufficient_balance` (then `balance_cents` is what is left)."""

    code: str
    balance_cents: int | None = None


def is_expired(expires_at_epoch: int, now_epoch: int) -> bool:
    """A voucher is valid up to, not including, its expiry second."""
    return expires_at_epoch <= now_epoch


def refusal(status: str, expires_at_epoch: int, balance_cents: int, amount_cents: int,
            now_epoch: int) -> Refused | None:
    """Why this voucher cannot pay `amount_cents` now, or None when it can (first reason wins)."""
    if status != ACTIVE:
        return Refused("voucher_blocked")
    if is_expired(expires_at_epoch, now_epoch):
        return Refused("voucher_expired")
    if balance_cents < amount_cents:
        return Refused("insufficient_balance", balance_cents)
    return None


def reversal_refusal(*, is_admin: bool, same_retailer: bool, redeemed_at: datetime, now: datetime) -> str | None:
    """Storno: the city (admin) at any time; the retailer who redeemed within 30 minutes; nobody else."""
    if is_admin:
        return None
    if not same_retailer:
        return "forbidden"
    if now - redeemed_at > REVERSAL_WINDOW:
        return "reversal_window_closed"
    return None


def credit_refusal(*, refunded: bool, expires_at_epoch: int, now_epoch: int) -> str | None:
    """Why the holder's current voucher (the end of its re-issue chain) may not take money back from a reversal:
    its money went back to the buyer (`voucher_refunded`), or it has expired (`voucher_expired`): money put there
    could never be spent, so the retailer settles with the customer directly instead (docs/money-rules.md)."""
    if refunded:
        return "voucher_refunded"
    if is_expired(expires_at_epoch, now_epoch):
        return "voucher_expired"
    return None


def bonus_share(amount_cents: int, bonus_cents: int, initial_cents: int) -> int:
    """The city's part of `amount_cents` moved on a voucher: proportional to the voucher's bonus in its initial
    value, in integers, rounded half up (away from zero) to whole cents. The one rule for every split: settlement,
    statements, refunds and re-issue all call this."""
    if initial_cents <= 0 or bonus_cents <= 0:
        return 0
    sign = -1 if amount_cents < 0 else 1
    return sign * ((2 * abs(amount_cents) * bonus_cents + initial_cents) // (2 * initial_cents))

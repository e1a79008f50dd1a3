"""Which vouchers a refund takes back, and how a voucher's money splits into the buyer's and the city's share.
Pure: no I/O."""

from __future__ import annotations

from typing import NamedTuple


class Holding(NamedTuple):
    voucher_id: str
    balance_cents: int
    initial_cents: int
    paid_cents: int
    bonus_cents: int


def bonus_share(amount_cents: int, bonus_cents: int, initial_cents: int) -> int:
    """The city's part of `amount_cents` moved on a voucher: proportional to the voucher's bonus in its initial
    value, rounded half up to whole cents (every euro on a voucher is part buyer's, part city's money)."""
    if initial_cents <= 0 or bonus_cents <= 0:
        return 0
    sign = -1 if amount_cents < 0 else 1
    return sign * ((2 * abs(amount_cents) * bonus_cents + initial_cents) // (2 * initial_cents))


def paid_value(h: Holding) -> int:
    """How much of the buyer's money is still on the voucher."""
    return h.balance_cents - bonus_share(h.balance_cents, h.bonus_cents, h.initial_cents)


def vouchers_to_refund(holdings: list[Holding], refund_cents: int) -> list[Holding]:
    """Take back vouchers until the buyer's money on them covers `refund_cents`: unspent vouchers first (they are
    whole), then the fullest. Vouchers with nothing left are not touched. If the rest does not cover the refund,
    all of it is taken (the shortfall is the city's loss, visible in the ledger)."""
    live = [h for h in holdings if h.balance_cents > 0]
    live.sort(key=lambda h: (h.balance_cents != h.initial_cents, -h.balance_cents, h.voucher_id))
    taken, covered = [], 0
    for h in live:
        if covered >= refund_cents:
            break
        taken.append(h)
        covered += paid_value(h)
    return taken

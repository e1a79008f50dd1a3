"""Which vouchers a refund takes back, and how a voucher's money splits into the buyer's and the city's share.
Pure: no I/O."""

from __future__ import annotations

from typing import NamedTuple

from chalicelib.vouchers.rules import bonus_share


class Holding(NamedTuple):
    voucher_id: str
    balance_cents: int
    initial_cents: int
    paid_cents: int
    bonus_cents: int


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

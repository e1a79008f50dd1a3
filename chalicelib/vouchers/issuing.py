"""issue_vouchers: the one way a voucher comes into being, for admin campaigns and paid orders alike."""

from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from chalicelib.core import clock
from chalicelib.core.errors import DomainError
from chalicelib.core.ids import time_ordered_id
from chalicelib.signing import keystore
from chalicelib.signing.token import voucher_id_from_bytes
from chalicelib.vouchers.expiry import default_expiry
from chalicelib.vouchers.models import ACTIVE, LedgerEntry, Voucher
from chalicelib.vouchers.views import epoch

if TYPE_CHECKING:
    from chalicelib.store.transactions import UnitOfWork

MAX_QUANTITY = 500
MAX_AMOUNT_CENTS = 1_000_000  # 10,000 €: a sanity bound for admin issuing; shop limits live in settings


class VoucherSpec(NamedTuple):
    paid_cents: int
    bonus_cents: int = 0
    voucher_id: str | None = None  # paid orders pass derived ids so that issuing twice writes the same items


def new_voucher_id() -> str:
    return voucher_id_from_bytes(os.urandom(10))


def build_vouchers(specs: list[VoucherSpec], *, campaign: str | None = None, order_id: str | None = None,
                   expires_at: datetime | None = None, actor: str = "admin",
                   note: str | None = None) -> list[tuple[Voucher, LedgerEntry]]:
    issued = clock.now()
    expiry = expires_at or default_expiry(issued)
    if expiry <= issued:
        raise DomainError("invalid_request", "'expires_at' must be in the future.", field="expires_at")
    kid = keystore.keyring().signing_key.kid
    pairs = []
    for spec in specs:
        total = spec.paid_cents + spec.bonus_cents
        voucher = Voucher(
            spec.voucher_id or new_voucher_id(), status=ACTIVE, balance_cents=total, initial_cents=total,
            paid_cents=spec.paid_cents, bonus_cents=spec.bonus_cents, expires_at=epoch(expiry),
            issued_at=clock.iso(issued), kid=kid, campaign=campaign, order_id=order_id)
        entry = LedgerEntry(
            voucher.voucher_id, time_ordered_id(), kind="issue", amount_cents=total, created_at=clock.iso_ms(issued),
            actor=actor, paid_cents=spec.paid_cents, bonus_cents=spec.bonus_cents, note=note)
        pairs.append((voucher, entry))
    return pairs


def add_to_transaction(tx: UnitOfWork, pairs: list[tuple[Voucher, LedgerEntry]]) -> None:
    """Paid orders issue inside the order's own transaction (one round trip, exactly once). Actions are named
    `voucher:<id>` and `issue:<id>`."""
    for voucher, entry in pairs:
        tx.save(voucher, name=f"voucher:{voucher.voucher_id}", condition=Voucher.voucher_id.does_not_exist())
        tx.save(entry, name=f"issue:{voucher.voucher_id}", condition=LedgerEntry.entry_id.does_not_exist())


def issue_vouchers(amount_cents: int, quantity: int, *, campaign: str | None = None,
                   expires_at: datetime | None = None, actor: str = "admin") -> list[Voucher]:
    """Admin issuing without payment (employer vouchers, campaigns, prizes): all bonus-free city or employer money.

    Up to 500 vouchers: written with batched writes (voucher and its issue entry in the same batch). Each voucher
    id is fresh and random, so a retried call makes new vouchers; the admin API guards that with Idempotency-Key.
    """
    pairs = build_vouchers([VoucherSpec(paid_cents=amount_cents)] * quantity, campaign=campaign,
                           expires_at=expires_at, actor=actor)
    # Ledger entries first: a crash midway leaves an entry without a voucher (harmless, unreachable), never a
    # voucher whose balance has no ledger entry behind it.
    with LedgerEntry.batch_write() as batch:
        for _, entry in pairs:
            batch.save(entry)
    with Voucher.batch_write() as batch:
        for voucher, _ in pairs:
            batch.save(voucher)
    return [voucher for voucher, _ in pairs]

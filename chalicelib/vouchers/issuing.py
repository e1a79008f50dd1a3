"""issue_vouchers: the one way a voucher comes into being, for admin campaigns and paid orders alike."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from pynamodb.exceptions import PutError

from chalicelib.core import clock
from chalicelib.core.errors import DomainError
from chalicelib.core.ids import time_ordered_id
from chalicelib.signing import keystore
from chalicelib.signing.token import voucher_id_from_bytes
from chalicelib.store import idempotency
from chalicelib.store.models import IdempotencyRecord
from chalicelib.vouchers.expiry import default_expiry
from chalicelib.vouchers.models import ACTIVE, EXPIRY_DUE, LedgerEntry, Voucher
from chalicelib.vouchers.views import epoch

if TYPE_CHECKING:
    from chalicelib.store.transactions import UnitOfWork

MAX_QUANTITY = 500
# DynamoDB takes at most 100 items a transaction: 2 per voucher (voucher, issue entry), up to totals.SHARDS month
# items and as many day items, and one audit entry riding along: 32 vouchers make at most 97.
ISSUE_CHUNK = 32
MAX_AMOUNT_CENTS = 1_000_000  # 10,000 €: a sanity bound for admin issuing; shop limits live in settings


class VoucherSpec(NamedTuple):
    paid_cents: int
    bonus_cents: int = 0
    voucher_id: str | None = None  # paid orders pass derived ids so that issuing twice writes the same items


def new_voucher_id() -> str:
    return voucher_id_from_bytes(os.urandom(10))


def build_vouchers(specs: list[VoucherSpec], *, campaign: str | None = None, order_id: str | None = None,
                   expires_at: datetime | None = None, actor: str = "admin", note: str | None = None,
                   issued_at: datetime | None = None, entry_id: str | None = None,
                   kid: int | None = None) -> list[tuple[Voucher, LedgerEntry]]:
    """The vouchers and their issue entries, not yet written. `issued_at`, `entry_id` and `kid` (with ids in the
    specs) rebuild the very same items a first attempt built (idempotent admin issuing)."""
    issued = issued_at or clock.now()
    expiry = expires_at or default_expiry(issued)
    if expiry <= issued:
        raise DomainError("invalid_request", "'expires_at' must be in the future.", field="expires_at")
    kid = kid if kid is not None else keystore.keyring().signing_key.kid
    pairs = []
    for spec in specs:
        total = spec.paid_cents + spec.bonus_cents
        voucher = Voucher(
            spec.voucher_id or new_voucher_id(), status=ACTIVE, balance_cents=total, initial_cents=total,
            paid_cents=spec.paid_cents, bonus_cents=spec.bonus_cents, expires_at=epoch(expiry),
            issued_at=clock.iso(issued), kid=kid, campaign=campaign, order_id=order_id, expiry_due=EXPIRY_DUE)
        entry = LedgerEntry(
            voucher.voucher_id, entry_id or time_ordered_id(), kind="issue", amount_cents=total,
            created_at=clock.iso_ms(issued), actor=actor, paid_cents=spec.paid_cents, bonus_cents=spec.bonus_cents,
            note=note)
        pairs.append((voucher, entry))
    return pairs


def add_to_transaction(tx: UnitOfWork, pairs: list[tuple[Voucher, LedgerEntry]]) -> None:
    """Paid orders issue inside the order's own transaction (one round trip, exactly once). Actions are named
    `voucher:<id>` and `issue:<id>`."""
    for voucher, entry in pairs:
        tx.save(voucher, name=f"voucher:{voucher.voucher_id}", condition=Voucher.voucher_id.does_not_exist())
        tx.save(entry, name=f"issue:{voucher.voucher_id}", condition=LedgerEntry.entry_id.does_not_exist())


def issue_vouchers(amount_cents: int, quantity: int, *, campaign: str | None = None,
                   expires_at: datetime | None = None, actor: str = "admin",
                   idempotency_key: str | None = None) -> list[Voucher]:
    """Admin issuing without payment (employer vouchers, campaigns, prizes): all bonus-free city or employer money.

    Up to 500 vouchers, in transactions of up to 32 (vouchers, their issue entries, the month and day totals: at
    most 96 items): each transaction is whole, so the totals always match what was issued, even if a later one fails.
    Without an Idempotency-Key every call makes new vouchers. With one, the first attempt stores its plan
    (issue time, entry id, key id) in an idempotency record *before* writing; voucher ids derive from the key. A
    retry rebuilds exactly the same items: finished, it answers the same vouchers; interrupted, it writes only the
    vouchers still missing (never overwriting one that may have been spent) and then answers.
    """
    if idempotency_key is None:
        pairs = build_vouchers([VoucherSpec(paid_cents=amount_cents)] * quantity, campaign=campaign,
                               expires_at=expires_at, actor=actor)
        _write(pairs, resume=False)
        return [voucher for voucher, _ in pairs]
    scope = f"issue#{actor}#{idempotency_key}"
    wanted = idempotency.request_hash("issue", amount_cents, quantity, campaign,
                                      clock.iso(expires_at) if expires_at else None)
    for _ in range(2):
        record = idempotency.stored(scope)
        resume = record is not None
        if record is not None:
            plan = idempotency.answer_of(record, wanted)
        else:
            now = clock.now()
            plan = {"issued_at": clock.iso_ms(now), "entry_id": time_ordered_id(),
                    "kid": keystore.keyring().signing_key.kid}
            try:
                idempotency.record(scope, wanted, plan, now, status=idempotency.IN_PROGRESS).save(
                    condition=IdempotencyRecord.scope_key.does_not_exist())
            except PutError as err:
                if err.cause_response_code != "ConditionalCheckFailedException":
                    raise
                continue  # a concurrent attempt with this key stored its plan first: follow it
        specs = [VoucherSpec(paid_cents=amount_cents, voucher_id=_derived_id(scope, i)) for i in range(quantity)]
        pairs = build_vouchers(specs, campaign=campaign, expires_at=expires_at, actor=actor,
                               issued_at=clock.parse_iso(plan["issued_at"]), entry_id=plan["entry_id"],
                               kid=int(plan["kid"]))
        if record is None or int(record.status) != idempotency.DONE:
            _write(pairs, resume=resume)
            IdempotencyRecord(scope).update(actions=[IdempotencyRecord.status.set(idempotency.DONE)])
        return [voucher for voucher, _ in pairs]
    raise DomainError("conflict", "This Idempotency-Key is being used right now; please retry.")


def _derived_id(scope: str, index: int) -> str:
    return voucher_id_from_bytes(hashlib.sha256(f"marktplatz/issue-voucher/v1|{scope}|{index}".encode()).digest()[:10])


def _write(pairs: list[tuple[Voucher, LedgerEntry]], *, resume: bool) -> None:
    """One transaction per chunk (a chunk's vouchers exist all or none). Resuming, vouchers already written are left
    alone (they may be spent)."""
    from chalicelib.store.transactions import transaction
    from chalicelib.vouchers.bookkeeping import add_totals

    if resume:
        have = {v.voucher_id for v in Voucher.batch_get([v.voucher_id for v, _ in pairs], consistent_read=True)}
        pairs = [(v, e) for v, e in pairs if v.voucher_id not in have]
    for start in range(0, len(pairs), ISSUE_CHUNK):
        chunk = pairs[start:start + ISSUE_CHUNK]
        with transaction() as tx:
            add_to_transaction(tx, chunk)
            add_totals(tx, [entry for _, entry in chunk])

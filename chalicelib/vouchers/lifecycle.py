"""Admin verbs on one voucher: read its ledger, block, unblock, and re-issue a blocked voucher's balance."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.core import clock
from chalicelib.core.errors import DomainError, not_found
from chalicelib.core.ids import time_ordered_id
from chalicelib.store.transactions import TransactionCancelled, transaction
from chalicelib.vouchers import views
from chalicelib.vouchers.bookkeeping import add_totals
from chalicelib.vouchers.issuing import VoucherSpec, add_to_transaction, build_vouchers
from chalicelib.vouchers.models import ACTIVE, BLOCKED, LedgerEntry, Voucher
from chalicelib.vouchers.redemption import balance_hints
from chalicelib.vouchers.rules import DISPUTE, bonus_share, is_expired


def get_voucher(voucher_id: str) -> Voucher:
    try:
        return Voucher.get(voucher_id, consistent_read=True)
    except DoesNotExist:
        raise not_found("No such voucher.") from None


def ledger_of(voucher_id: str) -> list[LedgerEntry]:
    return list(LedgerEntry.query(voucher_id, consistent_read=True))


def voucher_with_ledger(voucher_id: str) -> dict[str, Any]:
    voucher = get_voucher(voucher_id)
    view = views.voucher_admin(voucher)
    view["ledger"] = [views.ledger_entry(e) for e in ledger_of(voucher_id)]
    return view


def _status_entry(voucher: Voucher, kind: str, actor: str, note: str | None) -> LedgerEntry:
    """A block or unblock moves no money (amount 0) but stops or starts it being spendable: the entry carries the
    balance it concerns, split into the buyer's and the city's share, for the liability report's `blocked`."""
    balance = int(voucher.balance_cents)
    bonus = bonus_share(balance, int(voucher.bonus_cents or 0), int(voucher.initial_cents))
    return LedgerEntry(voucher.voucher_id, time_ordered_id(), kind=kind, amount_cents=0,
                       created_at=clock.iso_ms(clock.now()), actor=actor, note=note, paid_cents=balance - bonus,
                       bonus_cents=bonus)


def block_entry(voucher: Voucher, actor: str, note: str | None) -> LedgerEntry:
    return _status_entry(voucher, "block", actor, note)


def unblock_entry(voucher: Voucher, actor: str, note: str | None) -> LedgerEntry:
    return _status_entry(voucher, "unblock", actor, note)


# Vouchers a refund or withdrawal took back are blocked with no money left, and stay so: their money went back.
REFUND_REASONS = ("refund", "withdrawal")


def block_voucher(voucher_id: str, reason: str | None = None, actor: str = "admin") -> Voucher:
    """Blocking revokes the token for spending at once; the ledger records who, why and the balance it holds."""
    voucher = get_voucher(voucher_id)
    entry = block_entry(voucher, actor, reason)
    try:
        with transaction() as tx:
            tx.save(entry, name="entry", condition=LedgerEntry.entry_id.does_not_exist())
            tx.update(Voucher(voucher_id), name="voucher",
                      actions=[Voucher.status.set(BLOCKED), Voucher.block_reason.set(reason)],
                      condition=(Voucher.status == ACTIVE) & (Voucher.balance_cents == int(voucher.balance_cents)))
            add_totals(tx, [entry])
    except TransactionCancelled as err:
        if "voucher" not in err.failed:
            raise
        current = err.item("voucher", Voucher)
        if current is not None and current.status == ACTIVE:
            raise DomainError("conflict", "The voucher changed meanwhile; please retry.") from None
        raise DomainError("voucher_blocked", "This voucher is already blocked.") from None
    return get_voucher(voucher_id)


def _refunded() -> DomainError:
    return DomainError("voucher_refunded", "The money on this voucher went back to the buyer; it stays blocked.")


def _disputed() -> DomainError:
    return DomainError("voucher_disputed", "The payment for this voucher is disputed; re-issue it once the dispute "
                       "is closed.")


def unblock_voucher(voucher_id: str, actor: str = "admin") -> Voucher:
    voucher = get_voucher(voucher_id)
    if voucher.replaced_by:
        raise DomainError("voucher_replaced", "This voucher's balance was re-issued; it stays blocked.")
    if voucher.refunded_at or (voucher.status == BLOCKED and voucher.block_reason in REFUND_REASONS):
        raise _refunded()
    if voucher.status == BLOCKED and is_expired(int(voucher.expires_at), int(clock.now().timestamp())):
        raise DomainError("voucher_expired", "This voucher has expired; it stays blocked.")
    entry = _status_entry(voucher, "unblock", actor, None)
    try:
        with transaction() as tx:
            tx.save(entry, name="entry", condition=LedgerEntry.entry_id.does_not_exist())
            tx.update(Voucher(voucher_id), name="voucher",
                      actions=[Voucher.status.set(ACTIVE), Voucher.block_reason.remove()],
                      condition=(Voucher.status == BLOCKED) & Voucher.replaced_by.does_not_exist()
                      & (Voucher.balance_cents == int(voucher.balance_cents)) & Voucher.refunded_at.does_not_exist())
            add_totals(tx, [entry])
    except TransactionCancelled as err:
        if "voucher" not in err.failed:
            raise
        now = err.item("voucher", Voucher)
        if now is not None and now.refunded_at:
            raise _refunded() from None
        raise DomainError("voucher_not_blocked", "This voucher is not blocked.") from None
    return get_voucher(voucher_id)


def reissue_voucher(voucher_id: str, actor: str = "admin") -> Voucher:
    """Moves the remaining balance of a blocked voucher to a new voucher with a new token (lost or leaked QR).

    The old token never works again: the old voucher stays blocked with balance 0 and `replaced_by` set.
    """
    old = get_voucher(voucher_id)
    if old.status != BLOCKED:
        raise DomainError("voucher_not_blocked", "Block the voucher before re-issuing it.")
    if old.replaced_by:
        raise DomainError("voucher_replaced", "This voucher was already re-issued.", replaced_by=old.replaced_by)
    if old.refunded_at:
        raise _refunded()
    if old.block_reason == DISPUTE:
        raise _disputed()
    remaining = int(old.balance_cents)
    if remaining <= 0:
        raise DomainError("insufficient_balance", "Nothing left to re-issue.", balance_cents=remaining)
    # Keep the paid/bonus split proportional, so settlement still knows whose money is spent.
    bonus = bonus_share(remaining, int(old.bonus_cents or 0), int(old.initial_cents))
    [(new, issue_entry)] = build_vouchers([VoucherSpec(paid_cents=remaining - bonus, bonus_cents=bonus)],
                                          campaign=old.campaign, order_id=old.order_id, actor=actor,
                                          note=f"re-issue of {voucher_id}")
    new.expires_at = old.expires_at
    new.replaces = voucher_id
    issue_entry.kind = "reissue_in"
    out = LedgerEntry(voucher_id, time_ordered_id(), kind="reissue_out", amount_cents=-remaining,
                      created_at=clock.iso_ms(clock.now()), actor=actor, note=f"re-issued as {new.voucher_id}",
                      paid_cents=-(remaining - bonus), bonus_cents=-bonus)
    try:
        with transaction() as tx:
            add_to_transaction(tx, [(new, issue_entry)])
            tx.save(out, name="reissue_out", condition=LedgerEntry.entry_id.does_not_exist())
            add_totals(tx, [issue_entry, out])
            tx.update(Voucher(voucher_id), name="old_voucher",
                      actions=[Voucher.balance_cents.set(0), Voucher.replaced_by.set(new.voucher_id)],
                      condition=(Voucher.status == BLOCKED) & (Voucher.balance_cents == remaining)
                      & Voucher.replaced_by.does_not_exist() & Voucher.refunded_at.does_not_exist()
                      & (Voucher.block_reason.does_not_exist() | (Voucher.block_reason != DISPUTE)))
    except TransactionCancelled as err:
        if "old_voucher" not in err.failed:
            raise
        raise DomainError("conflict", "The voucher changed meanwhile; please retry.") from None
    balance_hints.put(voucher_id, 0)
    return new

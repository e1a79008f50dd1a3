"""book_expiries: when a voucher's validity ends, the money left on it leaves the city's liability, booked as an
`expiry` ledger entry (balance to zero) and in the month totals, in one transaction per voucher.

The scheduled job finds due vouchers with one Query on the sparse `expiry-due` index (only vouchers whose expiry
is not booked yet carry the marker), so its cost follows the vouchers expiring, not the vouchers ever issued.
Exactly once: the transaction is conditional on the marker and on the balance the job saw; a second run, or two
at once, find the marker gone.
"""

from __future__ import annotations

import logging

from pynamodb.exceptions import UpdateError

from chalicelib.core import clock
from chalicelib.core.ids import time_ordered_id
from chalicelib.store.transactions import TransactionBusy, TransactionCancelled, transaction
from chalicelib.vouchers.bookkeeping import add_totals
from chalicelib.vouchers.models import ACTIVE, BLOCKED, EXPIRY_DUE, LedgerEntry, Voucher
from chalicelib.vouchers.rules import bonus_share

log = logging.getLogger("marktplatz.vouchers")


def expiry_entry(voucher: Voucher) -> LedgerEntry:
    balance = int(voucher.balance_cents)
    bonus = bonus_share(balance, int(voucher.bonus_cents or 0), int(voucher.initial_cents))
    return LedgerEntry(voucher.voucher_id, time_ordered_id(), kind="expiry", amount_cents=-balance,
                       created_at=clock.iso_ms(clock.now()), actor="system", note="validity ended",
                       paid_cents=-(balance - bonus), bonus_cents=-bonus,
                       from_status=BLOCKED if voucher.status != ACTIVE else None)


def book_expiry(voucher: Voucher) -> bool:
    """Book one due voucher; False when it changed meanwhile (another run booked it, or it was spent)."""
    balance = int(voucher.balance_cents)
    due = (Voucher.expiry_due == EXPIRY_DUE) & (Voucher.balance_cents == balance)
    if balance <= 0:  # nothing left to expire: only the marker goes
        try:
            Voucher(voucher.voucher_id).update(actions=[Voucher.expiry_due.remove()], condition=due)
        except UpdateError:
            return False
        return True
    entry = expiry_entry(voucher)
    try:
        with transaction() as tx:
            tx.save(entry, name="entry", condition=LedgerEntry.entry_id.does_not_exist())
            tx.update(Voucher(voucher.voucher_id), name="voucher",
                      actions=[Voucher.balance_cents.set(0), Voucher.expiry_due.remove()],
                      condition=due & (Voucher.expires_at <= int(clock.now().timestamp())))
            add_totals(tx, [entry])
    except (TransactionCancelled, TransactionBusy):
        return False
    return True


def book_expiries() -> dict[str, int]:
    """Every voucher whose validity has ended and whose expiry is not booked yet."""
    now_epoch = int(clock.now().timestamp())
    booked = skipped = 0
    for voucher in Voucher.due_to_expire.query(EXPIRY_DUE, Voucher.expires_at <= now_epoch):
        if book_expiry(voucher):
            booked += 1
        else:
            skipped += 1
    if booked or skipped:
        log.info("voucher expiries booked=%d skipped=%d", booked, skipped)
    return {"booked": booked, "skipped": skipped}

"""Money going back: Stripe refunds and disputes block the order's vouchers; the buyer's withdrawal (Widerruf)
within 14 days blocks them and refunds through Stripe. Every step writes ledger entries in the same transaction
as the voucher change, conditional on the balance it saw, so a redemption racing with a refund cannot slip in."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.core import clock
from chalicelib.core.errors import DomainError
from chalicelib.core.ids import time_ordered_id
from chalicelib.payments import config, stripe_gateway
from chalicelib.payments.allocation import Holding, vouchers_to_refund
from chalicelib.payments.fulfil import fulfil_order
from chalicelib.payments.models import (
    DISPUTE_LOST,
    DISPUTE_OPEN,
    DISPUTE_WON,
    FAILED,
    PAID,
    PARTIALLY_REFUNDED,
    PENDING,
    REFUND_DUE,
    REFUND_FAILED,
    REFUNDED,
    Campaign,
    Order,
)
from chalicelib.payments.orders import get_order, holders_vouchers, vouchers_of
from chalicelib.store.transactions import TransactionBusy, TransactionCancelled, UnitOfWork, transaction
from chalicelib.vouchers.bookkeeping import add_totals
from chalicelib.vouchers.lifecycle import block_entry, unblock_entry
from chalicelib.vouchers.models import ACTIVE, BLOCKED, LedgerEntry, Voucher
from chalicelib.vouchers.redemption import balance_hints
from chalicelib.vouchers.rules import DISPUTE, bonus_share

log = logging.getLogger("marktplatz.payments")
MAX_ATTEMPTS = 6


def _holding(v: Voucher) -> Holding:
    return Holding(v.voucher_id, int(v.balance_cents), int(v.initial_cents), int(v.paid_cents or 0),
                   int(v.bonus_cents or 0))


def order_for_payment_intent(payment_intent_id: str) -> Order | None:
    """The paid order behind a charge. A refund or dispute can arrive before `payment_intent.succeeded` (events come
    in any order): then the payment did succeed, so the order is fulfilled first, as the webhook would."""
    for key in Order.by_payment_intent.query(payment_intent_id, limit=1):
        order = get_order(key.order_id)
        if order.status in (PENDING, FAILED):
            intent = stripe_gateway.retrieve_payment_intent(payment_intent_id)
            if intent.get("status") in ("succeeded", "requires_capture", "processing"):
                order = fulfil_order(order.order_id, intent)
        return order
    return None


def _can_take_back(v: Voucher) -> bool:
    """The holder's money may still be on it: not re-issued (its replacement holds it), not refunded already."""
    return not v.replaced_by and not v.refunded_at


def _take_back(tx: UnitOfWork, voucher: Voucher, actor: str, note: str, booked: list[LedgerEntry]) -> int:
    """Zero the voucher and block it for good (`refunded_at`), with a `refund` ledger entry (appended to `booked`,
    whose totals the transaction adds once); returns the bonus that returns to the city. Active and blocked
    vouchers alike: a block keeps the holder's money, a refund returns it."""
    balance = int(voucher.balance_cents)
    bonus = bonus_share(balance, int(voucher.bonus_cents or 0), int(voucher.initial_cents))
    entry = LedgerEntry(voucher.voucher_id, time_ordered_id(), kind="refund", amount_cents=-balance,
                        created_at=clock.iso_ms(clock.now()), actor=actor, note=note,
                        paid_cents=-(balance - bonus), bonus_cents=-bonus)
    tx.save(entry, name=f"refund:{voucher.voucher_id}", condition=LedgerEntry.entry_id.does_not_exist())
    booked.append(entry)
    tx.update(Voucher(voucher.voucher_id), name=f"voucher:{voucher.voucher_id}",
              actions=[Voucher.balance_cents.set(0), Voucher.status.set(BLOCKED), Voucher.block_reason.set(note),
                       Voucher.refunded_at.set(entry.created_at)],
              condition=(Voucher.balance_cents == balance) & (Voucher.status == voucher.status)
              & Voucher.replaced_by.does_not_exist() & Voucher.refunded_at.does_not_exist())
    return bonus


def _credit_campaign(tx: UnitOfWork, order: Order, bonus_back: int) -> None:
    # Bonus money never spent goes back into the campaign's budget for other buyers.
    if bonus_back and order.campaign_id and order.bonus_granted:
        tx.update(Campaign(order.campaign_id), name="campaign", actions=[Campaign.remaining_cents.add(bonus_back)],
                  condition=Campaign.campaign_id.exists())


def apply_refund(payment_intent_id: str, refunded_total_cents: int) -> Order | None:
    """charge.refunded: Stripe has returned `refunded_total_cents` (cumulative) of the order to the buyer. Take
    back vouchers for the part not yet accounted for. Repeats and our own withdrawal refunds change nothing."""
    order = order_for_payment_intent(payment_intent_id)
    if order is None:
        return None
    for _ in range(MAX_ATTEMPTS):
        if order.status not in (PAID, PARTIALLY_REFUNDED, REFUNDED):
            return order
        outcome = _take_back_order(order, refunded_total_cents, "refund")
        if outcome is not None:
            return outcome
        order = get_order(order.order_id)  # a voucher was spent or the order moved meanwhile: look again
    raise DomainError("order_busy", "The order is changing right now; please retry.")


def _take_back_order(order: Order, refunded_total_cents: int, note: str, order_actions: list | None = None,
                     order_condition: Any = None) -> Order | None:
    """One transaction: refund entries on the holder's vouchers covering the part of `refunded_total_cents` not yet
    accounted for, the campaign's bonus back, and the order's new `refunded_cents` (condition: the old value).
    Returns the order, or None when the transaction was cancelled (the caller looks again)."""
    already = int(order.refunded_cents or 0)
    if refunded_total_cents <= already and not order_actions:
        return order
    target = max(refunded_total_cents, already)
    vouchers = {v.voucher_id: v for v in holders_vouchers(order)}
    chosen = vouchers_to_refund([_holding(v) for v in vouchers.values() if _can_take_back(v)], target - already)
    status = REFUNDED if target >= int(order.total_cents) else PARTIALLY_REFUNDED
    condition = Order.refunded_cents.does_not_exist() | (Order.refunded_cents == already)
    if order_condition is not None:
        condition &= order_condition
    try:
        with transaction() as tx:
            booked: list[LedgerEntry] = []
            bonus_back = sum(_take_back(tx, vouchers[h.voucher_id], "stripe", note, booked) for h in chosen)
            add_totals(tx, booked)
            _credit_campaign(tx, order, bonus_back)
            tx.update(Order(order.order_id), name="order", condition=condition, actions=[
                Order.refunded_cents.set(target), Order.status.set(status), *(order_actions or [])])
    except (TransactionCancelled, TransactionBusy):
        return None
    for h in chosen:
        balance_hints.put(h.voucher_id, 0)
    return get_order(order.order_id)


def apply_dispute(payment_intent_id: str) -> Order | None:
    """charge.dispute.created: block every voucher the holder has with money on it (re-issued ones: where the money
    went), until the dispute is closed. Blocking keeps the balance: the money may still be the buyer's. The order
    remembers exactly which vouchers the dispute blocked (`dispute_blocked`), so a won dispute lifts only those."""
    order = order_for_payment_intent(payment_intent_id)
    if order is None:
        return None
    for _ in range(MAX_ATTEMPTS):
        if order.disputed:
            return order  # this dispute was handled already
        live = [v for v in holders_vouchers(order) if v.status == ACTIVE and int(v.balance_cents) > 0]
        try:
            with transaction() as tx:
                booked = []
                for v in live:
                    entry = block_entry(v, "stripe", DISPUTE)
                    tx.save(entry, name=f"block:{v.voucher_id}", condition=LedgerEntry.entry_id.does_not_exist())
                    tx.update(Voucher(v.voucher_id), name=f"voucher:{v.voucher_id}",
                              actions=[Voucher.status.set(BLOCKED), Voucher.block_reason.set(DISPUTE)],
                              condition=(Voucher.status == ACTIVE) & (Voucher.balance_cents == int(v.balance_cents))
                              & Voucher.replaced_by.does_not_exist())
                    booked.append(entry)
                add_totals(tx, booked)
                tx.update(Order(order.order_id), name="order", condition=Order.disputed.does_not_exist(), actions=[
                    Order.disputed.set(True), Order.dispute_status.set(DISPUTE_OPEN),
                    Order.dispute_open.set(DISPUTE_OPEN), Order.dispute_blocked.set([v.voucher_id for v in live])])
        except (TransactionCancelled, TransactionBusy):
            order = get_order(order.order_id)  # handled meanwhile, or a voucher changed: look again
            continue
        return get_order(order.order_id)
    raise DomainError("order_busy", "The order is changing right now; please retry.")


def close_dispute(payment_intent_id: str, outcome: str, amount_cents: int) -> Order | None:
    """charge.dispute.closed. Won (or an inquiry closed without a chargeback): unblock what the dispute blocked and
    nothing else — vouchers an admin blocked, re-issued or that were refunded meanwhile stay as they are. Lost: the
    bank took `amount_cents` back to the buyer, so it is booked like a refund of that amount (refund entries on the
    holder's vouchers, balance 0, `refunded_at`); what was spent already is the city's loss, visible in the ledger."""
    order = order_for_payment_intent(payment_intent_id)
    if order is None:
        return None
    for _ in range(MAX_ATTEMPTS):
        if order.dispute_status != DISPUTE_OPEN:
            return order  # never opened here, or closed already: a repeat changes nothing
        if outcome == DISPUTE_LOST:
            target = min(int(order.total_cents), int(order.refunded_cents or 0) + amount_cents)
            done = _take_back_order(order, target, "dispute lost",
                                    order_actions=[Order.dispute_status.set(DISPUTE_LOST),
                                                   Order.dispute_open.remove()],
                                    order_condition=Order.dispute_status == DISPUTE_OPEN)
        else:
            done = _lift_dispute_blocks(order)
        if done is not None:
            return done
        order = get_order(order.order_id)
    raise DomainError("order_busy", "The order is changing right now; please retry.")


def _lift_dispute_blocks(order: Order) -> Order | None:
    ids = list(order.dispute_blocked or [])
    found = {v.voucher_id: v for v in Voucher.batch_get(ids, consistent_read=True)} if ids else {}
    still = [v for v in found.values() if v.status == BLOCKED and v.block_reason == DISPUTE and _can_take_back(v)]
    try:
        with transaction() as tx:
            booked: list[LedgerEntry] = []
            for v in still:
                entry = unblock_entry(v, "stripe", "dispute won")
                tx.save(entry, name=f"unblock:{v.voucher_id}", condition=LedgerEntry.entry_id.does_not_exist())
                tx.update(Voucher(v.voucher_id), name=f"voucher:{v.voucher_id}",
                          actions=[Voucher.status.set(ACTIVE), Voucher.block_reason.remove()],
                          condition=(Voucher.status == BLOCKED) & (Voucher.block_reason == DISPUTE)
                          & (Voucher.balance_cents == int(v.balance_cents))
                          & Voucher.replaced_by.does_not_exist() & Voucher.refunded_at.does_not_exist())
                booked.append(entry)
            add_totals(tx, booked)
            tx.update(Order(order.order_id), name="order",
                      actions=[Order.dispute_status.set(DISPUTE_WON), Order.dispute_open.remove()],
                      condition=Order.dispute_status == DISPUTE_OPEN)
    except (TransactionCancelled, TransactionBusy):
        return None
    return get_order(order.order_id)


def withdraw_order(order: Order, actor: str) -> Order:
    """Widerruf: within 14 days of purchase, if no voucher has been spent at all. Vouchers are blocked and zeroed
    first (atomically, only if untouched), then Stripe refunds; if Stripe is down, the reconcile job retries."""
    if order.withdrawn_at:
        return _refund_withdrawal(order)
    if order.status != PAID:
        raise DomainError("order_not_paid", "Only a paid order can be withdrawn.", order_status=order.status)
    paid_at = clock.parse_iso(order.paid_at or order.created_at)
    if clock.now() - paid_at > timedelta(days=config.WITHDRAWAL_DAYS):
        raise DomainError("withdrawal_period_over", "The 14-day withdrawal period for this order is over.")
    vouchers = vouchers_of(order)
    for v in vouchers:
        if int(v.balance_cents) != int(v.initial_cents):
            raise DomainError("voucher_spent", "A voucher of this order has been spent; it can no longer be withdrawn.")
        if v.status != ACTIVE:
            raise DomainError("voucher_blocked", "A voucher of this order is blocked; please contact the city.")
    now = clock.iso_ms(clock.now())
    try:
        with transaction() as tx:
            booked: list[LedgerEntry] = []
            bonus_back = sum(_take_back(tx, v, actor, "withdrawal", booked) for v in vouchers)
            add_totals(tx, booked)
            _credit_campaign(tx, order, bonus_back)
            tx.update(Order(order.order_id), name="order", actions=[
                Order.status.set(REFUNDED), Order.refunded_cents.set(int(order.total_cents)),
                Order.withdrawn_at.set(now), Order.refund_due.set(REFUND_DUE),
            ], condition=(Order.status == PAID) & Order.withdrawn_at.does_not_exist())
    except (TransactionCancelled, TransactionBusy):
        fresh = get_order(order.order_id)
        if fresh.withdrawn_at:
            return _refund_withdrawal(fresh)
        raise DomainError("voucher_spent", "A voucher of this order was just spent; it can no longer be withdrawn.") \
            from None
    for v in vouchers:
        balance_hints.put(v.voucher_id, 0)
    return _refund_withdrawal(get_order(order.order_id))


def _refund_withdrawal(order: Order) -> Order:
    """Send the refund that is due: a withdrawal's whole order, or (a retry the city asked for) what failed."""
    if order.refund_due != REFUND_DUE:
        return order
    attempt = int(order.refund_attempt or 0)
    amount = int(order.failed_refund_cents or 0) if attempt else int(order.total_cents)
    key = f"refund-retry-{order.order_id}-{attempt}" if attempt else f"withdrawal-{order.order_id}"
    try:
        refund_id = stripe_gateway.refund(str(order.payment_intent_id), amount, idempotency_key=key)
    except stripe_gateway.StripeUnavailable:
        log.warning("refund of order %s failed; the reconcile job retries", order.order_id)
        return order
    order.update(actions=[Order.refund_id.set(refund_id), Order.refund_due.remove()],
                 condition=Order.refund_due == REFUND_DUE)
    return order


def retry_due_refunds() -> int:
    done = 0
    for order in Order.with_refund_due.query(REFUND_DUE):
        if _refund_withdrawal(get_order(order.order_id)).refund_due is None:
            done += 1
    return done


def refund_failed(payment_intent_id: str, refund_id: str, amount_cents: int, reason: str) -> Order | None:
    """refund.failed: the buyer did not get the money back (closed card, ...). The vouchers stay taken back (the
    money is owed to the buyer, not to the voucher); the order goes on the city's list of failed refunds
    (`refund_due = failed`, GET /api/v1/orders/refunds/failed) until staff retry it. Repeats change nothing."""
    for key in Order.by_payment_intent.query(payment_intent_id, limit=1):
        try:
            Order(key.order_id).update(actions=[
                Order.refund_due.set(REFUND_FAILED), Order.failed_refund_id.set(refund_id),
                Order.failed_refund_cents.set(amount_cents), Order.refund_failure.set(reason[:200])],
                condition=Order.failed_refund_id.does_not_exist() | (Order.failed_refund_id != refund_id))
        except UpdateError as err:
            if err.cause_response_code != "ConditionalCheckFailedException":
                raise
        log.error("Stripe refund %s of order %s failed: %s", refund_id, key.order_id, reason)
        return get_order(key.order_id)
    return None


def failed_refunds() -> list[Order]:
    return [get_order(o.order_id) for o in Order.with_refund_due.query(REFUND_FAILED)]


def retry_failed_refund(order_id: str) -> Order:
    """The city asks Stripe again (a new refund of the failed amount, its own idempotency key)."""
    try:
        Order(order_id).update(actions=[Order.refund_due.set(REFUND_DUE), Order.refund_attempt.add(1)],
                               condition=Order.refund_due == REFUND_FAILED)
    except UpdateError as err:
        if err.cause_response_code != "ConditionalCheckFailedException":
            raise
        raise DomainError("refund_not_failed", "This order has no failed refund to retry.") from None
    return _refund_withdrawal(get_order(order_id))

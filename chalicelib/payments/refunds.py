"""Money going back: Stripe refunds and disputes block the order's vouchers; the buyer's withdrawal (Widerruf)
within 14 days blocks them and refunds through Stripe. Every step writes ledger entries in the same transaction
as the voucher change, conditional on the balance it saw, so a redemption racing with a refund cannot slip in."""

from __future__ import annotations

import logging
from datetime import timedelta

from chalicelib.core import clock
from chalicelib.core.errors import DomainError
from chalicelib.core.ids import time_ordered_id
from chalicelib.payments import config, stripe_gateway
from chalicelib.payments.allocation import Holding, vouchers_to_refund
from chalicelib.payments.fulfil import fulfil_order
from chalicelib.payments.models import FAILED, PAID, PARTIALLY_REFUNDED, PENDING, REFUNDED, Campaign, Order
from chalicelib.payments.orders import get_order, vouchers_of
from chalicelib.store.transactions import TransactionBusy, TransactionCancelled, UnitOfWork, transaction
from chalicelib.vouchers.models import ACTIVE, BLOCKED, LedgerEntry, Voucher
from chalicelib.vouchers.redemption import balance_hints
from chalicelib.vouchers.rules import bonus_share

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


def _take_back(tx: UnitOfWork, voucher: Voucher, actor: str, note: str) -> int:
    """Zero the voucher and block it, with a `refund` ledger entry; returns the bonus that returns to the city."""
    balance = int(voucher.balance_cents)
    bonus = bonus_share(balance, int(voucher.bonus_cents or 0), int(voucher.initial_cents))
    entry = LedgerEntry(voucher.voucher_id, time_ordered_id(), kind="refund", amount_cents=-balance,
                        created_at=clock.iso_ms(clock.now()), actor=actor, note=note,
                        paid_cents=-(balance - bonus), bonus_cents=-bonus)
    tx.save(entry, name=f"refund:{voucher.voucher_id}", condition=LedgerEntry.entry_id.does_not_exist())
    tx.update(Voucher(voucher.voucher_id), name=f"voucher:{voucher.voucher_id}",
              actions=[Voucher.balance_cents.set(0), Voucher.status.set(BLOCKED), Voucher.block_reason.set(note)],
              condition=(Voucher.balance_cents == balance) & (Voucher.status == ACTIVE))
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
        already = int(order.refunded_cents or 0)
        if refunded_total_cents <= already or order.status not in (PAID, PARTIALLY_REFUNDED, REFUNDED):
            return order
        vouchers = {v.voucher_id: v for v in vouchers_of(order)}
        chosen = vouchers_to_refund([_holding(v) for v in vouchers.values() if v.status == ACTIVE],
                                    refunded_total_cents - already)
        status = REFUNDED if refunded_total_cents >= int(order.total_cents) else PARTIALLY_REFUNDED
        try:
            with transaction() as tx:
                bonus_back = sum(_take_back(tx, vouchers[h.voucher_id], "stripe", "refund") for h in chosen)
                _credit_campaign(tx, order, bonus_back)
                refunded = Order.refunded_cents.does_not_exist() | (Order.refunded_cents == already)
                tx.update(Order(order.order_id), name="order", actions=[
                    Order.refunded_cents.set(refunded_total_cents), Order.status.set(status)], condition=refunded)
        except (TransactionCancelled, TransactionBusy):
            order = get_order(order.order_id)  # a voucher was spent or the order moved meanwhile: look again
            continue
        for h in chosen:
            balance_hints.put(h.voucher_id, 0)
        return get_order(order.order_id)
    raise DomainError("order_busy", "The order is changing right now; please retry.")


def apply_dispute(payment_intent_id: str) -> Order | None:
    """charge.dispute.created: block every voucher of the order that still has money on it, until the dispute is
    decided (an admin can unblock). Blocking keeps the balance: the money may still be the buyer's."""
    order = order_for_payment_intent(payment_intent_id)
    if order is None:
        return None
    for _ in range(MAX_ATTEMPTS):
        live = [v for v in vouchers_of(order) if v.status == ACTIVE and int(v.balance_cents) > 0]
        try:
            with transaction() as tx:
                for v in live:
                    entry = LedgerEntry(v.voucher_id, time_ordered_id(), kind="block", amount_cents=0,
                                        created_at=clock.iso_ms(clock.now()), actor="stripe", note="dispute")
                    tx.save(entry, name=f"block:{v.voucher_id}", condition=LedgerEntry.entry_id.does_not_exist())
                    tx.update(Voucher(v.voucher_id), name=f"voucher:{v.voucher_id}",
                              actions=[Voucher.status.set(BLOCKED), Voucher.block_reason.set("dispute")],
                              condition=Voucher.status == ACTIVE)
                tx.update(Order(order.order_id), name="order", actions=[Order.disputed.set(True)],
                          condition=Order.disputed.does_not_exist())
        except TransactionCancelled as err:
            if "order" in err.failed:
                return get_order(order.order_id)  # this dispute was handled already
            order = get_order(order.order_id)  # a voucher changed meanwhile: look again
            continue
        except TransactionBusy:
            order = get_order(order.order_id)
            continue
        return get_order(order.order_id)
    raise DomainError("order_busy", "The order is changing right now; please retry.")


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
            bonus_back = 0
            for v in vouchers:
                bonus_back += _take_back(tx, v, actor, "withdrawal")
            _credit_campaign(tx, order, bonus_back)
            tx.update(Order(order.order_id), name="order", actions=[
                Order.status.set(REFUNDED), Order.refunded_cents.set(int(order.total_cents)),
                Order.withdrawn_at.set(now), Order.refund_due.set("due"),
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
    if order.refund_id or not order.refund_due:
        return order
    try:
        refund_id = stripe_gateway.refund(str(order.payment_intent_id), int(order.total_cents),
                                          idempotency_key=f"withdrawal-{order.order_id}")
    except stripe_gateway.StripeUnavailable:
        log.warning("refund of withdrawn order %s failed; the reconcile job retries", order.order_id)
        return order
    order.update(actions=[Order.refund_id.set(refund_id), Order.refund_due.remove()])
    return order


def retry_due_refunds() -> int:
    done = 0
    for order in Order.with_refund_due.query("due"):
        if _refund_withdrawal(get_order(order.order_id)).refund_id:
            done += 1
    return done

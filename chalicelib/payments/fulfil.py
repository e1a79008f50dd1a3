"""fulfil_order: a paid order gets its vouchers exactly once, whoever asks (webhook, its retries, the reconcile job).

Issuing is ONE TransactWriteItems:
  - Put each voucher (id derived from the order id; condition: does not exist) and its `issue` ledger entry,
  - Update the month totals of the sale (docs/reports.md: a few voucher shards, never a shared counter),
  - Update the campaign: remaining_cents -= bonus, condition remaining_cents >= bonus (only if there is a bonus),
  - Update the order: status := paid, condition status in (pending, failed).
Concurrent or repeated deliveries all try the same transaction; DynamoDB lets exactly one succeed, the others are
cancelled by the order's condition and find the order paid. A crash before the transaction leaves the order
pending (a retry issues); after it, everything is written (a retry delivers if the e-mail was not sent yet).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.core import clock, metrics
from chalicelib.core.errors import DomainError
from chalicelib.payments import config, delivery
from chalicelib.payments.models import FAILED, PAID, PARTIALLY_REFUNDED, PENDING, Campaign, Order
from chalicelib.payments.orders import get_order, voucher_ids_for, vouchers_of
from chalicelib.store.transactions import TransactionBusy, TransactionCancelled, transaction
from chalicelib.vouchers.bookkeeping import add_totals
from chalicelib.vouchers.issuing import VoucherSpec, add_to_transaction, build_vouchers
from chalicelib.vouchers.models import Voucher

log = logging.getLogger("marktplatz.payments")
MAX_ATTEMPTS = 6


class PaymentMismatch(Exception):
    """The PaymentIntent does not pay for this order (amount, currency or order id differ)."""


def _check_payment(order: Order, intent: dict[str, Any]) -> None:
    metadata = intent.get("metadata") or {}
    if (metadata.get("order_id") != order.order_id or int(intent.get("amount") or 0) != int(order.total_cents)
            or str(intent.get("currency", "")).lower() != "eur"
            or (order.payment_intent_id and intent.get("id") != order.payment_intent_id)):
        raise PaymentMismatch(f"payment intent {intent.get('id')} does not pay order {order.order_id}")


def _issue(order: Order, payment_intent_id: str, with_bonus: bool) -> tuple[str, list[Voucher]]:
    """One transaction. Returns ("issued" | "taken" | "no_budget" | "conflict", vouchers)."""
    bonus = int(order.bonus_cents or 0) if with_bonus and order.campaign_id else 0
    quantity = int(order.quantity)
    ids = voucher_ids_for(order.order_id, quantity)
    specs = [VoucherSpec(paid_cents=int(order.amount_cents), bonus_cents=bonus, voucher_id=vid) for vid in ids]
    pairs = build_vouchers(specs, campaign=order.campaign_name if bonus else None, order_id=order.order_id,
                           actor="stripe", note=f"order {order.order_id}")
    now = clock.iso_ms(clock.now())
    try:
        with transaction() as tx:
            add_to_transaction(tx, pairs)
            add_totals(tx, [entry for _, entry in pairs])
            if bonus:
                total_bonus = bonus * quantity
                tx.update(Campaign(order.campaign_id), name="campaign",
                          actions=[Campaign.remaining_cents.add(-total_bonus)],
                          condition=Campaign.remaining_cents >= total_bonus)
            tx.update(Order(order.order_id), name="order", actions=[
                Order.status.set(PAID), Order.paid_at.set(now), Order.payment_intent_id.set(payment_intent_id),
                Order.voucher_ids.set(ids), Order.bonus_granted.set(bool(bonus)), Order.awaiting_payment.remove(),
                Order.delivery_claimed_at.set(now),  # the issuer delivers; others wait for its claim to go stale
            ], condition=Order.status.is_in(PENDING, FAILED))
    except TransactionBusy:
        return "conflict", []
    except TransactionCancelled as err:
        if "order" in err.failed:
            return "taken", []
        if "campaign" in err.failed:
            return "no_budget", []
        raise
    return "issued", [voucher for voucher, _ in pairs]


def fulfil_order(order_id: str, intent: dict[str, Any]) -> Order:
    """Issue the order's vouchers if nobody has yet, then make sure the buyer gets the e-mail. Idempotent."""
    order = get_order(order_id)
    _check_payment(order, intent)
    with_bonus = True
    vouchers: list[Voucher] | None = None
    for _ in range(MAX_ATTEMPTS):
        if order.status not in (PENDING, FAILED):
            break
        outcome, issued = _issue(order, str(intent["id"]), with_bonus)
        if outcome == "issued":
            vouchers = issued  # the transaction wrote exactly this; no read needed to know the new state
            metrics.vouchers_sold(len(issued), sum(int(v.paid_cents or 0) for v in issued))  # once: we issued
            order.status, order.voucher_ids = PAID, [v.voucher_id for v in issued]
            order.bonus_granted = bool(issued and int(issued[0].bonus_cents or 0))
            order.payment_intent_id = str(intent["id"])
            break
        if outcome == "no_budget":
            log.info("campaign budget exhausted; order %s is issued without bonus", order_id)
            with_bonus = False
            continue
        order = get_order(order_id)
    else:
        raise DomainError("order_busy", "The order is being processed; please retry.")
    if vouchers is not None:
        _deliver(order, vouchers)
    elif (order.status in (PAID, PARTIALLY_REFUNDED) and order.voucher_ids and not order.delivered_at
          and _claim_delivery(order)):  # a fully refunded order has nothing left worth mailing
        _deliver(order, vouchers_of(order))
    return order


def _claim_delivery(order: Order) -> bool:
    """Whoever finds a paid order undelivered and its last claim stale takes it over, exactly one of them."""
    stale_before = clock.iso_ms(clock.now() - timedelta(minutes=config.DELIVERY_CLAIM_MINUTES))
    if order.delivery_claimed_at and order.delivery_claimed_at > stale_before:
        return False
    condition = Order.delivered_at.does_not_exist()
    if order.delivery_claimed_at:
        condition &= Order.delivery_claimed_at == order.delivery_claimed_at
    else:
        condition &= Order.delivery_claimed_at.does_not_exist()
    try:
        Order(order.order_id).update(actions=[Order.delivery_claimed_at.set(clock.iso_ms(clock.now()))],
                                     condition=condition)
    except UpdateError as err:
        if err.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _deliver(order: Order, vouchers: list[Voucher]) -> None:
    try:
        delivery.send_vouchers(order, vouchers)
    except Exception:
        log.exception("delivery of order %s failed; a webhook retry or the reconcile job sends it", order.order_id)
        try:  # release the claim so that the next attempt need not wait for it to go stale
            Order(order.order_id).update(actions=[Order.delivery_claimed_at.remove()],
                                         condition=Order.delivered_at.does_not_exist())
        except UpdateError:
            pass
        raise DomainError("delivery_failed", "The vouchers are issued but the e-mail could not be sent yet.") \
            from None
    Order(order.order_id).update(actions=[Order.delivered_at.set(clock.iso_ms(clock.now()))])


def mark_failed(order_id: str) -> bool:
    """A declined payment: only a pending order becomes failed (a late `failed` event never undoes `paid`)."""
    try:
        Order(order_id).update(actions=[Order.status.set(FAILED), Order.failed_at.set(clock.iso_ms(clock.now()))],
                               condition=Order.order_id.exists() & (Order.status == PENDING))
    except UpdateError as err:
        if err.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True

"""expire_unpaid_orders: an order nobody paid within MARKTPLATZ_ORDER_PAYMENT_HOURS expires, and its PaymentIntent
is cancelled at Stripe first, so it can never be paid afterwards (a payment for an order we gave up on would be
money without vouchers). Run by the reconcile job; reads only the sparse `awaiting-payment` index, never a scan.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from pynamodb.exceptions import UpdateError

from chalicelib.core import clock
from chalicelib.payments import config, fulfil, stripe_gateway
from chalicelib.payments.models import AWAITING, EXPIRED, FAILED, PENDING, Order
from chalicelib.payments.orders import get_order

log = logging.getLogger("marktplatz.payments")
PAID_AT_STRIPE = ("succeeded", "processing", "requires_capture")


def expire_unpaid_orders() -> int:
    """Expire pending (or declined) orders older than the payment window; returns how many expired now."""
    cutoff = clock.iso_ms(clock.now() - timedelta(hours=config.order_payment_hours()))
    expired = 0
    for key in Order.awaiting.query(AWAITING, range_key_condition=Order.created_at < cutoff):
        try:
            expired += _expire(get_order(key.order_id))
        except stripe_gateway.StripeUnavailable:
            log.warning("could not cancel the payment of order %s; the next run tries again", key.order_id)
    return expired


def _expire(order: Order) -> int:
    if order.status not in (PENDING, FAILED):
        Order(order.order_id).update(actions=[Order.awaiting_payment.remove()])  # paid meanwhile: off the index
        return 0
    if order.payment_intent_id:
        intent = stripe_gateway.cancel_payment_intent(order.payment_intent_id)
        if intent.get("status") in PAID_AT_STRIPE:
            # Paid after all (its webhook is late): issue it, like the webhook would, instead of expiring it.
            if intent.get("status") == "succeeded":
                fulfil.fulfil_order(order.order_id, intent)
            return 0
    try:
        Order(order.order_id).update(
            actions=[Order.status.set(EXPIRED), Order.expired_at.set(clock.iso_ms(clock.now())),
                     Order.awaiting_payment.remove()],
            condition=Order.status.is_in(PENDING, FAILED))
    except UpdateError as err:
        if err.cause_response_code == "ConditionalCheckFailedException":
            return 0
        raise
    return 1

"""place_order and what the buyer sees of an order. The price is computed here; nothing about it comes from the
client except the wanted amount per voucher and the quantity."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, NamedTuple

from pynamodb.exceptions import DoesNotExist

from chalicelib.core import clock
from chalicelib.core.errors import DomainError, not_found
from chalicelib.core.ids import b32, random_id, secret_key
from chalicelib.payments import campaigns, config, stripe_gateway
from chalicelib.payments.models import AWAITING, Order
from chalicelib.signing.token import voucher_id_from_bytes
from chalicelib.store import idempotency
from chalicelib.store.models import IdempotencyRecord
from chalicelib.store.transactions import TransactionCancelled, transaction
from chalicelib.vouchers import views
from chalicelib.vouchers.models import Voucher


class PlacedOrder(NamedTuple):
    order: Order
    order_secret: str
    client_secret: str


def secret_hash(order_secret: str) -> str:
    return hashlib.sha256(order_secret.encode("utf-8")).hexdigest()


def voucher_ids_for(order_id: str, quantity: int) -> list[str]:
    """The order's voucher ids, derived from the order id: issuing twice would write the very same items, and the
    ids are known before issuing (no extra write to remember them)."""
    return [voucher_id_from_bytes(hashlib.sha256(f"marktplatz/order-voucher/v1|{order_id}|{i}".encode())
                                  .digest()[:10]) for i in range(quantity)]


class ReplayedOrder(NamedTuple):
    """The same Idempotency-Key and body again: the answer the first request got (the same order)."""

    answer: dict[str, Any]


def placed_view(placed: PlacedOrder) -> dict[str, Any]:
    """The buyer's answer to a new order: ids, secrets and what stripe.js needs to pay it."""
    order = placed.order
    return {
        "order_id": order.order_id,
        "order_secret": placed.order_secret,
        "status": order.status,
        "amount_cents": int(order.amount_cents),
        "quantity": int(order.quantity),
        "total_cents": int(order.total_cents),
        "bonus_cents": int(order.bonus_cents or 0),
        "payment": {"provider": "stripe", "client_secret": placed.client_secret,
                    "publishable_key": stripe_gateway.publishable_key(), "js_url": stripe_gateway.js_url()},
    }


def place_order(*, amount_cents: int, quantity: int, email: str, bonus_code: str | None = None,
                lang: str = "de", idempotency_key: str | None = None) -> PlacedOrder | ReplayedOrder:
    """A new order and its PaymentIntent. With an Idempotency-Key the order id derives from the key, so a retry
    (even one racing the first) asks Stripe for the same PaymentIntent (Stripe's idempotency key `order-<id>`),
    and the order is saved in one transaction with the idempotency record holding the answer; whoever loses
    that transaction answers what the winner stored."""
    scope = f"order#public#{idempotency_key}" if idempotency_key else None
    wanted = idempotency.request_hash("order", amount_cents, quantity, email, bonus_code, lang)
    if scope is not None:
        record = idempotency.stored(scope)
        if record is not None:
            return ReplayedOrder(idempotency.answer_of(record, wanted))
    low, high = config.amount_limits()
    if not low <= amount_cents <= high:
        raise DomainError("invalid_amount", f"Vouchers can be bought from {low / 100:.2f} to {high / 100:.2f} EUR.",
                          field="amount_cents", min_cents=low, max_cents=high)
    if not 1 <= quantity <= config.MAX_QUANTITY:
        raise DomainError("invalid_request", f"'quantity' must be between 1 and {config.MAX_QUANTITY}.",
                          field="quantity")
    now = clock.now()
    campaign = campaigns.current_campaign(bonus_code, now)
    if bonus_code and (campaign is None or campaign.code != bonus_code.strip().upper()):
        if not campaigns.code_is_known(bonus_code):
            raise DomainError("invalid_bonus_code", "This bonus code is not known.", field="bonus_code")
    bonus = campaigns.bonus_per_voucher(amount_cents, int(campaign.percent)) if campaign else 0
    order_id = random_id("ord", 12) if scope is None else "ord_" + b32(hashlib.sha256(
        f"marktplatz/order/v1|{scope}".encode()).digest()[:12])
    order_secret = secret_key("os")
    total = amount_cents * quantity
    # The PaymentIntent comes first: if saving the order then fails, the intent is never shown to anyone and
    # nobody can pay it. The other way round, a paid intent could exist without its order.
    try:
        intent = stripe_gateway.create_payment_intent(order_id=order_id, total_cents=total, email=email,
                                                      quantity=quantity)
    except stripe_gateway.StripeUnavailable:
        raise DomainError("payment_unavailable", "Payment is not available right now; please try again.") from None
    order = Order(order_id, secret_hash=secret_hash(order_secret), email=email, lang=lang,
                  amount_cents=amount_cents, quantity=quantity, total_cents=total,
                  campaign_id=campaign.campaign_id if campaign and bonus else None,
                  campaign_name=campaign.name if campaign and bonus else None, bonus_cents=bonus,
                  payment_intent_id=intent.payment_intent_id, created_at=clock.iso_ms(now),
                  awaiting_payment=AWAITING)
    placed = PlacedOrder(order, order_secret, intent.client_secret)
    if scope is None:
        order.save(condition=Order.order_id.does_not_exist())
        return placed
    try:
        with transaction() as tx:
            tx.save(order, name="order", condition=Order.order_id.does_not_exist())
            tx.save(idempotency.record(scope, wanted, placed_view(placed), now), name="idempotency",
                    condition=IdempotencyRecord.scope_key.does_not_exist())
    except TransactionCancelled as err:
        if "idempotency" not in err.failed:
            raise
        record = idempotency.stored(scope)
        if record is None:  # pragma: no cover - the transaction just saw it
            raise DomainError("conflict", "Please retry.") from None
        return ReplayedOrder(idempotency.answer_of(record, wanted))
    return placed


def get_order(order_id: str) -> Order:
    try:
        return Order.get(order_id, consistent_read=True)
    except DoesNotExist:
        raise not_found("No such order.") from None


def order_for_holder(order_id: str, order_secret: str | None) -> Order:
    """The order if the secret matches; unknown order and wrong secret answer the same `not_found`."""
    if not order_secret or len(order_id) > 64 or len(order_secret) > 100:
        raise not_found("No such order.")
    try:
        order = Order.get(order_id, consistent_read=True)
    except DoesNotExist:
        raise not_found("No such order.") from None
    if not hmac.compare_digest(order.secret_hash, secret_hash(order_secret)):
        raise not_found("No such order.")
    return order


def vouchers_of(order: Order) -> list[Voucher]:
    ids = list(order.voucher_ids or [])
    if not ids:
        return []
    found = {v.voucher_id: v for v in Voucher.batch_get(ids, consistent_read=True)}
    return [found[i] for i in ids if i in found]


def holders_vouchers(order: Order) -> list[Voucher]:
    """The order's vouchers as the holder has them now: a re-issued voucher is replaced by the end of its chain of
    replacements (where its money went), so refunds and disputes reach the money, not an empty old voucher."""
    from chalicelib.vouchers.redemption import voucher_chain

    return [voucher_chain(v.voucher_id)[-1] if v.replaced_by else v for v in vouchers_of(order)]


def order_view(order: Order, vouchers: list[Voucher] | None = None) -> dict[str, Any]:
    if vouchers is None:
        vouchers = vouchers_of(order)
    shown = []
    for voucher in vouchers:
        view = views.voucher_issued(voucher)
        view["status"] = views.status_of(voucher)
        view["paid_cents"] = int(voucher.paid_cents or 0)
        view["bonus_cents"] = int(voucher.bonus_cents or 0)
        shown.append(view)
    return {
        "order_id": order.order_id,
        "status": order.status,
        "amount_cents": int(order.amount_cents),
        "quantity": int(order.quantity),
        "total_cents": int(order.total_cents),
        "bonus_cents": int(order.bonus_cents or 0) if order.bonus_granted is not False else 0,
        "created_at": order.created_at,
        "paid_at": order.paid_at,
        "refunded_cents": int(order.refunded_cents or 0),
        "withdrawn_at": order.withdrawn_at,
        "disputed": bool(order.disputed),
        "vouchers": shown,
    }

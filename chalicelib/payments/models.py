"""Orders and bonus campaigns as stored in DynamoDB."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.store.base import BaseModel, table_meta

PENDING, PAID, FAILED = "pending", "paid", "failed"
REFUNDED, PARTIALLY_REFUNDED = "refunded", "partially_refunded"
EXPIRED = "expired"  # never paid within MARKTPLATZ_ORDER_PAYMENT_HOURS; its PaymentIntent is cancelled
DISPUTE_OPEN, DISPUTE_WON, DISPUTE_LOST = "open", "won", "lost"


class OrdersByPaymentIntent(GlobalSecondaryIndex):
    """Refund and dispute events name the PaymentIntent, not our order."""

    class Meta:
        index_name = "by-payment-intent"
        projection = KeysOnlyProjection()

    payment_intent_id = UnicodeAttribute(hash_key=True)


class OrdersWithRefundDue(GlobalSecondaryIndex):
    """Sparse: only withdrawn orders whose Stripe refund has not been confirmed yet carry `refund_due`."""

    class Meta:
        index_name = "refund-due"
        projection = AllProjection()

    refund_due = UnicodeAttribute(hash_key=True)


class OrdersByEmail(GlobalSecondaryIndex):
    """The back office finds a buyer's orders by e-mail address (support calls)."""

    class Meta:
        index_name = "by-email"
        projection = KeysOnlyProjection()

    email = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class OrdersAwaitingPayment(GlobalSecondaryIndex):
    """Sparse: only orders still waiting for their payment carry `awaiting_payment`; the expiry job reads the old
    ones by `created_at` instead of scanning every order."""

    class Meta:
        index_name = "awaiting-payment"
        projection = KeysOnlyProjection()

    awaiting_payment = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class OrdersWithOpenDispute(GlobalSecondaryIndex):
    """Sparse: only orders whose payment dispute is still open carry `dispute_open` (the back office counts them)."""

    class Meta:
        index_name = "open-dispute"
        projection = KeysOnlyProjection()

    dispute_open = UnicodeAttribute(hash_key=True)


AWAITING = "yes"
REFUND_DUE, REFUND_FAILED = "due", "failed"  # the values of `refund_due` (both in the sparse index)


class Order(BaseModel):
    """A purchase of vouchers. Its status changes only by conditional writes; `paid` is set in the same transaction
    that writes the vouchers, which is what makes issuing happen exactly once."""

    Meta = table_meta("orders")
    order_id = UnicodeAttribute(hash_key=True)
    secret_hash = UnicodeAttribute()  # sha256 of the order secret the buyer holds
    email = UnicodeAttribute()
    lang = UnicodeAttribute(default="de")
    amount_cents = NumberAttribute()  # paid value per voucher
    quantity = NumberAttribute()
    total_cents = NumberAttribute()  # what the buyer pays: amount_cents * quantity
    campaign_id = UnicodeAttribute(null=True)
    campaign_name = UnicodeAttribute(null=True)
    bonus_cents = NumberAttribute(default=0)  # bonus per voucher offered at order time
    bonus_granted = BooleanAttribute(null=True)  # set at issuing: the campaign budget still covered it
    status = UnicodeAttribute(default=PENDING)
    payment_intent_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    paid_at = UnicodeAttribute(null=True)
    failed_at = UnicodeAttribute(null=True)
    voucher_ids = ListAttribute(of=UnicodeAttribute, null=True)
    delivery_claimed_at = UnicodeAttribute(null=True)
    delivered_at = UnicodeAttribute(null=True)
    refunded_cents = NumberAttribute(default=0)  # buyer's money returned so far (Stripe refunds)
    withdrawn_at = UnicodeAttribute(null=True)
    refund_id = UnicodeAttribute(null=True)  # the Stripe refund of a withdrawal, once Stripe accepted it
    disputed = BooleanAttribute(null=True)
    dispute_status = UnicodeAttribute(null=True)  # open | won | lost
    dispute_open = UnicodeAttribute(null=True)  # DISPUTE_OPEN while open (sparse index open-dispute), then removed
    dispute_blocked = ListAttribute(of=UnicodeAttribute, null=True)  # the vouchers the dispute blocked, no others
    refund_due = UnicodeAttribute(null=True)  # "due": a withdrawal's refund is outstanding; "failed": Stripe failed
    failed_refund_id = UnicodeAttribute(null=True)  # the Stripe refund that failed (refund.failed)
    failed_refund_cents = NumberAttribute(null=True)
    refund_failure = UnicodeAttribute(null=True)  # Stripe's failure_reason, shown to the city
    refund_attempt = NumberAttribute(null=True)  # retries the city asked for (each its own idempotency key)
    awaiting_payment = UnicodeAttribute(null=True)  # "yes" while pending (sparse index awaiting-payment)
    expired_at = UnicodeAttribute(null=True)

    by_payment_intent = OrdersByPaymentIntent()
    with_refund_due = OrdersWithRefundDue()
    by_email = OrdersByEmail()
    awaiting = OrdersAwaitingPayment()
    with_open_dispute = OrdersWithOpenDispute()


class Campaign(BaseModel):
    """A city-funded bonus. `remaining_cents` is only ever changed by a conditional ADD (never below zero), in the
    same transaction that issues the bonus vouchers, so concurrent purchases cannot overspend the budget."""

    Meta = table_meta("campaigns")
    campaign_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    percent = NumberAttribute()
    code = UnicodeAttribute(null=True)  # upper-case; None: applies to every purchase in the period
    budget_cents = NumberAttribute()
    remaining_cents = NumberAttribute()
    starts_at = UnicodeAttribute()  # ISO UTC
    ends_at = UnicodeAttribute()
    created_at = UnicodeAttribute()

"""Vouchers, their ledger, and retailers as stored in DynamoDB."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.store.base import BaseModel, table_meta
from chalicelib.vouchers.rules import ACTIVE, BLOCKED  # noqa: F401 (the states, named where the model is)


class Voucher(BaseModel):
    """The balance is a projection of the ledger, changed only together with a ledger entry in one transaction."""

    Meta = table_meta("vouchers")
    voucher_id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute(default=ACTIVE)  # active | blocked
    balance_cents = NumberAttribute()
    initial_cents = NumberAttribute()
    paid_cents = NumberAttribute(default=0)  # buyer's money in initial_cents
    bonus_cents = NumberAttribute(default=0)  # the city's money in initial_cents
    expires_at = NumberAttribute()  # epoch seconds; redemption condition compares numbers
    issued_at = UnicodeAttribute()
    kid = NumberAttribute()  # which signing key made its token (the token is re-derived, never stored)
    campaign = UnicodeAttribute(null=True)
    order_id = UnicodeAttribute(null=True)
    block_reason = UnicodeAttribute(null=True)
    replaced_by = UnicodeAttribute(null=True)
    replaces = UnicodeAttribute(null=True)
    # Set when the money left on it went back to the buyer (Stripe refund, withdrawal, lost dispute): from then
    # on nothing may credit, unblock or re-issue it (docs/money-rules.md).
    refunded_at = UnicodeAttribute(null=True)


class LedgerByRetailer(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-retailer"
        projection = AllProjection()

    retailer_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class LedgerByZone(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-zone"
        projection = AllProjection()

    zone = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class LedgerEntry(BaseModel):
    """Immutable: written once with `attribute_not_exists`, never updated or deleted."""

    Meta = table_meta("ledger")
    voucher_id = UnicodeAttribute(hash_key=True)
    entry_id = UnicodeAttribute(range_key=True)  # time-ordered
    kind = UnicodeAttribute()  # issue | redemption | reversal | reissue_out | reissue_in | block | unblock | refund
    # (a reversal of a re-issued voucher adds reissue_out on the old and reissue_in on the current voucher)
    amount_cents = NumberAttribute()  # signed change of the balance
    created_at = UnicodeAttribute()  # ISO UTC
    retailer_id = UnicodeAttribute(null=True)
    zone = UnicodeAttribute(null=True)
    reverses = UnicodeAttribute(null=True)  # entry_id of the redemption a reversal undoes
    actor = UnicodeAttribute(null=True)  # admin | retailer id | stripe | system
    note = UnicodeAttribute(null=True)
    paid_cents = NumberAttribute(null=True)  # for issue/refund entries: the buyer's share
    bonus_cents = NumberAttribute(null=True)  # for issue/refund entries: the city's share

    by_retailer = LedgerByRetailer()
    by_zone = LedgerByZone()


class Retailer(BaseModel):
    Meta = table_meta("retailers")
    retailer_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    address = UnicodeAttribute()
    email = UnicodeAttribute()
    zone = UnicodeAttribute()
    status = UnicodeAttribute(default=ACTIVE)  # active | disabled
    key_hash = UnicodeAttribute()
    created_at = UnicodeAttribute()

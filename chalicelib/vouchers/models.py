"""Vouchers, their ledger, and retailers as stored in DynamoDB."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import MetaModel

from chalicelib.store.base import BaseModel, table_meta
from chalicelib.vouchers.rules import ACTIVE, BLOCKED  # noqa: F401 (the states, named where the model is)
from chalicelib.vouchers.totals import DAY_ATTRIBUTES, DAY_TOTAL_ATTRIBUTES, HOUR_ATTRIBUTES, MONTH_ATTRIBUTES

EXPIRY_DUE = "due"
LISTED = "shops"


class VouchersDueToExpire(GlobalSecondaryIndex):
    """Sparse: only vouchers whose expiry is not booked yet carry `expiry_due`; the expiry job reads those whose
    `expires_at` has passed with one Query, and removes the marker when it books the expiry."""

    class Meta:
        index_name = "expiry-due"
        projection = AllProjection()

    expiry_due = UnicodeAttribute(hash_key=True)
    expires_at = NumberAttribute(range_key=True)


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
    expiry_due = UnicodeAttribute(null=True)  # EXPIRY_DUE until the expiry job has booked the expiry

    due_to_expire = VouchersDueToExpire()


class LedgerByRetailer(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-retailer"
        projection = AllProjection()

    retailer_id = UnicodeAttribute(hash_key=True)
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
    # The buyer's and the city's share of the money the entry moves (issue, redemption, reversal, refund, re-issue,
    # expiry) or holds (block, unblock: the balance that stops or starts being spendable; amount_cents is 0).
    paid_cents = NumberAttribute(null=True)
    bonus_cents = NumberAttribute(null=True)
    # Where the money the entry moves sits, when not on an active voucher (the totals' mapping reads it):
    # "blocked" -- an expiry or refund taking money off a blocked voucher, or a reversal crediting one (the money
    # stays frozen); "forwarded" -- the reissue_out/reissue_in pair that carries a reversal along a re-issue chain
    # to the holder's current voucher (an internal transfer: the reversal itself is what the city books).
    from_status = UnicodeAttribute(null=True)

    by_retailer = LedgerByRetailer()


class ListedRetailers(GlobalSecondaryIndex):
    """Every shop under one key: the public shop list is one Query (tens to hundreds of small items), no Scan."""

    class Meta:
        index_name = "listed"
        projection = AllProjection()

    listed = UnicodeAttribute(hash_key=True)
    retailer_id = UnicodeAttribute(range_key=True)


class Retailer(BaseModel):
    Meta = table_meta("retailers")
    retailer_id = UnicodeAttribute(hash_key=True)
    listed = UnicodeAttribute(null=True)  # LISTED for every retailer (active or not: the reader filters)
    by_listing = ListedRetailers()
    name = UnicodeAttribute()
    address = UnicodeAttribute()
    email = UnicodeAttribute()
    zone = UnicodeAttribute()
    status = UnicodeAttribute(default=ACTIVE)  # active | disabled
    key_hash = UnicodeAttribute()
    created_at = UnicodeAttribute()
    contact = UnicodeAttribute(null=True)  # contact person and phone, for the city
    iban = UnicodeAttribute(null=True)  # compact, checked with schwifty; where the monthly payout goes
    bic = UnicodeAttribute(null=True)
    account_holder = UnicodeAttribute(null=True)


def _counters(names: tuple[str, ...]) -> dict[str, NumberAttribute]:
    return {name: NumberAttribute(null=True) for name in names}


# The maintained totals (chalicelib/vouchers/totals.py says what they count and why they are keyed so). Their
# counters are generated from the bucket names there, so the pure mapping and the table cannot disagree.
MonthTotal = MetaModel("MonthTotal", (BaseModel,), {
    "__module__": __name__,
    "__doc__": "Money per month of booking: one item per retailer (its settlement) and per voucher shard.",
    "Meta": table_meta("voucher-month-totals"),
    "book": UnicodeAttribute(hash_key=True),  # totals.BOOK
    "key": UnicodeAttribute(range_key=True),  # "<YYYY-MM>#r#<retailer_id>" | "#v#<shard>" | "#z#closing"
    **_counters(MONTH_ATTRIBUTES),
})

DayTotal = MetaModel("DayTotal", (BaseModel,), {
    "__module__": __name__,
    "__doc__": "Vouchers sold and redemptions of one Berlin day, per shop and voucher shard: the back office's today.",
    "Meta": table_meta("voucher-day-totals"),
    "day": UnicodeAttribute(hash_key=True),  # YYYY-MM-DD (Europe/Berlin)
    "key": UnicodeAttribute(range_key=True),  # "r#<retailer_id>" | "v#<shard>"
    **_counters(DAY_TOTAL_ATTRIBUTES),
})

ZoneDayRedemptions = MetaModel("ZoneDayRedemptions", (BaseModel,), {
    "__module__": __name__,
    "__doc__": "Redemptions (n) and cents (c) per UTC hour, per zone, day and retailer: the dashboard's series.",
    "Meta": table_meta("voucher-zone-days"),
    "zone": UnicodeAttribute(hash_key=True),
    "day_retailer": UnicodeAttribute(range_key=True),  # "<YYYY-MM-DD>#<retailer_id>" (UTC day)
    **_counters(HOUR_ATTRIBUTES),
})

ZoneMonthRedemptions = MetaModel("ZoneMonthRedemptions", (BaseModel,), {
    "__module__": __name__,
    "__doc__": "Redemptions (n) and cents (c) per Berlin day, per zone, month and retailer: long dashboard views.",
    "Meta": table_meta("voucher-zone-months"),
    "zone": UnicodeAttribute(hash_key=True),
    "month_retailer": UnicodeAttribute(range_key=True),  # "<YYYY-MM>#<retailer_id>" | rollup "all#<YYYY-MM>"
    **_counters(DAY_ATTRIBUTES),  # live items: ADDed by redemptions and reversals
    "days": UnicodeAttribute(null=True),  # rollups: the month's cells of all retailers (totals.pack_days)
    "through": NumberAttribute(null=True),  # a running month's rollup: the last day it holds (none: the whole month)
})

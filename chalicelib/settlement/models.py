"""A closed settlement month: the figures as they were paid out, frozen."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.store.base import BaseModel, table_meta


class ClosedMonth(BaseModel):
    """Written once (attribute_not_exists) when finance closes a month; never updated. Its existence locks the month:
    the settlement of a closed month is read from here, never recomputed from the ledger."""

    Meta = table_meta("closed-months")
    month = UnicodeAttribute(hash_key=True)  # YYYY-MM
    closed_at = UnicodeAttribute()
    closed_by = UnicodeAttribute()
    payout_cents = NumberAttribute()
    payouts = NumberAttribute()  # number of retailers paid
    settlement = UnicodeAttribute()  # JSON: the settlement with each payee's IBAN and account holder at closing

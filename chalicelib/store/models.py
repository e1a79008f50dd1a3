"""Shared tables used by more than one domain: credentials, idempotency records and rate-limit counters."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute

from chalicelib.store.base import BaseModel, table_meta


class Credential(BaseModel):
    """An API key (stored only as its SHA-256) and whom it names. Deleting the item revokes the key at once."""

    Meta = table_meta("credentials")
    key_hash = UnicodeAttribute(hash_key=True)
    role = UnicodeAttribute()  # retailer | sensor | marketing
    subject_id = UnicodeAttribute()
    zone = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


class IdempotencyRecord(BaseModel):
    """The stored answer to a request made with an Idempotency-Key; written in the same transaction as the effect."""

    Meta = table_meta("idempotency")
    scope_key = UnicodeAttribute(hash_key=True)  # "<operation>#<principal>#<Idempotency-Key>"
    request_hash = UnicodeAttribute()
    status = NumberAttribute()
    response = UnicodeAttribute()  # JSON
    expires_at = TTLAttribute()


class RateCounter(BaseModel):
    """Requests per client and minute; the client is a hash, never a raw address."""

    Meta = table_meta("rate-limits")
    bucket = UnicodeAttribute(hash_key=True)
    hits = NumberAttribute(default=0)
    expires_at = TTLAttribute()

"""City staff accounts, their browser sessions, failed sign-ins and the audit log, as stored in DynamoDB."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.store.base import BaseModel, table_meta

ADMIN, FINANCE, SUPPORT = "admin", "finance", "support"
ROLES = (ADMIN, FINANCE, SUPPORT)
ACTIVE, DISABLED = "active", "disabled"


class StaffAccount(BaseModel):
    """One person of the city's staff; the e-mail address (lower case) is the sign-in name and the key."""

    Meta = table_meta("staff")
    email = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    role = UnicodeAttribute()  # admin | finance | support
    status = UnicodeAttribute(default=ACTIVE)  # active | disabled
    password_hash = UnicodeAttribute()  # "scrypt$n$r$p$salt$hash" (chalicelib/staff/passwords.py)
    created_at = UnicodeAttribute()
    # Raised on every password change, role change or disable: sessions of an older generation stop working.
    generation = NumberAttribute(default=1)


class StaffSession(BaseModel):
    """A signed-in browser. Stored under the SHA-256 of the cookie value, so a leaked table holds no session."""

    Meta = table_meta("staff-sessions")
    session_hash = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute()
    generation = NumberAttribute()
    csrf_token = UnicodeAttribute()
    created_at = UnicodeAttribute()
    last_seen = NumberAttribute()  # epoch seconds, refreshed at most every few minutes
    expires_at = TTLAttribute()  # absolute end; DynamoDB deletes the item some time after it


class SigninFailures(BaseModel):
    """Failed sign-ins per e-mail address and per client (hashed), in a fixed 15-minute window."""

    Meta = table_meta("staff-signin-failures")
    bucket = UnicodeAttribute(hash_key=True)
    failures = NumberAttribute(default=0)
    expires_at = TTLAttribute()


class AuditByObject(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-object"
        projection = AllProjection()

    object_key = UnicodeAttribute(hash_key=True)  # "<type>#<id>"
    entry_id = UnicodeAttribute(range_key=True)


class AuditEntry(BaseModel):
    """Immutable: created with `attribute_not_exists` in the transaction of the change it records; the app has no
    code path that updates or deletes one (and the Lambda role has no such permission on this table)."""

    Meta = table_meta("audit")
    month = UnicodeAttribute(hash_key=True)  # YYYY-MM (Berlin): admin actions are few; a month is one partition
    entry_id = UnicodeAttribute(range_key=True)  # time-ordered
    at = UnicodeAttribute()  # ISO UTC
    actor = UnicodeAttribute()  # staff e-mail, or "admin-token" for the automation credential
    actor_name = UnicodeAttribute(null=True)
    role = UnicodeAttribute()
    action = UnicodeAttribute()  # e.g. voucher.block, retailer.register, settlement.close
    object_type = UnicodeAttribute()
    object_id = UnicodeAttribute()
    object_key = UnicodeAttribute()
    details = UnicodeAttribute(null=True)  # JSON, short

    by_object = AuditByObject()

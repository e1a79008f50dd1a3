"""Browser sessions of staff: an opaque random cookie (HttpOnly, SameSite=Strict, Secure over https), stored only as
its SHA-256; a CSRF token per session that every state-changing request must echo in `X-CSRF-Token`; an idle
timeout and an absolute lifetime; sign-out deletes the session."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from http.cookies import CookieError, SimpleCookie
from typing import Any, NamedTuple

from pynamodb.exceptions import DoesNotExist

from chalicelib.core import clock, settings
from chalicelib.core.errors import DomainError
from chalicelib.staff.models import ACTIVE, StaffAccount, StaffSession

COOKIE = "mp_staff"
IDLE_SECONDS = 30 * 60  # a laptop left open in the town hall signs itself out after half an hour
LIFETIME_SECONDS = 10 * 3600  # one working day at most, then sign in again
TOUCH_SECONDS = 5 * 60  # refresh last_seen at most this often: one write per five minutes, not per request
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_HEADER = "x-csrf-token"


class Session(NamedTuple):
    record: StaffSession
    account: StaffAccount


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _secure() -> bool:
    return settings.get().base_url.startswith("https://")


def set_cookie(value: str) -> str:
    secure = "; Secure" if _secure() else ""
    return f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={LIFETIME_SECONDS}{secure}"


def clear_cookie() -> str:
    secure = "; Secure" if _secure() else ""
    return f"{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"


def cookie_value(request: Any) -> str | None:
    raw = request.headers.get("cookie")
    if not raw:
        return None
    try:
        jar = SimpleCookie()
        jar.load(raw)
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    value = morsel.value if morsel else ""
    return value if 20 <= len(value) <= 100 else None


def start(account: StaffAccount) -> tuple[str, StaffSession]:
    """A new session for a signed-in account: (cookie value, stored session)."""
    value = secrets.token_urlsafe(32)
    now = clock.now()
    record = StaffSession(_hash(value), email=account.email, generation=int(account.generation),
                          csrf_token=secrets.token_urlsafe(32), created_at=clock.iso(now),
                          last_seen=int(now.timestamp()), expires_at=now + timedelta(seconds=LIFETIME_SECONDS))
    record.save(condition=StaffSession.session_hash.does_not_exist())
    return value, record


def current(request: Any) -> Session | None:
    """The request's live session, or None (no cookie, unknown, expired, idle too long, account changed)."""
    value = cookie_value(request)
    if not value:
        return None
    try:
        record = StaffSession.get(_hash(value), consistent_read=True)
    except DoesNotExist:
        return None
    now = clock.now()
    epoch = int(now.timestamp())
    # DynamoDB's TTL deletes late (up to days): expiry is checked here, never left to it.
    if record.expires_at <= now or epoch - int(record.last_seen) > IDLE_SECONDS:
        return None
    try:
        account = StaffAccount.get(record.email, consistent_read=True)
    except DoesNotExist:
        return None
    if account.status != ACTIVE or int(account.generation) != int(record.generation):
        return None
    if epoch - int(record.last_seen) > TOUCH_SECONDS:
        record.update(actions=[StaffSession.last_seen.set(epoch)])
    return Session(record, account)


def check_csrf(request: Any, session: Session, form_token: str | None = None) -> None:
    if request.method.upper() in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER) or form_token or ""
    if not hmac.compare_digest(sent.encode(), session.record.csrf_token.encode()):
        raise DomainError("csrf_failed", "Missing or wrong X-CSRF-Token header; reload the page.")


def end(request: Any) -> None:
    value = cookie_value(request)
    if value:
        StaffSession(_hash(value)).delete()

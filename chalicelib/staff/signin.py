"""sign_in: e-mail and password to a session, with failed attempts throttled per address and per client."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from pynamodb.exceptions import DoesNotExist

from chalicelib.core import clock
from chalicelib.core.errors import DomainError
from chalicelib.staff import passwords, sessions
from chalicelib.staff.models import ACTIVE, SigninFailures, StaffAccount, StaffSession

WINDOW_MINUTES = 15
PER_ACCOUNT = 5  # wrong passwords per address and window, then the address is locked for the window's rest
PER_CLIENT = 20  # per client across addresses: slows spraying one password over many accounts


def _buckets(email: str, client: str) -> list[tuple[str, int]]:
    now = clock.now()
    window = f"{now:%Y%m%d%H}{now.minute // WINDOW_MINUTES}"

    def digest(kind: str, who: str) -> str:
        return f"{kind}#" + hashlib.sha256(f"{kind}|{who}|{window}".encode()).hexdigest()[:32]

    return [(digest("account", email), PER_ACCOUNT), (digest("client", client), PER_CLIENT)]


def _throttled(buckets: list[tuple[str, int]]) -> bool:
    for item in SigninFailures.batch_get([b for b, _ in buckets]):
        limit = dict(buckets)[item.bucket]
        if int(item.failures or 0) >= limit:
            return True
    return False


def _count_failure(buckets: list[tuple[str, int]]) -> None:
    expires = clock.now() + timedelta(minutes=2 * WINDOW_MINUTES)
    for bucket, _ in buckets:
        SigninFailures(bucket).update(actions=[SigninFailures.failures.add(1), SigninFailures.expires_at.set(expires)])


def sign_in(email: str, password: str, client: str) -> tuple[str, StaffSession, StaffAccount]:
    """(cookie value, session, account), or 401 for a wrong address or password alike, or 429 when throttled."""
    email = email.lower()
    buckets = _buckets(email, client)
    if _throttled(buckets):
        raise DomainError("signin_throttled", f"Too many failed sign-ins; wait {WINDOW_MINUTES} minutes.")
    try:
        account: StaffAccount | None = StaffAccount.get(email, consistent_read=True)
    except DoesNotExist:
        account = None
    ok = passwords.verify_password(password, account.password_hash if account else passwords.DUMMY_HASH)
    if not ok or account is None or account.status != ACTIVE:
        _count_failure(buckets)
        raise DomainError("invalid_credentials", "E-mail address or password is wrong.")
    value, record = sessions.start(account)
    return value, record, account

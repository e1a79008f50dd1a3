"""create_marketing_user, disable_marketing_user: city marketing reads stats and records events, nothing else.

A marketing user holds one bearer token (192 random bits, shown once, stored only as SHA-256 in Credential, like
retailer and sensor keys). Tokens rather than passwords: the dashboard is an API client, there is no password to
forget or reuse, and disabling the user deletes the credential, which revokes it at once.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.core import auth, clock
from chalicelib.core.errors import not_found
from chalicelib.core.ids import key_hash, random_id, secret_key
from chalicelib.footfall.models import ACTIVE, MarketingUser
from chalicelib.store.credentials import disable_holder
from chalicelib.store.models import Credential
from chalicelib.store.transactions import transaction


def marketing_user_view(user: MarketingUser) -> dict[str, Any]:
    return {"user_id": user.user_id, "name": user.name, "email": user.email, "status": user.status,
            "created_at": user.created_at}


def create_marketing_user(name: str, email: str | None = None) -> tuple[MarketingUser, str]:
    token = secret_key("mpm")
    hashed = key_hash(token)
    now = clock.iso(clock.now())
    user = MarketingUser(random_id("mkt"), name=name, email=email, status=ACTIVE, key_hash=hashed, created_at=now)
    with transaction() as tx:
        tx.save(user, name="user", condition=MarketingUser.user_id.does_not_exist())
        tx.save(Credential(hashed, role=auth.MARKETING, subject_id=user.user_id, name=name, created_at=now),
                name="credential", condition=Credential.key_hash.does_not_exist())
    return user, token


def list_marketing_users() -> list[MarketingUser]:
    return sorted(MarketingUser.scan(), key=lambda u: u.name.lower())


def disable_marketing_user(user_id: str) -> MarketingUser:
    if not user_id.startswith("mkt_") or len(user_id) > 60:
        raise not_found("No such marketing user.")
    try:
        user = MarketingUser.get(user_id, consistent_read=True)
    except DoesNotExist:
        raise not_found("No such marketing user.") from None
    disable_holder(user)
    return user

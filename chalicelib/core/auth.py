"""Who is calling: the city's admin token, or an API key of a retailer, sensor or marketing user."""

from __future__ import annotations

import hmac
from typing import Any, NamedTuple

from pynamodb.exceptions import DoesNotExist

from chalicelib.core import cache, settings
from chalicelib.core.errors import forbidden, unauthorized
from chalicelib.core.ids import key_hash

ADMIN, RETAILER, SENSOR, MARKETING = "admin", "retailer", "sensor", "marketing"
CACHE_SECONDS = 60.0


class Principal(NamedTuple):
    role: str
    subject_id: str
    key_hash: str = ""
    zone: str | None = None
    name: str | None = None


_principals = cache.ttl("principals", seconds=CACHE_SECONDS)


def bearer_token(request: Any) -> str | None:
    value = request.headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _lookup(hashed: str) -> Principal | None:
    from chalicelib.store.models import Credential

    try:
        cred = Credential.get(hashed)
    except DoesNotExist:
        return None
    return Principal(role=cred.role, subject_id=cred.subject_id, key_hash=hashed, zone=cred.zone, name=cred.name)


def authenticate(request: Any, *, cached: bool = False) -> Principal:
    """The caller, or `unauthorized`. `cached=True` may answer from a one-minute cache: only for paths whose DynamoDB
    transaction re-checks the credential itself (the redemption's ConditionCheck on the retailer)."""
    token = bearer_token(request)
    if not token:
        raise unauthorized()
    if hmac.compare_digest(token.encode(), settings.admin_token().encode()):
        return Principal(role=ADMIN, subject_id="admin")
    hashed = key_hash(token)
    if cached:
        hit = _principals.get(hashed)
        if hit is not None:
            return hit
    principal = _lookup(hashed)
    if principal is None:
        forget(hashed)
        raise unauthorized()
    _principals.put(hashed, principal)
    return principal


def forget(hashed: str | None = None) -> None:
    if hashed is None:
        _principals.clear()
    else:
        _principals.pop(hashed)


def require(request: Any, *roles: str, cached: bool = False) -> Principal:
    principal = authenticate(request, cached=cached)
    if principal.role not in roles:
        raise forbidden()
    return principal

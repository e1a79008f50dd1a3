"""Who is calling: the city's admin token, an API key of a retailer, sensor or marketing user, or a member of the
city's staff signed in to the back office with a session cookie (chalicelib/staff/sessions.py)."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, NamedTuple

from chalicelib.core import cache, public_routes, settings
from chalicelib.core.errors import forbidden, unauthorized
from chalicelib.core.ids import key_hash

ADMIN, RETAILER, SENSOR, MARKETING = "admin", "retailer", "sensor", "marketing"
# Staff roles besides admin: finance settles and pays out; support looks up vouchers and orders and fixes them.
FINANCE, SUPPORT = "finance", "support"
CACHE_SECONDS = 60.0


class Principal(NamedTuple):
    role: str
    subject_id: str
    key_hash: str = ""
    zone: str | None = None
    name: str | None = None


_principals = cache.ttl("principals", seconds=CACHE_SECONDS)
# Who this request is, once authenticated: the audit log (chalicelib/staff/audit.py) names them.
_current: ContextVar[Principal | None] = ContextVar("principal", default=None)


def bearer_token(request: Any) -> str | None:
    value = request.headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _lookup(hashed: str) -> Principal | None:
    from pynamodb.exceptions import DoesNotExist  # PynamoDB (and botocore) load with the first keyed request

    from chalicelib.store.models import Credential

    try:
        cred = Credential.get(hashed)
    except DoesNotExist:
        return None
    return Principal(role=cred.role, subject_id=cred.subject_id, key_hash=hashed, zone=cred.zone, name=cred.name)


def credentials_middleware(app: Any) -> Callable[[Any, Callable[[Any], Any]], Any]:
    """No `/api/` route of `app` outside the public registry (core/public_routes.py) runs without a bearer token.
    A method the route does not have is left to Chalice (405)."""

    def check(event: Any, get_response: Callable[[Any], Any]) -> Any:
        path = (event.context or {}).get("resourcePath") or ""
        if (path.startswith("/api/") and event.method in app.routes.get(path, ())
                and not public_routes.is_public(event.method, path) and not bearer_token(event)
                and "mp_staff=" not in (event.headers.get("cookie") or "")):  # staff: checked by auth.require
            raise unauthorized()
        return get_response(event)

    return check


def authenticate(request: Any, *, cached: bool = False) -> Principal:
    """The caller, or `unauthorized`. `cached=True` may answer from a one-minute cache: only for paths whose DynamoDB
    transaction re-checks the credential itself (the redemption's ConditionCheck on the retailer)."""
    token = bearer_token(request)
    if not token:
        return _staff(request)
    import hmac  # with the first keyed request, not at cold start

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


def _staff(request: Any) -> Principal:
    """A signed-in staff member; every state-changing request must carry the session's CSRF token."""
    from chalicelib.staff import sessions

    session = sessions.current(request)
    if session is None:
        raise unauthorized()
    sessions.check_csrf(request, session)
    account = session.account
    return Principal(role=account.role, subject_id=account.email, name=account.name)


def forget(hashed: str | None = None) -> None:
    if hashed is None:
        _principals.clear()
    else:
        _principals.pop(hashed)


def require(request: Any, *roles: str, cached: bool = False) -> Principal:
    principal = authenticate(request, cached=cached)
    if principal.role not in roles:
        raise forbidden()
    _current.set(principal)
    return principal


def current_principal() -> Principal | None:
    return _current.get()


def clear_current() -> Any:
    return _current.set(None)


def reset_current(token: Any) -> None:
    _current.reset(token)

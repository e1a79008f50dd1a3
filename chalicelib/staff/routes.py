"""HTTP routes for the back office's people: sign-in and sign-out, staff accounts (admin), and the audit log."""

from __future__ import annotations

import re

from chalice import Blueprint, Response

from chalicelib.core import auth, dates
from chalicelib.core.auth import ADMIN
from chalicelib.core.errors import DomainError, unauthorized
from chalicelib.core.http import client_address, json_body, json_response, query_param
from chalicelib.core.lazy import lazy
from chalicelib.core.validate import choice, email, text

accounts = lazy("chalicelib.staff.accounts")
audit = lazy("chalicelib.staff.audit")
sessions = lazy("chalicelib.staff.sessions")
signin = lazy("chalicelib.staff.signin")
settlement = lazy("chalicelib.payments.settlement")

bp = Blueprint(__name__)

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

NO_STORE = {"Cache-Control": "no-store"}


def _me(account, csrf_token: str) -> dict:  # type: ignore[no-untyped-def]
    return {**accounts.view(account), "csrf_token": csrf_token, "idle_seconds": sessions.IDLE_SECONDS}


@bp.route("/api/v1/staff/session", methods=["POST"])
def sign_in():
    """Sign in to the back office (public): `{email, password}` sets an HttpOnly session cookie and answers the
    CSRF token to send as `X-CSRF-Token` on every state-changing request."""
    request = bp.current_request
    body = json_body(request)
    value, record, account = signin.sign_in(email(body, "email"), text(body, "password", max_length=200),
                                            client_address(request))
    return json_response(_me(account, record.csrf_token), 201, {**NO_STORE, "Set-Cookie": sessions.set_cookie(value)})


@bp.route("/api/v1/staff/session", methods=["DELETE"])
def sign_out():
    """Sign out (public; a no-op without a session): the session is deleted and the cookie cleared; with a session
    it needs the CSRF token, like every change."""
    request = bp.current_request
    session = sessions.current(request)
    if session is not None:
        sessions.check_csrf(request, session)
        sessions.end(request)
    return Response(body="", status_code=204, headers={**NO_STORE, "Set-Cookie": sessions.clear_cookie()})


@bp.route("/api/v1/staff/me", methods=["GET"])
def who_am_i():
    """The signed-in staff member, role and CSRF token (session cookie)."""
    session = sessions.current(bp.current_request)
    if session is None:
        raise unauthorized("Not signed in.")
    return json_response(_me(session.account, session.record.csrf_token), headers=NO_STORE)


@bp.route("/api/v1/staff/me/password", methods=["POST"])
def change_password():
    """Change one's own password (`{current_password, new_password}`); other sessions end."""
    request = bp.current_request
    principal = auth.require(request, *auth_roles())
    if principal.subject_id == "admin" and not principal.name:
        raise DomainError("invalid_request", "The admin token has no password.")
    body = json_body(request)
    account = accounts.get_staff(principal.subject_id)
    with audit.recorded(principal, "staff.password", "staff", account.email):
        account = accounts.change_own_password(account, text(body, "current_password", max_length=200),
                                               text(body, "new_password", max_length=200))
    value, record = sessions.start(account)
    return json_response(_me(account, record.csrf_token), headers={**NO_STORE,
                                                                     "Set-Cookie": sessions.set_cookie(value)})


def auth_roles() -> tuple[str, ...]:
    return (ADMIN, auth.FINANCE, auth.SUPPORT)


@bp.route("/api/v1/staff", methods=["GET"])
def list_staff():
    """All staff accounts (admin)."""
    auth.require(bp.current_request, ADMIN)
    return json_response({"staff": [accounts.view(a) for a in accounts.list_staff()]}, headers=NO_STORE)


@bp.route("/api/v1/staff", methods=["POST"])
def create_staff():
    """Create a staff account (admin): `{email, name, role: admin|finance|support, password}`."""
    request = bp.current_request
    principal = auth.require(request, ADMIN)
    body = json_body(request)
    address = email(body, "email").lower()
    role = choice(body, "role", auth_roles())
    with audit.recorded(principal, "staff.create", "staff", address, role=role):
        account = accounts.create_staff(address, text(body, "name", max_length=100), role,
                                        text(body, "password", max_length=200))
    return json_response(accounts.view(account), 201)


@bp.route("/api/v1/staff/{address}", methods=["PATCH"])
def update_staff(address: str):
    """Change a staff account (admin): `name`, `role`, `status` (active|disabled) or a new `password`."""
    request = bp.current_request
    principal = auth.require(request, ADMIN)
    body = json_body(request)
    changes = {"name": text(body, "name", required=False, max_length=100),
               "role": choice(body, "role", auth_roles(), required=False),
               "status": choice(body, "status", ("active", "disabled"), required=False),
               "password": text(body, "password", required=False, max_length=200)}
    shown = {k: v for k, v in changes.items() if v is not None and k != "password"}
    if changes["password"] is not None:
        shown["password"] = "neu gesetzt"
    with audit.recorded(principal, "staff.update", "staff", address.lower(), **shown):
        account = accounts.update_staff(address, **changes)
    return json_response(accounts.view(account))


def _audit_query():  # type: ignore[no-untyped-def]
    request = bp.current_request
    current = settlement.current_month()
    first = query_param(request, "from") or current
    last = query_param(request, "to") or current
    for value, name in ((first, "from"), (last, "to")):
        if not MONTH_RE.match(value):
            raise DomainError("invalid_request", f"'{name}' must be YYYY-MM.", field=name)
    if first > last:
        raise DomainError("invalid_request", "'from' must not be after 'to'.", field="from")
    return audit.Query(months=dates.months_between(first, last, audit.MAX_MONTHS), actor=query_param(request, "actor"),
                       action=query_param(request, "action"), object_type=query_param(request, "object_type"),
                       object_id=query_param(request, "object_id"), text=query_param(request, "q"))


@bp.route("/api/v1/audit", methods=["GET"])
def audit_log():
    """The audit log (admin), newest first: `from`/`to` months (YYYY-MM, default this month), `actor`, `action`
    (prefix), `object_type`, `object_id`, `q` (free text); `format=csv` for Excel."""
    auth.require(bp.current_request, ADMIN)
    query = _audit_query()
    fmt = query_param(bp.current_request, "format") or "json"
    if fmt not in ("json", "csv"):
        raise DomainError("invalid_request", "'format' must be json or csv.", field="format")
    entries = audit.search(query)
    if fmt == "csv":
        return Response(body=audit.to_csv(entries), status_code=200, headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="protokoll-{query.months[0]}-{query.months[-1]}.csv"',
            **NO_STORE})
    return json_response({"entries": [audit.view(e) for e in entries]}, headers=NO_STORE)

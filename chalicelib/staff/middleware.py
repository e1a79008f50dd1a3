"""Chalice middleware: every state-changing request by staff or the admin token leaves an audit entry.

Routes that name their action use `audit.recorded(...)`; for any other change (gateways, zones, sensors, keys...)
this catch-all records the route and object, in the same transaction as the change when there is one. Light at
import: the audit module loads only when an entry is built.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from chalicelib.core import auth

STAFF_ROLES = (auth.ADMIN, auth.FINANCE, auth.SUPPORT)
CHANGING = ("POST", "PUT", "PATCH", "DELETE")
UNAUDITED_ROUTES = {"/api/v1/staff/session"}  # signing in and out changes no data of the city


class _RequestRecording:
    """The catch-all entry of one request, e.g. action `gateways.disable.post` on object `gateways/<id>`."""

    def __init__(self, method: str, route: str, params: dict[str, str]) -> None:
        self.method, self.route, self.params = method, route, params
        self.recording: Any = None
        self.handled = False  # an explicit `audit.recorded` took over

    def _build(self) -> Any:
        principal = auth.current_principal()
        if self.handled or principal is None or principal.role not in STAFF_ROLES:
            return None
        if self.recording is None:
            from chalicelib.staff import audit

            parts = [p for p in self.route.split("/") if p and not p.startswith("{")][2:]
            object_type = parts[0] if parts else "api"
            object_id = next(iter(self.params.values()), "-") if self.params else "-"
            action = ".".join([object_type, *parts[1:], self.method.lower()])
            self.recording = audit.Recording(audit.new_entry(audit.actor_of(principal), action, object_type,
                                                             object_id, {"route": f"{self.method} {self.route}"}))
        return self.recording

    def transaction_item(self) -> dict[str, Any] | None:
        recording = self._build()
        return recording.transaction_item() if recording else None

    def committed(self) -> None:
        if self.recording:
            self.recording.committed()

    def finish(self, status: int) -> None:
        if status < 400:
            recording = self._build()
            if recording:
                recording.write_alone()


_request: ContextVar[_RequestRecording | None] = ContextVar("audit_request", default=None)


def take_over() -> None:
    """An explicit `audit.recorded` names this request's action; the catch-all stands down."""
    pending = _request.get()
    if pending is not None:
        pending.handled = True


def audit_middleware(event: Any, get_response: Any) -> Any:
    principal_token = auth.clear_current()
    method = (event.method or "").upper()
    route = (event.context or {}).get("resourcePath") or event.path
    if method not in CHANGING or route in UNAUDITED_ROUTES:
        try:
            return get_response(event)
        finally:
            auth.reset_current(principal_token)
    from chalicelib.store import transactions  # with the first change, not at cold start

    pending = _RequestRecording(method, route, dict(event.uri_params or {}))
    request_token, rider_token = _request.set(pending), transactions.set_rider(pending)
    try:
        response = get_response(event)
        pending.finish(response.status_code)
        return response
    finally:
        transactions.reset_rider(rider_token)
        _request.reset(request_token)
        auth.reset_current(principal_token)

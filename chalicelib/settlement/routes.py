"""HTTP routes for the monthly payout run (finance and admin): a month's settlement, closing it, the SEPA file."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.core import auth
from chalicelib.core.auth import ADMIN, FINANCE
from chalicelib.core.errors import DomainError
from chalicelib.core.http import json_response, query_param
from chalicelib.core.lazy import lazy

audit = lazy("chalicelib.staff.audit")
closing = lazy("chalicelib.settlement.closing")
sepa = lazy("chalicelib.settlement.sepa")
statement = lazy("chalicelib.payments.statement")

bp = Blueprint(__name__)

NO_STORE = {"Cache-Control": "no-store"}


@bp.route("/api/v1/settlements/{month}", methods=["GET"])
def month_settlement(month: str):
    """One month's settlement per retailer with payees' bank accounts (finance, admin): `status` open or closed
    (closed months are frozen); `missing_iban` lists retailers owed money without an IBAN; `format=csv` for Excel."""
    auth.require(bp.current_request, ADMIN, FINANCE)
    result = closing.month_settlement(month)
    fmt = query_param(bp.current_request, "format") or "json"
    if fmt not in ("json", "csv"):
        raise DomainError("invalid_request", "'format' must be json or csv.", field="format")
    if fmt == "csv":
        return Response(body=statement.to_csv(month, result["retailers"]), status_code=200, headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="abrechnung-{month}.csv"', **NO_STORE})
    return json_response(result, headers=NO_STORE)


@bp.route("/api/v1/settlements/{month}/close", methods=["POST"])
def close_month(month: str):
    """Close a month that is over (finance, admin): its settlement is frozen; 409 `month_closed` the second time,
    409 `month_not_over` for the current month, 422 `missing_iban` while a retailer owed money has no IBAN."""
    principal = auth.require(bp.current_request, ADMIN, FINANCE)
    with audit.recorded(principal, "settlement.close", "month", month) as rec:
        result = closing.close_month(month, audit.actor_of(principal).id)
        rec.detail(payout_cents=result["totals"]["payout_cents"], payees=len(
            [r for r in result["retailers"] if r["payout_cents"] > 0]))
    return json_response(result, headers=NO_STORE)


@bp.route("/api/v1/settlements/{month}/sepa.xml", methods=["GET"])
def sepa_file(month: str):
    """The SEPA credit transfer (pain.001.001.09) paying every retailer's payout of a closed month from the city's
    account (finance, admin); 409 `month_open` before closing. Each download is in the audit log."""
    principal = auth.require(bp.current_request, ADMIN, FINANCE)
    result = closing.closed_settlement(month)
    with audit.recorded(principal, "settlement.sepa_export", "month", month,
                        payout_cents=result["totals"]["payout_cents"]):
        xml = sepa.credit_transfer(result)
    return Response(body=xml.decode("utf-8"), status_code=200, headers={
        "Content-Type": "application/xml; charset=utf-8",
        "Content-Disposition": f'attachment; filename="sepa-{month}.xml"', **NO_STORE})

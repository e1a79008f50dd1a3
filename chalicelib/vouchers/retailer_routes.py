"""HTTP routes for retailers: the city registers, edits, disables and re-keys shops; shops see themselves."""

from __future__ import annotations

import base64
from typing import Any

from chalice import Blueprint

from chalicelib.core import auth, settings
from chalicelib.core.auth import ADMIN, FINANCE, RETAILER, SUPPORT
from chalicelib.core.errors import DomainError
from chalicelib.core.http import json_body, json_response
from chalicelib.core.lazy import lazy
from chalicelib.core.validate import email, text

retailers = lazy("chalicelib.vouchers.retailers")  # loaded by the first retailer request

audit = lazy("chalicelib.staff.audit")
bank_accounts = lazy("chalicelib.settlement.accounts")

bp = Blueprint(__name__)


def _bank(body: dict[str, Any]) -> retailers.BankDetails | None:
    """IBAN and account holder come together or not at all; the IBAN is checked with schwifty."""
    iban = text(body, "iban", required=False, max_length=50)
    holder = text(body, "account_holder", required=False, max_length=70)
    if not iban and not holder:
        return None
    if not iban:
        raise DomainError("invalid_request", "'iban' is required with 'account_holder'.", field="iban")
    if not holder:
        raise DomainError("invalid_request", "'account_holder' is required with 'iban'.", field="account_holder")
    compact, bic = bank_accounts.clean_iban(iban)
    return retailers.BankDetails(holder, compact, bic)


@bp.route("/api/v1/retailers", methods=["POST"])
def register_retailer():
    """Register a retailer (admin): name, address, email, zone; optional contact, iban + account_holder. The answer
    holds the API key, shown only this once."""
    principal = auth.require(bp.current_request, ADMIN)
    body = json_body(bp.current_request)
    fields = dict(name=text(body, "name", max_length=120), address=text(body, "address", max_length=200),
                  email=email(body, "email"), zone=text(body, "zone", max_length=60))
    contact = text(body, "contact", required=False, max_length=200)
    bank = _bank(body)
    retailer_id = retailers.new_retailer_id()
    with audit.recorded(principal, "retailer.register", "retailer", retailer_id, name=fields["name"],
                        iban=bank.iban if bank else None):
        retailer, api_key = retailers.register_retailer(**fields, contact=contact, bank=bank, retailer_id=retailer_id)
    return json_response({**retailers.retailer_view(retailer), "api_key": api_key}, 201)


@bp.route("/api/v1/retailers", methods=["GET"])
def list_retailers():
    """All retailers with their status and bank details (admin, finance, support)."""
    auth.require(bp.current_request, ADMIN, FINANCE, SUPPORT)
    return json_response({"retailers": [retailers.retailer_view(r) for r in retailers.list_retailers()]})


@bp.route("/api/v1/shops", methods=["GET"])
def list_shops():
    """Participating shops by zone (public): where vouchers can be spent."""
    shops = [retailers.retailer_public(r) for r in retailers.list_retailers(active_only=True)]
    return json_response({"shops": shops}, headers={"Cache-Control": "public, max-age=300"})


@bp.route("/api/v1/retailers/me", methods=["GET"])
def retailer_me():
    """The calling retailer's own record."""
    principal = auth.require(bp.current_request, RETAILER)
    return json_response(retailers.retailer_view(retailers.get_retailer(principal.subject_id)))


@bp.route("/api/v1/retailers/{retailer_id}", methods=["GET"])
def retailer_detail(retailer_id: str):
    """One retailer (admin, finance, support)."""
    auth.require(bp.current_request, ADMIN, FINANCE, SUPPORT)
    return json_response(retailers.retailer_view(retailers.get_retailer(retailer_id)))


@bp.route("/api/v1/retailers/{retailer_id}", methods=["PATCH"])
def edit_retailer(retailer_id: str):
    """Edit a retailer (admin): name, address, email, zone, contact; iban + account_holder (checked with schwifty;
    400 `invalid_iban`)."""
    principal = auth.require(bp.current_request, ADMIN)
    body = json_body(bp.current_request)
    changes = {"name": text(body, "name", required=False, max_length=120),
               "address": text(body, "address", required=False, max_length=200),
               "email": email(body, "email", required=False),
               "zone": text(body, "zone", required=False, max_length=60),
               "contact": text(body, "contact", required=False, max_length=200)}
    bank = _bank(body)
    shown = {k: v for k, v in changes.items() if v is not None}
    if bank:
        shown.update(iban=bank.iban, account_holder=bank.holder)
    with audit.recorded(principal, "retailer.edit", "retailer", retailer_id, **shown):
        retailer = retailers.update_retailer(retailer_id, changes, bank)
    return json_response(retailers.retailer_view(retailer))


@bp.route("/api/v1/retailers/{retailer_id}/disable", methods=["POST"])
def disable_retailer(retailer_id: str):
    """Disable a retailer (admin): its key stops working at once."""
    principal = auth.require(bp.current_request, ADMIN)
    with audit.recorded(principal, "retailer.disable", "retailer", retailer_id):
        retailer = retailers.disable_retailer(retailer_id)
    return json_response(retailers.retailer_view(retailer))


@bp.route("/api/v1/retailers/{retailer_id}/enable", methods=["POST"])
def enable_retailer(retailer_id: str):
    """Enable a disabled retailer again (admin), with a fresh API key shown once."""
    principal = auth.require(bp.current_request, ADMIN)
    with audit.recorded(principal, "retailer.enable", "retailer", retailer_id):
        retailer, api_key = retailers.enable_retailer(retailer_id)
    return json_response({**retailers.retailer_view(retailer), "api_key": api_key})


@bp.route("/api/v1/retailers/{retailer_id}/api-key", methods=["POST"])
def rotate_key(retailer_id: str):
    """Issue a new API key for a retailer (admin); the old key stops working at once."""
    principal = auth.require(bp.current_request, ADMIN)
    with audit.recorded(principal, "retailer.new_key", "retailer", retailer_id):
        retailer, api_key = retailers.rotate_retailer_key(retailer_id)
    return json_response({**retailers.retailer_view(retailer), "api_key": api_key})


def till_url(api_key: str) -> str:
    # The key travels in the fragment: browsers never send it to a server, so it stays out of every access log.
    return f"{settings.get().base_url}/haendler#key={api_key}"


@bp.route("/api/v1/retailers/{retailer_id}/onboarding", methods=["POST"])
def onboarding_sheet(retailer_id: str):
    """What the printable onboarding sheet shows (admin): `{api_key}` (just issued, shown once) gives the till URL
    that signs the till in, and its QR code as a PNG data URL. Keys of other shops are refused."""
    from chalicelib.vouchers.qr import qr_png

    auth.require(bp.current_request, ADMIN)
    api_key = text(json_body(bp.current_request), "api_key", max_length=200)
    retailer = retailers.get_retailer(retailer_id)
    if not retailers.key_belongs_to(retailer, api_key):
        raise DomainError("wrong_key", "This is not the current key of this retailer.", field="api_key")
    url = till_url(api_key)
    png = base64.b64encode(qr_png(url, box_size=6)).decode()
    return json_response({**retailers.retailer_public(retailer), "till_url": url,
                          "qr_png": f"data:image/png;base64,{png}"}, headers={"Cache-Control": "no-store"})

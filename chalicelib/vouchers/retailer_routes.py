"""HTTP routes for retailers: the city registers, disables and re-keys shops; shops see themselves."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.core import auth
from chalicelib.core.auth import ADMIN, RETAILER
from chalicelib.core.http import json_body, json_response
from chalicelib.core.lazy import lazy
from chalicelib.core.validate import email, text

retailers = lazy("chalicelib.vouchers.retailers")  # loaded by the first retailer request

bp = Blueprint(__name__)


@bp.route("/api/v1/retailers", methods=["POST"])
def register_retailer():
    """Register a retailer (admin). The answer holds the API key, shown only this once."""
    auth.require(bp.current_request, ADMIN)
    body = json_body(bp.current_request)
    retailer, api_key = retailers.register_retailer(
        name=text(body, "name", max_length=120),
        address=text(body, "address", max_length=200),
        email=email(body, "email"),
        zone=text(body, "zone", max_length=60),
    )
    return json_response({**retailers.retailer_view(retailer), "api_key": api_key}, 201)


@bp.route("/api/v1/retailers", methods=["GET"])
def list_retailers():
    """All retailers with their status (admin)."""
    auth.require(bp.current_request, ADMIN)
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
    """One retailer (admin)."""
    auth.require(bp.current_request, ADMIN)
    return json_response(retailers.retailer_view(retailers.get_retailer(retailer_id)))


@bp.route("/api/v1/retailers/{retailer_id}/disable", methods=["POST"])
def disable_retailer(retailer_id: str):
    """Disable a retailer (admin): its key stops working at once."""
    auth.require(bp.current_request, ADMIN)
    return json_response(retailers.retailer_view(retailers.disable_retailer(retailer_id)))


@bp.route("/api/v1/retailers/{retailer_id}/enable", methods=["POST"])
def enable_retailer(retailer_id: str):
    """Enable a disabled retailer again (admin), with a fresh API key shown once."""
    auth.require(bp.current_request, ADMIN)
    retailer, api_key = retailers.enable_retailer(retailer_id)
    return json_response({**retailers.retailer_view(retailer), "api_key": api_key})


@bp.route("/api/v1/retailers/{retailer_id}/api-key", methods=["POST"])
def rotate_key(retailer_id: str):
    """Issue a new API key for a retailer (admin); the old key stops working at once."""
    auth.require(bp.current_request, ADMIN)
    retailer, api_key = retailers.rotate_retailer_key(retailer_id)
    return json_response({**retailers.retailer_view(retailer), "api_key": api_key})

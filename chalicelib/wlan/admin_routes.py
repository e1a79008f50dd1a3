"""Admin HTTP for gateways: register, list, show, change, disable, enable."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.core import auth
from chalicelib.core.auth import ADMIN
from chalicelib.core.http import json_body, json_response
from chalicelib.core.lazy import lazy

gateways = lazy("chalicelib.wlan.gateways")  # loaded when an admin first manages gateways
gateway_settings = lazy("chalicelib.wlan.gateway_settings")

bp = Blueprint(__name__)


@bp.route("/api/v1/gateways", methods=["POST"])
def register_gateway():
    """Register a WLAN gateway (admin); the answer names the FAS URL to configure on the router."""
    auth.require(bp.current_request, ADMIN)
    gateway = gateways.register_gateway(gateway_settings.parse_new(json_body(bp.current_request)))
    return json_response(gateways.gateway_view(gateway), 201)


@bp.route("/api/v1/gateways", methods=["GET"])
def list_gateways():
    """All WLAN gateways (admin)."""
    auth.require(bp.current_request, ADMIN)
    return json_response({"gateways": [gateways.gateway_view(g) for g in gateways.list_gateways()]})


@bp.route("/api/v1/gateways/{gateway_id}", methods=["GET"])
def show_gateway(gateway_id: str):
    """One WLAN gateway (admin); never its faskey."""
    auth.require(bp.current_request, ADMIN)
    return json_response(gateways.gateway_view(gateways.require_gateway(gateway_id)))


@bp.route("/api/v1/gateways/{gateway_id}", methods=["PATCH"])
def change_gateway(gateway_id: str):
    """Change a WLAN gateway's name, zone, limits or vendor settings (admin)."""
    auth.require(bp.current_request, ADMIN)
    gateway = gateways.update_gateway(gateway_id, gateway_settings.parse_change(json_body(bp.current_request)))
    return json_response(gateways.gateway_view(gateway))


@bp.route("/api/v1/gateways/{gateway_id}/disable", methods=["POST"])
def disable_gateway(gateway_id: str):
    """Disable a WLAN gateway (admin): its guests and authmon polls are refused at once."""
    auth.require(bp.current_request, ADMIN)
    return json_response(gateways.gateway_view(gateways.disable_gateway(gateway_id)))


@bp.route("/api/v1/gateways/{gateway_id}/enable", methods=["POST"])
def enable_gateway(gateway_id: str):
    """Enable a disabled WLAN gateway again (admin)."""
    auth.require(bp.current_request, ADMIN)
    return json_response(gateways.gateway_view(gateways.enable_gateway(gateway_id)))

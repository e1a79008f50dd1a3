"""Admin routes for the voucher signing-key lifecycle: publish, activate, retire (runbook: infra/README.md)."""

from __future__ import annotations

from collections.abc import Callable

from chalice import Blueprint, Response

from chalicelib.core import auth
from chalicelib.core.auth import ADMIN
from chalicelib.core.errors import DomainError, not_found
from chalicelib.core.http import json_response
from chalicelib.core.lazy import lazy

keystore = lazy("chalicelib.signing.keystore")  # admin-only routes: loaded on first use

bp = Blueprint(__name__)


def _kid(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 255:
        raise not_found("No such signing key.")
    return int(raw)


def _state(kid: int) -> dict[str, object]:
    return next(k for k in keystore.key_states() if k["kid"] == kid)


@bp.route("/api/v1/signing-keys", methods=["GET"])
def list_signing_keys():
    """Every voucher signing key with its state: published, active, verify-only, retired (admin)."""
    auth.require(bp.current_request, ADMIN)
    return json_response({"keys": keystore.key_states(), "cache_seconds": keystore.CACHE_SECONDS})


@bp.route("/api/v1/signing-keys", methods=["POST"])
def publish_signing_key():
    """Create a new Ed25519 key and publish it in the JWK set; it signs nothing until activated (admin)."""
    auth.require(bp.current_request, ADMIN)
    key = keystore.publish_new_key()
    return json_response(_state(key.kid), 201)


def _change_state(kid: str, step: Callable[[int], None]) -> Response:
    auth.require(bp.current_request, ADMIN)
    number = _kid(kid)
    try:
        step(number)
    except ValueError as err:
        raise DomainError("key_state", str(err)) from None
    return json_response(_state(number))


@bp.route("/api/v1/signing-keys/{kid}/activate", methods=["POST"])
def activate_signing_key(kid: str):
    """Make a published key the signing key; the previous one keeps verifying (admin)."""
    return _change_state(kid, keystore.activate_key)


@bp.route("/api/v1/signing-keys/{kid}/retire", methods=["POST"])
def retire_signing_key(kid: str):
    """Retire a key: tokens it signed stop verifying at once (admin). Never the active key."""
    return _change_state(kid, keystore.retire_key)

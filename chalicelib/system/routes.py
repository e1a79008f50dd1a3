"""Health, the OpenAPI document, the published voucher keys and the static assets."""

from __future__ import annotations

import mimetypes
import re
from functools import cache
from pathlib import Path

from chalice import Blueprint, Response

from chalicelib.core.errors import not_found
from chalicelib.core.http import json_response
from chalicelib.core.lazy import lazy
from chalicelib.system import openapi

keystore = lazy("chalicelib.signing.keystore")  # loaded by the first key request, not at cold start

bp = Blueprint(__name__)

STATIC_ROOT = Path(__file__).resolve().parent.parent / "static"
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")
TEXT_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
              ".svg": "image/svg+xml", ".json": "application/json", ".webmanifest": "application/manifest+json",
              ".html": "text/html; charset=utf-8", ".map": "application/json"}


@bp.route("/healthz", methods=["GET"])
def healthz():
    """Liveness: the function answers (no AWS call, so it stays cheap and says nothing about dependencies)."""
    return json_response({"status": "ok"}, headers={"Cache-Control": "no-store"})


@bp.route("/readyz", methods=["GET"])
def readyz():
    """Readiness: the store answers one cheap read (GetItem). 503 store_unavailable when it does not, in time."""
    from chalicelib.store import availability

    availability.ping()
    return json_response({"status": "ready"}, headers={"Cache-Control": "no-store"})


@bp.route("/openapi.json", methods=["GET"])
def openapi_json():
    """This API's OpenAPI 3.1 description, generated from the routes."""
    return json_response(openapi.build(bp.current_app))


@bp.route("/.well-known/voucher-keys.json", methods=["GET"])
def voucher_keys():
    """The public voucher signing keys as a JWK set, so any POS can check a voucher's authenticity offline."""
    return json_response(keystore.keyring().jwks(), headers={"Cache-Control": "public, max-age=300"})


@cache
def _read_static(folder: str, name: str) -> tuple[bytes, str] | None:
    path = STATIC_ROOT / folder / name
    if not path.is_file():
        return None
    suffix = path.suffix.lower()
    content_type = TEXT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return path.read_bytes(), content_type


def _static(folder: str, name: str) -> Response:
    if not SAFE_NAME.match(folder) or not SAFE_NAME.match(name) or ".." in name:
        raise not_found()
    found = _read_static(folder, name)
    if found is None:
        raise not_found()
    body, content_type = found
    payload: bytes | str = body if not content_type.startswith(("text/", "application/json", "image/svg",
                                                                "application/manifest")) else body.decode("utf-8")
    return Response(body=payload, headers={"Content-Type": content_type, "Cache-Control": "public, max-age=3600",
                                           "X-Content-Type-Options": "nosniff"})


@bp.route("/static/{folder}/{name}", methods=["GET"])
def static_file(folder: str, name: str):
    """Static assets (CSS, JS, vendored npm packages) served by the app itself: no CDN."""
    return _static(folder, name)

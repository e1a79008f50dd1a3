"""The one registry of public routes matches the app, and every other API route refuses anonymous callers."""

from __future__ import annotations

import re
from typing import Any

from app import app
from chalicelib.core.public_routes import PUBLIC_ROUTES, is_public
from chalicelib.system.openapi import build


def _routes() -> set[tuple[str, str]]:
    return {(method, path) for path, methods in app.routes.items() for method in methods}


def test_every_registered_public_route_exists() -> None:
    assert sorted(PUBLIC_ROUTES - _routes()) == []


def test_pages_are_public_and_the_api_mostly_is_not() -> None:
    private = {(m, p) for m, p in _routes() if not is_public(m, p)}
    assert all(p.startswith("/api/") for _, p in private), sorted(p for _, p in private if not p.startswith("/api"))
    assert ("POST", "/api/v1/redemptions") in private and ("POST", "/api/v1/vouchers") in private


def test_the_openapi_document_reads_the_registry() -> None:
    spec = build(app)
    for method, path in _routes():
        operation = spec["paths"][path][method.lower()]
        assert ("security" not in operation) == is_public(method, path), (method, path)


def test_anonymous_calls_to_private_api_routes_stop_before_the_handler(client: Any) -> None:
    for method, path in sorted(_routes()):
        if is_public(method, path) or not path.startswith("/api/"):
            continue
        concrete = re.sub(r"{[^}]+}", "x", path)
        response = getattr(client.http, method.lower())(concrete, headers={"Content-Type": "application/json"},
                                                         body="{}")
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json_body["error"]["code"] == "unauthorized"

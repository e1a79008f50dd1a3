"""The OpenAPI document, built from the app's own routes so it cannot drift from them (a test holds it to that)."""

from __future__ import annotations

import re
from typing import Any

from chalice import Chalice

from chalicelib.core import public_routes

# Routes only a key holder calls (a retailer's till, a sensor): a staff session is refused there.
KEY_HOLDERS_ONLY = frozenset({
    ("POST", "/api/v1/redemptions"),
    ("GET", "/api/v1/retailers/me"),
    ("GET", "/api/v1/retailers/me/settlements"),
    ("POST", "/api/v1/footfall/measurements"),
})

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"],
                             "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
}


def _summary(view: Any) -> tuple[str, str]:
    doc = (view.__doc__ or "").strip()
    first, _, rest = doc.partition("\n")
    return first.strip(), rest.strip()


def build(app: Chalice, title: str = "Marktplatz API", version: str = "1") -> dict[str, Any]:
    from chalicelib.system import request_schemas

    paths: dict[str, Any] = {}
    for path, methods in sorted(app.routes.items()):
        item: dict[str, Any] = {}
        for method, entry in sorted(methods.items()):
            summary, description = _summary(entry.view_function)
            params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                      for name in re.findall(r"{([^}]+)}", path)]
            operation: dict[str, Any] = {
                "operationId": entry.view_name,
                "summary": summary,
                "responses": {
                    "default": {"description": "Error", "content": {"application/json": {"schema": ERROR_SCHEMA}}},
                    "2XX": {"description": "Success"},
                },
            }
            if description:
                operation["description"] = description
            params += request_schemas.query_parameters(entry.view_name)
            params += request_schemas.header_parameters(entry.view_name)
            if params:
                operation["parameters"] = params
            body = request_schemas.BODIES.get(entry.view_name)
            if body is not None:
                operation["requestBody"] = {"required": True,
                                            "content": {"application/json": {"schema": body}}}
            if not public_routes.is_public(method, path):
                operation["security"] = [{"bearer": []}] if (method, path) in KEY_HOLDERS_ONLY else [
                    {"bearer": []}, {"staffSession": []}]
            item[method.lower()] = operation
        paths[path] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            # Back-office staff: the session cookie from POST /api/v1/staff/session; changes also need the
            # X-CSRF-Token header it answered.
            "staffSession": {"type": "apiKey", "in": "cookie", "name": "mp_staff"}}},
        "paths": paths,
    }


"""Hostile input through the app: each case here answered 500 before the body reader, the signed cursors and the
one date parser (issue 12). Every answer must be a JSON error with a 4xx status."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest

from tests.conftest import ADMIN_TOKEN, Api

DEEP = "[" * 5000 + "]" * 5000


def _error(response: Any, status: int | None = None) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, (response.status_code, response.body[:300])
    if status is not None:
        assert response.status_code == status, (response.status_code, response.body[:300])
    body = json.loads(response.body)
    assert set(body["error"]) >= {"code", "message"}
    return body["error"]


def _json_routes() -> list[tuple[str, str]]:
    from app import app

    found = []
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            if method in ("POST", "PUT", "PATCH") and "application/json" in entry.content_types:
                found.append((method, re.sub(r"{[^}]+}", "x1", path)))
    return sorted(found)


def test_every_json_route_refuses_deep_nesting_without_a_500(api: Api) -> None:
    routes = _json_routes()
    assert ("POST", "/api/v1/orders") in routes and len(routes) > 25
    too_deep = set()
    for method, path in routes:
        for token in (ADMIN_TOKEN, None):
            response = api.call(method, path, token=token, raw=DEEP,
                                headers={"Idempotency-Key": uuid.uuid4().hex, "Stripe-Signature": "t=1,v1=00"})
            assert response.status_code < 500, (method, path, response.status_code, response.body[:300])
            # Routes without a body (rotate a key, disable) ignore it; the gateways' routes answer in plain text.
            if response.status_code >= 400 and path.startswith("/api/"):
                if _error(response)["code"] == "too_deep":
                    too_deep.add((method, path))
    # Every route that reads a body read it through the one reader (auth comes first: admin routes with the admin
    # token, the public order route without one).
    assert {("POST", "/api/v1/orders"), ("POST", "/api/v1/vouchers"), ("POST", "/api/v1/retailers"),
            ("PATCH", "/api/v1/gateways/x1"), ("POST", "/api/v1/events"), ("POST", "/api/v1/zones")} <= too_deep
    # ...and /openapi.json describes each of those bodies, so that the fuzz test sends more than paths.
    spec = api.json("GET", "/openapi.json", expect=200)["paths"]
    templates = {re.sub(r"{[^}]+}", "x1", path): path for path in spec}
    undescribed = [(m, p) for m, p in too_deep if "requestBody" not in spec[templates[p]][m.lower()]]
    assert undescribed == []


def test_public_order_route_names_the_nesting(api: Api) -> None:
    err = _error(api.call("POST", "/api/v1/orders", raw=DEEP), 400)
    assert err["code"] == "too_deep"
    # Brackets inside strings are data, not nesting.
    shallow = {"email": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[@x.de", "amount_cents": "{" * 100}
    assert _error(api.call("POST", "/api/v1/orders", body=shallow), 400)["code"] != "too_deep"


def test_redemption_refuses_deep_nesting_and_oversized_bodies(api: Api) -> None:
    shop = api.retailer()
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    assert _error(api.call("POST", "/api/v1/redemptions", token=shop["api_key"], raw=DEEP, headers=headers),
                  400)["code"] == "too_deep"
    huge = json.dumps({"token": "x" * 100_000, "amount_cents": 1})
    assert _error(api.call("POST", "/api/v1/redemptions", token=shop["api_key"], raw=huge, headers=headers),
                  413)["code"] == "too_large"
    for raw in ('{"amount_cents": NaN}', '{"a": 1', "\xff\xfe", "[]", "null"):
        assert _error(api.call("POST", "/api/v1/redemptions", token=shop["api_key"], raw=raw, headers=headers),
                      400)["code"] == "invalid_json"


def test_footfall_ingest_refuses_deep_nesting(api: Api) -> None:
    zone = "z-" + uuid.uuid4().hex[:8]
    api.json("POST", "/api/v1/zones", {"zone_id": zone, "name": "Markt"}, ADMIN_TOKEN, expect=201)
    sensor = api.json("POST", "/api/v1/sensors", {"name": "Laser", "zone": zone, "kind": "laser"}, ADMIN_TOKEN,
                      expect=201)
    response = api.call("POST", "/api/v1/footfall/measurements", token=sensor["ingest_key"], raw=DEEP)
    assert _error(response, 400)["code"] == "too_deep"


@pytest.mark.parametrize("cursor", ["eyJhIjoxfQ", "eyJhIjoxfQ.AAAAAAAAAAAAAAAAAAAAAA", "e30", "%%%", "x" * 5000,
                                    "eyJyZXRhaWxlcl9pZCI6eyJTIjoieCJ9fQ"])
def test_forged_cursors_are_400(api: Api, cursor: str) -> None:
    shop = api.retailer()
    err = _error(api.call("GET", f"/api/v1/redemptions?cursor={cursor}", token=shop["api_key"]), 400)
    assert err["code"] == "invalid_cursor"


def test_a_cursor_only_works_for_the_query_it_came_from(api: Api) -> None:
    shop, other = api.retailer(), api.retailer(name="Anderer Laden")
    [v] = api.vouchers(5000)
    for amount in (100, 200, 300):
        assert api.redeem(shop["api_key"], v["token"], amount).status_code == 201
    page = api.json("GET", "/api/v1/redemptions?limit=1", token=shop["api_key"], expect=200)
    cursor = page["next_cursor"]
    assert api.json("GET", f"/api/v1/redemptions?limit=1&cursor={cursor}", token=shop["api_key"], expect=200)["items"]
    # Another retailer's history, an admin query for another retailer, another day: refused, not a DynamoDB error.
    _error(api.call("GET", f"/api/v1/redemptions?cursor={cursor}", token=other["api_key"]), 400)
    _error(api.call("GET", f"/api/v1/redemptions?retailer_id={other['retailer_id']}&cursor={cursor}",
                    token=ADMIN_TOKEN), 400)
    _error(api.call("GET", f"/api/v1/redemptions?date=2026-01-01&cursor={cursor}", token=shop["api_key"]), 400)
    payload, mac = cursor.split(".")
    _error(api.call("GET", f"/api/v1/redemptions?cursor={payload}.{mac[::-1]}", token=shop["api_key"]), 400)


@pytest.mark.parametrize("day", ["2026-13-45", "2026-02-30", "0000-01-01", "9999-12-31", "2026-1-1", "26.11.2026"])
def test_impossible_dates_are_400(api: Api, day: str) -> None:
    shop = api.retailer()
    err = _error(api.call("GET", f"/api/v1/redemptions?date={day}", token=shop["api_key"]), 400)
    assert err["code"] == "invalid_request" and err["field"] == "date"


@pytest.mark.parametrize("month", ["9999-12", "0000-01", "2026-13", "2026-00", "2026-1", "x"])
def test_impossible_months_are_400_for_the_city_and_the_retailer(api: Api, month: str) -> None:
    shop = api.retailer()
    for path, token in (("/api/v1/settlements", ADMIN_TOKEN), ("/api/v1/retailers/me/settlements", shop["api_key"])):
        for fmt in ("", "&format=csv"):
            err = _error(api.call("GET", f"{path}?month={month}{fmt}", token=token), 400)
            assert err["field"] == "month", (path, month)


def test_impossible_timestamps_in_bodies_are_400(api: Api) -> None:
    for value in ("9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+00:00", "2026-13-01T00:00:00Z"):
        err = _error(api.call("POST", "/api/v1/vouchers", {"amount_cents": 1000, "quantity": 1, "expires_at": value},
                              ADMIN_TOKEN), 400)
        assert err["field"] == "expires_at"

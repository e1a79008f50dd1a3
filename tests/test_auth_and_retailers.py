"""Retailer management and the auth matrix: who may call what."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ADMIN_TOKEN, Api

ADMIN_ONLY = [
    ("POST", "/api/v1/retailers", {"name": "x", "address": "y", "email": "a@b.de", "zone": "markt"}),
    ("GET", "/api/v1/retailers", None),
    ("GET", "/api/v1/retailers/ret_x", None),
    ("POST", "/api/v1/retailers/ret_x/disable", None),
    ("POST", "/api/v1/retailers/ret_x/enable", None),
    ("POST", "/api/v1/retailers/ret_x/api-key", None),
    ("POST", "/api/v1/vouchers", {"amount_cents": 100, "quantity": 1}),
    ("GET", "/api/v1/vouchers/abcdefghijklmnop", None),
    ("POST", "/api/v1/vouchers/abcdefghijklmnop/block", None),
    ("POST", "/api/v1/vouchers/abcdefghijklmnop/unblock", None),
    ("POST", "/api/v1/vouchers/abcdefghijklmnop/reissue", None),
]


@pytest.mark.parametrize("method,path,body", ADMIN_ONLY)
def test_admin_only_routes(api: Api, method: str, path: str, body: dict | None) -> None:
    shop = api.retailer()
    assert api.call(method, path, body).status_code == 401
    assert api.call(method, path, body, token="wrong").status_code == 401
    refused = api.call(method, path, body, token=shop["api_key"])
    assert refused.status_code == 403 and json.loads(refused.body)["error"]["code"] == "forbidden"
    assert api.call(method, path, body, token=ADMIN_TOKEN).status_code < 500


def test_redemption_auth_matrix(api: Api) -> None:
    shop, other = api.retailer(), api.retailer()
    [v] = api.vouchers(5000)
    r = api.call("POST", "/api/v1/redemptions", {"token": v["token"], "amount_cents": 1},
                 headers={"Idempotency-Key": "k1"})
    assert r.status_code == 401 and json.loads(r.body)["error"]["code"] == "unauthorized"
    assert api.redeem("mpk_wrong", v["token"], 1).status_code == 401
    assert api.redeem(ADMIN_TOKEN, v["token"], 1).status_code == 403  # the city does not redeem at a till
    red = json.loads(api.redeem(shop["api_key"], v["token"], 500).body)
    foreign = api.json("POST", f"/api/v1/redemptions/{red['redemption_id']}/reversal", token=other["api_key"],
                       expect=403)
    assert foreign["error"]["code"] == "forbidden"
    listing = api.json("GET", "/api/v1/redemptions", token=other["api_key"], expect=200)
    assert listing["items"] == []  # a retailer sees only its own
    assert api.json("GET", "/api/v1/vouchers/balance?token=" + v["token"])["balance_cents"] == 4500


def test_disabled_retailer_is_refused_at_once_even_with_a_warm_cache(api: Api) -> None:
    shop = api.retailer()
    [v] = api.vouchers(5000)
    assert api.redeem(shop["api_key"], v["token"], 100).status_code == 201  # warms the key cache
    api.json("POST", f"/api/v1/retailers/{shop['retailer_id']}/disable", token=ADMIN_TOKEN, expect=200)
    # Simulate another Lambda instance whose cache still holds the key: the transaction's ConditionCheck refuses.
    from chalicelib.core import auth
    from chalicelib.core.ids import key_hash

    auth._principals.put(key_hash(shop["api_key"]), auth.Principal(
        role="retailer", subject_id=shop["retailer_id"], key_hash=key_hash(shop["api_key"]), zone="markt"))
    r = api.redeem(shop["api_key"], v["token"], 100)
    assert r.status_code == 401
    assert api.json("GET", "/api/v1/redemptions", token=shop["api_key"], expect=401)
    assert api.json("GET", "/api/v1/vouchers/balance?token=" + v["token"])["balance_cents"] == 4900


def test_register_list_rotate_enable(api: Api) -> None:
    shop = api.retailer(zone="muensterstrasse", name="Metzgerei")
    assert set(shop) >= {"retailer_id", "api_key", "name", "address", "email", "zone", "status"}
    me = api.json("GET", "/api/v1/retailers/me", token=shop["api_key"], expect=200)
    assert me["retailer_id"] == shop["retailer_id"] and "api_key" not in me and "key_hash" not in me
    listed = api.json("GET", "/api/v1/retailers", token=ADMIN_TOKEN)["retailers"]
    assert any(r["retailer_id"] == shop["retailer_id"] for r in listed)
    assert all("api_key" not in r and "key_hash" not in r for r in listed)

    rotated = api.json("POST", f"/api/v1/retailers/{shop['retailer_id']}/api-key", token=ADMIN_TOKEN, expect=200)
    assert rotated["api_key"] != shop["api_key"]
    assert api.call("GET", "/api/v1/retailers/me", token=shop["api_key"]).status_code == 401
    assert api.call("GET", "/api/v1/retailers/me", token=rotated["api_key"]).status_code == 200

    api.json("POST", f"/api/v1/retailers/{shop['retailer_id']}/disable", token=ADMIN_TOKEN, expect=200)
    assert api.call("GET", "/api/v1/retailers/me", token=rotated["api_key"]).status_code == 401
    shops = api.json("GET", "/api/v1/shops")["shops"]
    assert all(s["retailer_id"] != shop["retailer_id"] for s in shops)
    enabled = api.json("POST", f"/api/v1/retailers/{shop['retailer_id']}/enable", token=ADMIN_TOKEN, expect=200)
    assert enabled["status"] == "active"
    assert api.call("GET", "/api/v1/retailers/me", token=enabled["api_key"]).status_code == 200
    assert api.call("GET", "/api/v1/retailers/me", token=rotated["api_key"]).status_code == 401


def test_retailer_validation_and_unknown(api: Api) -> None:
    for body in ({}, {"name": "x", "address": "y", "email": "not-an-email", "zone": "m"},
                 {"name": "x" * 500, "address": "y", "email": "a@b.de", "zone": "m"}, [1, 2]):
        r = api.call("POST", "/api/v1/retailers", body, token=ADMIN_TOKEN)
        assert r.status_code == 400, body
        assert json.loads(r.body)["error"]["code"] in ("invalid_request", "invalid_json")
    api.json("POST", "/api/v1/retailers/ret_nope/disable", token=ADMIN_TOKEN, expect=404)
    api.json("GET", "/api/v1/retailers/ret_nope", token=ADMIN_TOKEN, expect=404)


def test_malformed_authorization_headers(api: Api) -> None:
    for value in ("", "Bearer", "Bearer ", "Basic abc", "bearer " + "x" * 5000):
        r = api.call("GET", "/api/v1/retailers/me", headers={"Authorization": value})
        assert r.status_code == 401 and json.loads(r.body)["error"]["code"] == "unauthorized"


def test_production_refuses_without_a_real_admin_token(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.core import settings

    monkeypatch.setenv("MARKTPLATZ_MODE", "aws")
    monkeypatch.delenv("MARKTPLATZ_ADMIN_TOKEN", raising=False)
    settings.reset()
    monkeypatch.setattr(settings, "secret", lambda name: {"token": "local-admin-token"})
    with pytest.raises(settings.ConfigurationError):
        settings.admin_token()
    monkeypatch.setattr(settings, "secret", lambda name: {"token": "short"})
    with pytest.raises(settings.ConfigurationError):
        settings.admin_token()
    monkeypatch.setattr(settings, "secret", lambda name: {"token": "a-real-admin-token-of-sufficient-length"})
    assert settings.admin_token() == "a-real-admin-token-of-sufficient-length"
    monkeypatch.setenv("MARKTPLATZ_ADMIN_TOKEN", "local-admin-token")
    settings.get.cache_clear()
    with pytest.raises(settings.ConfigurationError):
        settings.admin_token()

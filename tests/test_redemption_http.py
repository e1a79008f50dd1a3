"""Vouchers and redemptions over HTTP (chalice.test.Client) against moto: every route and every error code."""

from __future__ import annotations

import json
import uuid

from chalicelib.core import clock
from tests.conftest import ADMIN_TOKEN, Api


def test_issue_and_balance(api: Api) -> None:
    [v] = api.vouchers(2500, campaign="Weihnachten")
    assert v["balance_cents"] == 2500
    assert v["url"] == f"https://gutschein.billerbeck.de/v/{v['token']}"
    assert v["expires_at"].startswith(f"{clock.now().year + 3}-12-31T23:59:59")
    balance = api.json("GET", f"/api/v1/vouchers/balance?token={v['token']}", expect=200)
    assert balance == {"voucher_id": v["voucher_id"], "balance_cents": 2500, "initial_cents": 2500,
                       "expires_at": v["expires_at"], "status": "active"}


def test_bulk_issuing_fits_every_transaction_in_dynamodbs_100_items(api: Api) -> None:
    """Full chunks touch every month and day shard of the totals: the largest transaction issuing can send."""
    from chalicelib.vouchers.issuing import ISSUE_CHUNK
    from devstack.ddb_calls import count_dynamodb_calls

    with count_dynamodb_calls() as calls:
        vouchers = api.vouchers(1000, 2 * ISSUE_CHUNK + 3)
    assert len({v["voucher_id"] for v in vouchers}) == 2 * ISSUE_CHUNK + 3
    assert calls.by_operation()["TransactWriteItems"] == 3


def test_issue_validation(api: Api) -> None:
    for body in ({"amount_cents": 0, "quantity": 1}, {"amount_cents": 100, "quantity": 501},
                 {"amount_cents": "10", "quantity": 1}, {"amount_cents": 100}, {"amount_cents": 100, "quantity": 1,
                                                                                 "expires_at": "2020-01-01T00:00:00Z"},
                 {"amount_cents": 100, "quantity": 1, "expires_at": "tomorrow"}):
        err = api.json("POST", "/api/v1/vouchers", body, ADMIN_TOKEN, expect=400)
        assert err["error"]["code"] == "invalid_request"
    response = api.call("POST", "/api/v1/vouchers", raw="{not json", token=ADMIN_TOKEN)
    assert response.status_code == 400 and json.loads(response.body)["error"]["code"] == "invalid_json"


def test_redeem_in_parts_then_insufficient(api: Api) -> None:
    shop = api.retailer()
    [v] = api.vouchers(5000)
    r = api.redeem(shop["api_key"], v["token"], 1250)
    assert r.status_code == 201
    body = json.loads(r.body)
    assert body["balance_cents"] == 3750 and body["amount_cents"] == 1250
    assert body["retailer_id"] == shop["retailer_id"] and body["voucher_id"] == v["voucher_id"]
    assert body["redemption_id"].startswith("rd_")
    r = api.redeem(shop["api_key"], v["token"], 3750)
    assert json.loads(r.body)["balance_cents"] == 0
    r = api.redeem(shop["api_key"], v["token"], 1)
    assert r.status_code == 409
    err = json.loads(r.body)["error"]
    assert err["code"] == "insufficient_balance" and err["balance_cents"] == 0


def test_idempotency_same_key_same_answer_other_body_422(api: Api) -> None:
    shop = api.retailer()
    [v] = api.vouchers(5000)
    first = api.redeem(shop["api_key"], v["token"], 1000, idem="till-7-0001")
    again = api.redeem(shop["api_key"], v["token"], 1000, idem="till-7-0001")
    assert first.status_code == again.status_code == 201
    assert json.loads(first.body) == json.loads(again.body)
    other = api.redeem(shop["api_key"], v["token"], 999, idem="till-7-0001")
    assert other.status_code == 422
    assert json.loads(other.body)["error"]["code"] == "idempotency_key_reused"
    balance = api.json("GET", f"/api/v1/vouchers/balance?token={v['token']}")
    assert balance["balance_cents"] == 4000
    ledger = api.json("GET", f"/api/v1/vouchers/{v['voucher_id']}", token=ADMIN_TOKEN)["ledger"]
    assert [e["kind"] for e in ledger] == ["issue", "redemption"]


def test_idempotency_key_is_required(api: Api) -> None:
    shop = api.retailer()
    [v] = api.vouchers(5000)
    r = api.call("POST", "/api/v1/redemptions", {"token": v["token"], "amount_cents": 100}, shop["api_key"])
    assert r.status_code == 400 and json.loads(r.body)["error"]["code"] == "idempotency_key_required"


def test_stale_expected_balance_still_redeems_correctly(api: Api) -> None:
    shop = api.retailer()
    [v] = api.vouchers(5000)
    r = api.redeem(shop["api_key"], v["token"], 1000, expected_balance_cents=4200)  # wrong guess
    assert r.status_code == 201 and json.loads(r.body)["balance_cents"] == 4000


def test_bad_tokens_are_400_invalid_token(api: Api) -> None:
    shop = api.retailer()
    [v] = api.vouchers(5000)
    tampered = v["token"][:-3] + ("AAA" if v["token"][-3:] != "AAA" else "BBB")
    for token in (tampered, v["token"][:60], "hello", ""):
        r = api.redeem(shop["api_key"], token, 100)
        assert r.status_code == 400, token
        assert json.loads(r.body)["error"]["code"] == "invalid_token"
    balance = api.call("GET", f"/api/v1/vouchers/balance?token={tampered}")
    assert balance.status_code == 400 and json.loads(balance.body)["error"]["code"] == "invalid_token"


def test_lower_and_upper_case_tokens_are_the_same_voucher(api: Api) -> None:
    shop = api.retailer()
    [v] = api.vouchers(5000)
    r = api.redeem(shop["api_key"], v["token"].lower(), 100)
    assert r.status_code == 201 and json.loads(r.body)["voucher_id"] == v["voucher_id"]


def test_expired_voucher_is_409_voucher_expired(api: Api) -> None:
    shop = api.retailer()
    [v] = api.vouchers(5000, expires_at=clock.iso(clock.now().replace(microsecond=0)).replace("Z", "+00:00")
                       if False else "2099-01-01T00:00:00+01:00")
    clock.shift((clock.parse_iso("2099-01-01T00:00:00+01:00") - clock.now()).total_seconds() + 1)
    r = api.redeem(shop["api_key"], v["token"], 100)
    assert r.status_code == 409 and json.loads(r.body)["error"]["code"] == "voucher_expired"
    assert api.json("GET", f"/api/v1/vouchers/balance?token={v['token']}")["status"] == "expired"


def test_block_unblock_and_reissue(api: Api) -> None:
    shop = api.retailer()
    [v] = api.vouchers(5000)
    assert api.redeem(shop["api_key"], v["token"], 1500).status_code == 201
    blocked = api.json("POST", f"/api/v1/vouchers/{v['voucher_id']}/block", {"reason": "QR auf Facebook"},
                       ADMIN_TOKEN, expect=200)
    assert blocked["status"] == "blocked"
    r = api.redeem(shop["api_key"], v["token"], 100)
    assert r.status_code == 409 and json.loads(r.body)["error"]["code"] == "voucher_blocked"
    api.json("POST", f"/api/v1/vouchers/{v['voucher_id']}/unblock", token=ADMIN_TOKEN, expect=200)
    assert api.redeem(shop["api_key"], v["token"], 100).status_code == 201
    api.json("POST", f"/api/v1/vouchers/{v['voucher_id']}/block", token=ADMIN_TOKEN, expect=200)
    new = api.json("POST", f"/api/v1/vouchers/{v['voucher_id']}/reissue", token=ADMIN_TOKEN, expect=201)["voucher"]
    assert new["balance_cents"] == 3400 and new["token"] != v["token"]
    assert new["expires_at"] == v["expires_at"]
    assert api.redeem(shop["api_key"], v["token"], 100).status_code == 409  # the old code never works again
    assert api.redeem(shop["api_key"], new["token"], 3400).status_code == 201
    again = api.json("POST", f"/api/v1/vouchers/{v['voucher_id']}/reissue", token=ADMIN_TOKEN, expect=409)
    assert again["error"]["code"] == "voucher_replaced"
    unblock = api.json("POST", f"/api/v1/vouchers/{v['voucher_id']}/unblock", token=ADMIN_TOKEN, expect=409)
    assert unblock["error"]["code"] == "voucher_replaced"
    old = api.json("GET", f"/api/v1/vouchers/{v['voucher_id']}", token=ADMIN_TOKEN)
    assert old["balance_cents"] == 0 and old["replaced_by"] == new["voucher_id"] and old["status"] == "replaced"
    assert sum(e["amount_cents"] for e in old["ledger"]) == 0


def test_reversal_by_same_retailer_once(api: Api) -> None:
    shop = api.retailer()
    [v] = api.vouchers(5000)
    red = json.loads(api.redeem(shop["api_key"], v["token"], 2000).body)
    rev = api.json("POST", f"/api/v1/redemptions/{red['redemption_id']}/reversal", token=shop["api_key"], expect=201)
    assert rev["balance_cents"] == 5000 and rev["amount_cents"] == 2000
    again = api.json("POST", f"/api/v1/redemptions/{red['redemption_id']}/reversal", token=shop["api_key"],
                     expect=200)
    assert again["balance_cents"] == 5000 and again["reversal_id"] == rev["reversal_id"]
    ledger = api.json("GET", f"/api/v1/vouchers/{v['voucher_id']}", token=ADMIN_TOKEN)["ledger"]
    assert [e["kind"] for e in ledger] == ["issue", "redemption", "reversal"]
    assert sum(e["amount_cents"] for e in ledger) == 5000


def test_reversal_window_and_admin_override(api: Api) -> None:
    shop = api.retailer()
    [v] = api.vouchers(5000)
    red = json.loads(api.redeem(shop["api_key"], v["token"], 2000).body)
    clock.shift(31 * 60)
    late = api.json("POST", f"/api/v1/redemptions/{red['redemption_id']}/reversal", token=shop["api_key"],
                    expect=409)
    assert late["error"]["code"] == "reversal_window_closed"
    api.json("POST", f"/api/v1/redemptions/{red['redemption_id']}/reversal", token=ADMIN_TOKEN, expect=201)
    assert api.json("GET", f"/api/v1/vouchers/balance?token={v['token']}")["balance_cents"] == 5000


def test_unknown_redemption_ids_are_404(api: Api) -> None:
    shop = api.retailer()
    for rid in ("nope", "rd_aaaaaaaaaaaaaaaa_zzz", "rd_x_y_z", "x" * 300):
        err = api.json("POST", f"/api/v1/redemptions/{rid}/reversal", token=shop["api_key"], expect=404)
        assert err["error"]["code"] == "not_found"


def test_history_newest_first_and_paginated(api: Api) -> None:
    shop = api.retailer()
    [v] = api.vouchers(5000)
    ids = [json.loads(api.redeem(shop["api_key"], v["token"], 100 + i).body)["redemption_id"] for i in range(5)]
    page = api.json("GET", "/api/v1/redemptions?limit=2", token=shop["api_key"], expect=200)
    assert [i["redemption_id"] for i in page["items"]] == ids[::-1][:2]
    rest = api.json("GET", f"/api/v1/redemptions?limit=10&cursor={page['next_cursor']}", token=shop["api_key"])
    assert [i["redemption_id"] for i in rest["items"]] == ids[::-1][2:]
    today = clock.now().astimezone(clock.BERLIN).date().isoformat()
    day = api.json("GET", f"/api/v1/redemptions?date={today}", token=shop["api_key"])
    assert len(day["items"]) == 5
    api.json("GET", "/api/v1/redemptions?date=26.11.2026", token=shop["api_key"], expect=400)
    api.json("GET", "/api/v1/redemptions?cursor=%%%", token=shop["api_key"], expect=400)


def test_balance_lookups_are_rate_limited(api: Api, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MARKTPLATZ_BALANCE_LOOKUPS_PER_MINUTE", "3")
    from chalicelib.core import settings

    settings.reset()
    monkeypatch.setattr("chalicelib.vouchers.routes.client_address", lambda request: "203.0.113.9")
    [v] = api.vouchers(100)
    codes = [api.call("GET", f"/api/v1/vouchers/balance?token={v['token']}").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    err = json.loads(api.call("GET", "/api/v1/vouchers/balance?token=x").body)
    assert err["error"]["code"] == "rate_limited"


def test_voucher_keys_are_published(api: Api) -> None:
    keys = api.json("GET", "/.well-known/voucher-keys.json", expect=200)["keys"]
    assert keys and all(k["kty"] == "OKP" and k["crv"] == "Ed25519" and k["kid"] for k in keys)


def test_unknown_voucher_detail_404(api: Api) -> None:
    assert api.json("GET", f"/api/v1/vouchers/{uuid.uuid4().hex}", token=ADMIN_TOKEN, expect=404)["error"]["code"] \
        == "not_found"

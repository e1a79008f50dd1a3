"""Idempotency-Key on admin issuing and on orders: a retry after a timeout never issues or orders twice."""

from __future__ import annotations

import pytest
import requests

from chalicelib.vouchers import issuing
from chalicelib.vouchers.models import LedgerEntry, Voucher
from tests.conftest import ADMIN_TOKEN, Api
from tests.payments.conftest import Shop


def _issue(api: Api, body: dict, key: str, expect: int = 201) -> dict:
    return api.json("POST", "/api/v1/vouchers", body, ADMIN_TOKEN, expect=expect, headers={"Idempotency-Key": key})


def test_admin_issuing_with_the_same_key_issues_once(api: Api) -> None:
    body = {"amount_cents": 1000, "quantity": 3, "campaign": "Firmengutschein"}
    first = _issue(api, body, "batch-2026-12-a")
    again = _issue(api, body, "batch-2026-12-a")
    assert again == first and len(first["vouchers"]) == 3
    other = _issue(api, {**body, "quantity": 4}, "batch-2026-12-a", expect=422)
    assert other["error"]["code"] == "idempotency_key_reused"
    assert len(_issue(api, body, "batch-2026-12-b")["vouchers"]) == 3  # a new key is a new batch
    for v in first["vouchers"]:
        assert [e.kind for e in LedgerEntry.query(v["voucher_id"], consistent_read=True)] == ["issue"]
    bad = api.json("POST", "/api/v1/vouchers", body, ADMIN_TOKEN, expect=400, headers={"Idempotency-Key": "a b"})
    assert bad["error"]["code"] == "idempotency_key_required"


def test_an_interrupted_batch_is_completed_by_the_retry_without_touching_spent_vouchers(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    shop = api.retailer()
    real_write = issuing._write

    def crash_after_half(pairs: list, *, resume: bool) -> None:
        real_write(pairs[:2], resume=resume)
        raise ConnectionError("the Lambda timed out")

    with monkeypatch.context() as m:
        m.setattr(issuing, "_write", crash_after_half)
        with pytest.raises(ConnectionError):
            issuing.issue_vouchers(500, 4, idempotency_key="crashy")
    written = [v for v in Voucher.scan() if v.initial_cents == 500 and v.voucher_id in
               {vid for vid in (issuing._derived_id("issue#admin#crashy", i) for i in range(4))}]
    assert len(written) == 2
    from chalicelib.vouchers.views import voucher_issued

    spent = voucher_issued(written[0])
    assert api.redeem(shop["api_key"], spent["token"], 200).status_code == 201
    vouchers = _issue(api, {"amount_cents": 500, "quantity": 4}, "crashy")["vouchers"]
    assert len({v["voucher_id"] for v in vouchers}) == 4
    assert int(Voucher.get(spent["voucher_id"], consistent_read=True).balance_cents) == 300  # not overwritten
    for v in vouchers:
        kinds = [e.kind for e in LedgerEntry.query(v["voucher_id"], consistent_read=True)]
        assert kinds.count("issue") == 1


def _all_intents(shop: Shop) -> list[dict]:
    intents: list[dict] = []
    params: dict = {"limit": 100}
    while True:
        page = requests.get(f"{shop.stripe_url}/v1/payment_intents", params=params, headers=shop.auth,
                            timeout=10).json()
        intents += page["data"]
        if not page.get("has_more") or not page["data"]:
            return intents
        params["starting_after"] = page["data"][-1]["id"]


def test_orders_with_the_same_key_are_one_order_and_one_payment_intent(shop: Shop) -> None:
    body = {"amount_cents": 2500, "quantity": 2, "email": "kunde@example.org"}
    headers = {"Idempotency-Key": "checkout-7f3a"}
    first = shop.api.json("POST", "/api/v1/orders", body, headers=headers, expect=201)
    again = shop.api.json("POST", "/api/v1/orders", body, headers=headers, expect=201)
    assert again == first
    other = shop.api.json("POST", "/api/v1/orders", {**body, "quantity": 3}, headers=headers, expect=422)
    assert other["error"]["code"] == "idempotency_key_reused"
    assert [i["id"] for i in _all_intents(shop) if (i.get("metadata") or {}).get("order_id") == first["order_id"]] \
        == [shop.intent_id(first)]
    assert shop.status(first)["status"] == "pending"
    assert shop.order(2500, 2)["order_id"] != first["order_id"]  # without a key: a new order each time

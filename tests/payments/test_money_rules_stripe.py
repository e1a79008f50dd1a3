"""Money after refunds, disputes and expiry, through the real local Stripe stand-in: nothing is created, nothing
stranded, nothing silently lost."""

from __future__ import annotations

import json
import random

import requests

from chalicelib.core import clock
from chalicelib.payments.models import Order
from chalicelib.vouchers.models import LedgerEntry, Voucher
from tests.conftest import ADMIN_TOKEN
from tests.payments.conftest import Shop, event


def _voucher(voucher_id: str) -> Voucher:
    return Voucher.get(voucher_id, consistent_read=True)


def _kinds(voucher_id: str) -> list[str]:
    return [e.kind for e in LedgerEntry.query(voucher_id, consistent_read=True)]


def _redeem(shop: Shop, key: str, token: str, amount: int) -> str:
    r = shop.api.redeem(key, token, amount)
    assert r.status_code == 201, r.body
    return json.loads(r.body)["redemption_id"]


def test_full_refund_then_reversal_then_reissue_creates_no_money(shop: Shop) -> None:
    order = shop.paid_order(2500, 1)
    [v] = shop.status(order)["vouchers"]
    key = shop.api.retailer()["api_key"]
    redemption_id = _redeem(shop, key, v["token"], 1000)
    assert shop.deliver(shop.charge_event(order, "charge.refunded", amount_refunded=2500)).status_code == 200
    refused = shop.api.json("POST", f"/api/v1/redemptions/{redemption_id}/reversal", token=key, expect=409)
    assert refused["error"]["code"] == "voucher_refunded"
    for action in ("reissue", "unblock"):
        answer = shop.api.json("POST", f"/api/v1/vouchers/{v['voucher_id']}/{action}", token=ADMIN_TOKEN, expect=409)
        assert answer["error"]["code"] == "voucher_refunded"
    stored = _voucher(v["voucher_id"])
    assert int(stored.balance_cents) == 0 and stored.status == "blocked" and stored.refunded_at
    assert _kinds(v["voucher_id"]) == ["issue", "redemption", "refund"]


def test_refund_after_a_reissue_takes_the_money_back_from_the_replacement(shop: Shop) -> None:
    order = shop.paid_order(2500, 1)
    [v] = shop.status(order)["vouchers"]
    key = shop.api.retailer()["api_key"]
    redemption_id = _redeem(shop, key, v["token"], 1000)
    shop.api.json("POST", f"/api/v1/vouchers/{v['voucher_id']}/block", token=ADMIN_TOKEN, expect=200)
    new = shop.api.json("POST", f"/api/v1/vouchers/{v['voucher_id']}/reissue", token=ADMIN_TOKEN,
                        expect=201)["voucher"]
    # The retailer reverses: the 10 EUR reach the holder's current voucher.
    rev = shop.api.json("POST", f"/api/v1/redemptions/{redemption_id}/reversal", token=key, expect=201)
    assert rev["credited_voucher_id"] == new["voucher_id"] and int(_voucher(new["voucher_id"]).balance_cents) == 2500
    # Then Stripe refunds the whole order: the replacement, which holds the money, is taken back.
    assert shop.deliver(shop.charge_event(order, "charge.refunded", amount_refunded=2500)).status_code == 200
    replacement = _voucher(new["voucher_id"])
    assert int(replacement.balance_cents) == 0 and replacement.refunded_at and replacement.status == "blocked"
    assert shop.api.redeem(key, new["token"], 1).status_code == 409


def test_dispute_blocks_the_replacement_and_a_won_dispute_unblocks_only_what_it_blocked(shop: Shop) -> None:
    order = shop.paid_order(2000, 3)
    a, b, c = shop.status(order)["vouchers"]
    shop.api.json("POST", f"/api/v1/vouchers/{a['voucher_id']}/block", token=ADMIN_TOKEN, expect=200)
    a_new = shop.api.json("POST", f"/api/v1/vouchers/{a['voucher_id']}/reissue", token=ADMIN_TOKEN,
                          expect=201)["voucher"]
    shop.api.json("POST", f"/api/v1/vouchers/{b['voucher_id']}/block", {"reason": "gestohlen"}, ADMIN_TOKEN,
                  expect=200)
    assert shop.deliver(shop.charge_event(order, "charge.dispute.created")).status_code == 200
    assert _voucher(a_new["voucher_id"]).block_reason == "dispute"  # the re-issued money is frozen too
    assert _voucher(c["voucher_id"]).block_reason == "dispute"
    refused = shop.api.json("POST", f"/api/v1/vouchers/{c['voucher_id']}/reissue", token=ADMIN_TOKEN, expect=409)
    assert refused["error"]["code"] == "voucher_disputed"
    won = shop.dispute_closed(order, "won", 6000)
    for _ in range(2):
        assert shop.deliver(won).status_code == 200
    assert _voucher(a_new["voucher_id"]).status == "active" and _voucher(c["voucher_id"]).status == "active"
    still = _voucher(b["voucher_id"])
    assert still.status == "blocked" and still.block_reason == "gestohlen"  # the admin's block stays
    assert _kinds(c["voucher_id"]) == ["issue", "block", "unblock"]
    assert Order.get(order["order_id"]).dispute_status == "won"


def test_a_lost_dispute_books_the_chargeback_like_a_refund(shop: Shop) -> None:
    order = shop.paid_order(2500, 2)
    x, y = shop.status(order)["vouchers"]
    key = shop.api.retailer()["api_key"]
    _redeem(shop, key, x["token"], 500)
    assert shop.deliver(shop.charge_event(order, "charge.dispute.created")).status_code == 200
    lost = shop.dispute_closed(order, "lost", 5000)
    for _ in range(2):
        assert shop.deliver(lost).status_code == 200
    for v in (x, y):
        stored = _voucher(v["voucher_id"])
        assert int(stored.balance_cents) == 0 and stored.refunded_at and stored.status == "blocked"
        assert _kinds(v["voucher_id"])[-1] == "refund"
    stored_order = Order.get(order["order_id"])
    assert stored_order.dispute_status == "lost" and stored_order.status == "refunded"
    answer = shop.api.json("POST", f"/api/v1/vouchers/{y['voucher_id']}/unblock", token=ADMIN_TOKEN, expect=409)
    assert answer["error"]["code"] == "voucher_refunded"


def test_a_failed_refund_is_listed_for_the_city_and_can_be_retried(shop: Shop) -> None:
    order = shop.paid_order(2000, 1)
    shop.api.json("POST", f"/api/v1/orders/{order['order_id']}/withdrawal", token=ADMIN_TOKEN, expect=200)
    refund_id = Order.get(order["order_id"]).refund_id
    failed = event("refund.failed", {"id": refund_id, "object": "refund", "payment_intent": shop.intent_id(order),
                                     "amount": 2000, "status": "failed", "failure_reason": "expired_or_canceled_card"})
    for _ in range(2):
        assert shop.deliver(failed).status_code == 200
    listed = shop.api.json("GET", "/api/v1/orders/refunds/failed", token=ADMIN_TOKEN, expect=200)["orders"]
    [mine] = [o for o in listed if o["order_id"] == order["order_id"]]
    assert mine["failure_reason"] == "expired_or_canceled_card" and mine["failed_refund_cents"] == 2000
    key = shop.api.retailer()["api_key"]
    assert shop.api.json("GET", "/api/v1/orders/refunds/failed", token=key, expect=403)["error"]["code"] == "forbidden"
    retried = shop.api.json("POST", f"/api/v1/orders/{order['order_id']}/refund/retry", token=ADMIN_TOKEN, expect=200)
    assert retried["refund"] == "done"
    refunds = requests.get(f"{shop.stripe_url}/v1/refunds", params={"payment_intent": shop.intent_id(order)},
                           headers=shop.auth, timeout=10).json()["data"]
    assert sorted(r["amount"] for r in refunds) == [2000, 2000]
    listed = shop.api.json("GET", "/api/v1/orders/refunds/failed", token=ADMIN_TOKEN, expect=200)["orders"]
    assert order["order_id"] not in [o["order_id"] for o in listed]
    again = shop.api.json("POST", f"/api/v1/orders/{order['order_id']}/refund/retry", token=ADMIN_TOKEN, expect=409)
    assert again["error"]["code"] == "refund_not_failed"


def test_unpaid_orders_expire_and_their_payment_intents_are_cancelled(shop: Shop) -> None:
    from tests.payments.test_reconcile import _run_job

    def reconcile() -> dict:
        return _run_job(shop)

    unpaid = shop.order(1000, 1)
    paid = shop.paid_order(1000, 1)
    reconcile()
    assert shop.status(unpaid)["status"] == "pending"  # not yet a day old
    clock.shift(25 * 3600)
    late = shop.order(1000, 1)  # created after the shift: still within its day
    assert reconcile()["orders_expired"] >= 1
    assert shop.status(unpaid)["status"] == "expired"
    assert shop.intent(unpaid)["status"] == "canceled"
    assert shop.status(paid)["status"] == "paid" and shop.status(late)["status"] == "pending"
    assert shop.pay(unpaid).status_code >= 400  # nobody can pay it any more
    assert reconcile()["orders_expired"] == 0  # off the index: the job does not see it again


def test_money_paid_out_never_exceeds_money_paid_in(shop: Shop) -> None:
    """Random sequences of redeem, reverse, block, unblock, re-issue, refund and dispute over one order: every
    voucher's balance equals its ledger; what left (retailer turnover + refunds booked) plus what is left on
    vouchers equals what was issued; nothing of a refunded voucher stays spendable."""
    rng = random.Random(1207)
    key = shop.api.retailer()["api_key"]
    for _round in range(3):
        order = shop.paid_order(2000, 2)
        holders = {v["voucher_id"]: v["token"] for v in shop.status(order)["vouchers"]}
        redemptions: list[str] = []
        refunded = 0
        for _ in range(14):
            op = rng.choice(["redeem", "redeem", "reverse", "block", "unblock", "reissue", "refund", "dispute"])
            voucher_id = rng.choice(sorted(holders))
            if op == "redeem":
                r = shop.api.redeem(key, holders[voucher_id], rng.randint(1, 900))
                if r.status_code == 201:
                    redemptions.append(json.loads(r.body)["redemption_id"])
            elif op == "reverse" and redemptions:
                shop.api.call("POST", f"/api/v1/redemptions/{rng.choice(redemptions)}/reversal", token=ADMIN_TOKEN)
            elif op in ("block", "unblock"):
                shop.api.call("POST", f"/api/v1/vouchers/{voucher_id}/{op}", token=ADMIN_TOKEN)
            elif op == "reissue":
                r = shop.api.call("POST", f"/api/v1/vouchers/{voucher_id}/reissue", token=ADMIN_TOKEN)
                if r.status_code == 201:
                    new = json.loads(r.body)["voucher"]
                    holders[new["voucher_id"]] = new["token"]
            elif op == "refund" and refunded < 4000:
                refunded = min(4000, refunded + rng.choice([1000, 2000, 4000]))
                shop.deliver(shop.charge_event(order, "charge.refunded", amount_refunded=refunded))
            elif op == "dispute":
                shop.deliver(shop.charge_event(order, "charge.dispute.created"))
        issued = turnover = booked_refunds = left = 0
        for voucher_id in holders:
            stored = _voucher(voucher_id)
            entries = list(LedgerEntry.query(voucher_id, consistent_read=True))
            assert sum(int(e.amount_cents) for e in entries) == int(stored.balance_cents) >= 0
            issued += sum(int(e.amount_cents) for e in entries if e.kind == "issue")
            turnover -= sum(int(e.amount_cents) for e in entries if e.kind in ("redemption", "reversal"))
            booked_refunds -= sum(int(e.amount_cents) for e in entries if e.kind == "refund")
            left += int(stored.balance_cents)
            if stored.refunded_at:
                assert int(stored.balance_cents) == 0 and stored.status == "blocked"
        assert issued == 4000  # re-issues move money, they never add any
        assert turnover + booked_refunds + left == issued
        if refunded == 4000:  # the buyer has every cent back: nothing of the order may stay spendable
            assert all(_voucher(v).status != "active" or int(_voucher(v).balance_cents) == 0 for v in holders)

"""Money going back: Stripe refunds and disputes block vouchers; the buyer's 14-day withdrawal (Widerruf)."""

from __future__ import annotations

import requests

from chalicelib.core import clock
from chalicelib.vouchers.models import LedgerEntry, Voucher
from tests.conftest import ADMIN_TOKEN
from tests.payments.conftest import Shop


def _stored(status: dict) -> list[Voucher]:
    return [Voucher.get(v["voucher_id"], consistent_read=True) for v in status["vouchers"]]


def _kinds(voucher_id: str) -> list[str]:
    return [e.kind for e in LedgerEntry.query(voucher_id, consistent_read=True)]


def test_full_refund_blocks_every_voucher_once(shop: Shop) -> None:
    order = shop.paid_order(2000, 3)
    evt = shop.charge_event(order, "charge.refunded", amount_refunded=6000, refunded=True)
    for _ in range(2):
        assert shop.deliver(evt).status_code == 200
    status = shop.status(order)
    assert status["status"] == "refunded" and status["refunded_cents"] == 6000
    for v in _stored(status):
        assert v.status == "blocked" and int(v.balance_cents) == 0
        assert _kinds(v.voucher_id) == ["issue", "refund"]
    key = shop.api.retailer()["api_key"]
    r = shop.api.redeem(key, status["vouchers"][0]["token"], 100)
    assert r.status_code == 409


def test_partial_refund_blocks_unspent_vouchers_first_up_to_the_amount(shop: Shop) -> None:
    order = shop.paid_order(1000, 4)
    status = shop.status(order)
    key = shop.api.retailer()["api_key"]
    spent = status["vouchers"][0]
    assert shop.api.redeem(key, spent["token"], 300).status_code == 201
    # 15 EUR back to the buyer: two whole unspent vouchers cover it; the spent one stays usable.
    assert shop.deliver(shop.charge_event(order, "charge.refunded", amount_refunded=1500)).status_code == 200
    status = shop.status(order)
    assert status["status"] == "partially_refunded" and status["refunded_cents"] == 1500
    by_id = {v.voucher_id: v for v in _stored(status)}
    assert by_id[spent["voucher_id"]].status == "active" and int(by_id[spent["voucher_id"]].balance_cents) == 700
    blocked = [v for v in by_id.values() if v.status == "blocked"]
    assert len(blocked) == 2 and all(int(v.balance_cents) == 0 for v in blocked)
    # Later the rest is refunded (cumulative 40 EUR): everything with money left is taken back.
    assert shop.deliver(shop.charge_event(order, "charge.refunded", amount_refunded=4000)).status_code == 200
    status = shop.status(order)
    assert status["status"] == "refunded"
    assert all(v.status == "blocked" and int(v.balance_cents) == 0 for v in _stored(status))
    assert _kinds(spent["voucher_id"]) == ["issue", "redemption", "refund"]


def test_dispute_blocks_unspent_vouchers_and_keeps_their_balance(shop: Shop) -> None:
    order = shop.paid_order(2500, 2)
    evt = shop.charge_event(order, "charge.dispute.created")
    assert shop.deliver(evt).status_code == 200
    assert shop.deliver(evt).status_code == 200
    status = shop.status(order)
    assert status["disputed"] is True
    for v in _stored(status):
        assert v.status == "blocked" and v.block_reason == "dispute" and int(v.balance_cents) == 2500
        assert _kinds(v.voucher_id) == ["issue", "block"]
    key = shop.api.retailer()["api_key"]
    r = shop.api.redeem(key, status["vouchers"][0]["token"], 100)
    assert r.status_code == 409 and r.json_body["error"]["code"] == "voucher_blocked"


def test_withdrawal_within_14_days_refunds_at_stripe_and_blocks(shop: Shop) -> None:
    order = shop.paid_order(2000, 2)
    clock.shift(13 * 86400)
    path = f"/api/v1/orders/{order['order_id']}/withdrawal"
    assert shop.api.json("POST", path + "?secret=wrong", expect=404)["error"]["code"] == "not_found"
    answer = shop.api.json("POST", path, headers={"X-Order-Secret": order["order_secret"]}, expect=200)
    assert answer["status"] == "refunded" and answer["refund"] == "done" and answer["refunded_cents"] == 4000
    for v in _stored(answer):
        assert v.status == "blocked" and int(v.balance_cents) == 0
        assert _kinds(v.voucher_id) == ["issue", "refund"]
    refunds = requests.get(f"{shop.stripe_url}/v1/refunds", params={"payment_intent": shop.intent_id(order)},
                           headers=shop.auth, timeout=10).json()["data"]
    assert [r["amount"] for r in refunds] == [4000]
    # Asking again answers the same and refunds nothing twice; Stripe's charge.refunded then changes nothing.
    again = shop.api.json("POST", path, headers={"X-Order-Secret": order["order_secret"]}, expect=200)
    assert again["status"] == "refunded"
    assert shop.deliver(shop.charge_event(order, "charge.refunded", amount_refunded=4000)).status_code == 200
    refunds = requests.get(f"{shop.stripe_url}/v1/refunds", params={"payment_intent": shop.intent_id(order)},
                           headers=shop.auth, timeout=10).json()["data"]
    assert len(refunds) == 1
    assert all(_kinds(v.voucher_id) == ["issue", "refund"] for v in _stored(answer))


def test_withdrawal_after_14_days_is_refused(shop: Shop) -> None:
    order = shop.paid_order(2000, 1)
    clock.shift(15 * 86400)
    path = f"/api/v1/orders/{order['order_id']}/withdrawal?secret={order['order_secret']}"
    assert shop.api.json("POST", path, expect=409)["error"]["code"] == "withdrawal_period_over"
    admin = shop.api.json("POST", f"/api/v1/orders/{order['order_id']}/withdrawal", token=ADMIN_TOKEN, expect=409)
    assert admin["error"]["code"] == "withdrawal_period_over"
    assert shop.status(order)["status"] == "paid"


def test_withdrawal_after_spending_is_409_voucher_spent(shop: Shop) -> None:
    order = shop.paid_order(2000, 2)
    status = shop.status(order)
    key = shop.api.retailer()["api_key"]
    assert shop.api.redeem(key, status["vouchers"][1]["token"], 1).status_code == 201
    path = f"/api/v1/orders/{order['order_id']}/withdrawal?secret={order['order_secret']}"
    assert shop.api.json("POST", path, expect=409)["error"]["code"] == "voucher_spent"
    assert all(v.status == "active" for v in _stored(status))


def test_admin_can_withdraw_and_others_cannot(shop: Shop) -> None:
    order = shop.paid_order(1500, 1)
    path = f"/api/v1/orders/{order['order_id']}/withdrawal"
    key = shop.api.retailer()["api_key"]
    assert shop.api.json("POST", path, token=key, expect=403)["error"]["code"] == "forbidden"
    assert shop.api.json("POST", path, expect=404)["error"]["code"] == "not_found"
    assert shop.api.json("POST", path, token=ADMIN_TOKEN, expect=200)["status"] == "refunded"


def test_unpaid_order_cannot_be_withdrawn(shop: Shop) -> None:
    order = shop.order(1000, 1)
    path = f"/api/v1/orders/{order['order_id']}/withdrawal?secret={order['order_secret']}"
    assert shop.api.json("POST", path, expect=409)["error"]["code"] == "order_not_paid"


def test_refund_arriving_before_the_payment_event_still_ends_refunded(shop: Shop) -> None:
    from tests.payments.conftest import event

    order = shop.order(1000, 2)
    assert shop.pay(order).status_code == 200
    # Stripe's succeeded delivery is delayed; the refund event comes first.
    assert shop.deliver(shop.charge_event(order, "charge.refunded", amount_refunded=2000)).status_code == 200
    status = shop.status(order)
    assert status["status"] == "refunded" and len(status["vouchers"]) == 2
    assert all(v.status == "blocked" and int(v.balance_cents) == 0 for v in _stored(status))
    assert shop.deliver(event("payment_intent.succeeded", shop.intent(order))).status_code == 200
    assert shop.status(order)["status"] == "refunded"
    assert all(_kinds(v.voucher_id) == ["issue", "refund"] for v in _stored(status))

"""City-funded bonus campaigns: the bonus goes on the voucher while the budget lasts, never beyond it."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta
from typing import Any

from chalicelib.core import clock
from chalicelib.payments import webhook
from chalicelib.payments.models import Campaign
from chalicelib.vouchers.models import LedgerEntry, Voucher
from tests.conftest import ADMIN_TOKEN
from tests.payments.conftest import Shop, event, stripe_signature


def _campaign(shop: Shop, percent: int, budget: int, code: str | None = None, **extra: Any) -> dict[str, Any]:
    now = clock.now()
    body = {"name": f"Bonus {uuid.uuid4().hex[:6]}", "percent": percent, "budget_cents": budget,
            "starts_at": clock.iso(now - timedelta(minutes=1)), "ends_at": clock.iso(now + timedelta(days=30)),
            **extra}
    if code:
        body["code"] = code
    return shop.api.json("POST", "/api/v1/campaigns", body, token=ADMIN_TOKEN, expect=201)


def _close(campaign_id: str) -> None:
    # Campaigns are global: end this test's campaign so that other tests buy without bonus again.
    Campaign(campaign_id).update(actions=[Campaign.ends_at.set(clock.iso(clock.now() - timedelta(seconds=1)))])


def test_coded_campaign_adds_bonus_and_tracks_it_apart(shop: Shop) -> None:
    code = f"SOMMER{uuid.uuid4().hex[:4]}".upper()
    campaign = _campaign(shop, 20, 100_000, code=code.lower())
    try:
        current = shop.api.json("GET", f"/api/v1/campaigns/current?code={code}", expect=200)["campaign"]
        assert current["percent"] == 20 and current["budget_left"] is True
        assert "budget_cents" not in current
        assert shop.api.json("GET", "/api/v1/campaigns/current", expect=200)["campaign"] is None
        plain = shop.order(2500, 1)
        assert plain["bonus_cents"] == 0
        order = shop.order(2500, 2, bonus_code=code)
        assert order["total_cents"] == 5000 and order["bonus_cents"] == 500  # the buyer pays only the paid value
        assert shop.pay(order).status_code == 200
        assert shop.deliver(event("payment_intent.succeeded", shop.intent(order))).status_code == 200
        status = shop.status(order)
        assert status["bonus_cents"] == 500
        for v in status["vouchers"]:
            assert v["balance_cents"] == 3000 and v["paid_cents"] == 2500 and v["bonus_cents"] == 500
            [issue] = LedgerEntry.query(v["voucher_id"], consistent_read=True)
            assert (issue.amount_cents, issue.paid_cents, issue.bonus_cents) == (3000, 2500, 500)
        listed = shop.api.json("GET", "/api/v1/campaigns", token=ADMIN_TOKEN, expect=200)["campaigns"]
        mine = next(c for c in listed if c["campaign_id"] == campaign["campaign_id"])
        assert mine["spent_cents"] == 1000 and mine["remaining_cents"] == 99_000
    finally:
        _close(campaign["campaign_id"])


def test_campaign_admin_only_and_validated(shop: Shop) -> None:
    key = shop.api.retailer()["api_key"]
    body = {"name": "x", "percent": 20, "budget_cents": 100, "starts_at": "2030-01-01T00:00:00Z",
            "ends_at": "2030-02-01T00:00:00Z"}
    assert shop.api.json("POST", "/api/v1/campaigns", body, token=key, expect=403)["error"]["code"] == "forbidden"
    assert shop.api.json("POST", "/api/v1/campaigns", body, expect=401)["error"]["code"] == "unauthorized"
    for bad in ({"percent": 0}, {"percent": 101}, {"budget_cents": -1}, {"ends_at": "2029-01-01T00:00:00Z"},
                {"starts_at": "gestern"}):
        answer = shop.api.json("POST", "/api/v1/campaigns", {**body, **bad}, token=ADMIN_TOKEN, expect=400)
        assert answer["error"]["code"] == "invalid_request"
    assert shop.api.json("GET", "/api/v1/campaigns", token=key, expect=403)["error"]["code"] == "forbidden"


def test_bonus_budget_is_never_overspent_under_concurrent_purchases(shop: Shop) -> None:
    code = f"KNAPP{uuid.uuid4().hex[:4]}".upper()
    # Each order: 2 vouchers x 25 EUR at 20 % = 10 EUR bonus. The budget covers two and a half orders.
    campaign = _campaign(shop, 20, 2500, code=code)
    try:
        orders = [shop.order(2500, 2, bonus_code=code) for _ in range(8)]
        assert all(o["bonus_cents"] == 500 for o in orders)  # offered to all while the budget lasts...
        deliveries = []
        for order in orders:
            assert shop.pay(order).status_code == 200
            payload = json.dumps(event("payment_intent.succeeded", shop.intent(order))).encode()
            deliveries.append((payload, stripe_signature(payload)))
        barrier = threading.Barrier(len(deliveries))
        errors: list[BaseException] = []

        def deliver(payload: bytes, sig: str) -> None:
            barrier.wait()
            try:
                webhook.handle_stripe_event(payload, sig)
            except BaseException as err:  # noqa: BLE001
                errors.append(err)

        threads = [threading.Thread(target=deliver, args=d) for d in deliveries]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        stored = Campaign.get(campaign["campaign_id"], consistent_read=True)
        statuses = [shop.status(o) for o in orders]
        assert all(s["status"] == "paid" and len(s["vouchers"]) == 2 for s in statuses)
        bonus_paid = sum(v["bonus_cents"] for s in statuses for v in s["vouchers"])
        # ...but granted only while it lasts: two orders get it, the rest are issued at their paid value.
        assert bonus_paid == 2000
        assert int(stored.remaining_cents) == 500 and int(stored.remaining_cents) >= 0
        assert bonus_paid == int(stored.budget_cents) - int(stored.remaining_cents)
        assert sorted(s["bonus_cents"] for s in statuses) == [0] * 6 + [500, 500]
        for s in statuses:
            for v in s["vouchers"]:
                voucher = Voucher.get(v["voucher_id"])
                assert int(voucher.initial_cents) == 2500 + int(voucher.bonus_cents)
    finally:
        _close(campaign["campaign_id"])

"""Stripe delivers at least once, in any order, sometimes concurrently: vouchers are issued exactly once anyway."""

from __future__ import annotations

import json
import random
import threading
import uuid
from typing import Any

from chalicelib.payments import webhook
from chalicelib.vouchers.models import LedgerEntry, Voucher
from tests.payments.conftest import Shop, event, sent_emails, stripe_signature


def _vouchers_of(order_id: str) -> list[Voucher]:
    return [v for v in Voucher.scan(Voucher.order_id == order_id, consistent_read=True)]


def _signed(evt: dict[str, Any]) -> tuple[bytes, str]:
    payload = json.dumps(evt).encode()
    return payload, stripe_signature(payload)


def test_three_concurrent_deliveries_shuffled_with_other_events(shop: Shop) -> None:
    rng = random.Random(7)
    buyers, orders = [], []
    for _ in range(4):
        buyer = f"{uuid.uuid4().hex[:8]}@example.org"
        order = shop.order(1500, 5, email=buyer)
        assert shop.pay(order).status_code == 200
        buyers.append(buyer)
        orders.append(order)
    deliveries: list[tuple[bytes, str]] = []
    for order in orders:
        intent = shop.intent(order)
        succeeded = event("payment_intent.succeeded", intent)
        # A stale failure of an earlier attempt arrives late, plus noise Stripe sends around a payment.
        failed = event("payment_intent.payment_failed", {**intent, "status": "requires_payment_method"})
        deliveries += [_signed(succeeded)] * 3 + [_signed(failed), _signed(event("charge.succeeded",
                                                                             {"id": "ch_x", "object": "charge"}))]
    rng.shuffle(deliveries)
    barrier = threading.Barrier(len(deliveries))
    errors: list[BaseException] = []

    def deliver(payload: bytes, sig: str) -> None:
        barrier.wait()
        try:
            webhook.handle_stripe_event(payload, sig)
        except BaseException as err:  # noqa: BLE001 - collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=deliver, args=d) for d in deliveries]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    for order, buyer in zip(orders, buyers, strict=True):
        status = shop.status(order)
        assert status["status"] == "paid"
        stored = _vouchers_of(order["order_id"])
        assert len(stored) == 5
        assert sorted(v.voucher_id for v in stored) == sorted(v["voucher_id"] for v in status["vouchers"])
        for v in stored:
            entries = list(LedgerEntry.query(v.voucher_id, consistent_read=True))
            assert [e.kind for e in entries] == ["issue"] and int(v.balance_cents) == 1500
        assert len(sent_emails(buyer)) == 1


def test_sequential_redelivery_over_http_is_harmless(shop: Shop) -> None:
    buyer = f"{uuid.uuid4().hex[:8]}@example.org"
    order = shop.order(2000, 2, email=buyer)
    assert shop.pay(order).status_code == 200
    succeeded = event("payment_intent.succeeded", shop.intent(order))
    answers = [shop.deliver(succeeded) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    # A late failure event never undoes the payment.
    assert shop.deliver(event("payment_intent.payment_failed", shop.intent(order))).status_code == 200
    assert shop.status(order)["status"] == "paid"
    assert len(_vouchers_of(order["order_id"])) == 2
    assert len(sent_emails(buyer)) == 1


def test_tampered_amount_is_not_issued(shop: Shop) -> None:
    order = shop.order(2000, 1)
    assert shop.pay(order).status_code == 200
    intent = {**shop.intent(order), "amount": 1}
    assert shop.deliver(event("payment_intent.succeeded", intent)).status_code == 200
    assert shop.status(order)["status"] == "pending"

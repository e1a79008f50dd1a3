"""Buying vouchers through the in-process app against a real localstripe: order, pay, webhook, status, e-mail."""

from __future__ import annotations

import json
import time
import uuid

from tests.conftest import ADMIN_TOKEN
from tests.payments.conftest import Shop, event, sent_emails, stripe_signature


def test_order_pay_webhook_issues_and_mails(shop: Shop) -> None:
    buyer = f"{uuid.uuid4().hex[:8]}@example.org"
    order = shop.order(2500, 2, email=buyer)
    assert order["total_cents"] == 5000
    assert order["payment"]["provider"] == "stripe"
    assert order["payment"]["publishable_key"].startswith("pk_test_")
    assert order["payment"]["client_secret"].startswith("pi_")
    intent = shop.intent(order)
    assert intent["amount"] == 5000 and intent["currency"] == "eur"
    assert intent["metadata"]["order_id"] == order["order_id"]
    assert shop.status(order) == {**shop.status(order), "status": "pending", "vouchers": []}

    assert shop.pay(order).status_code == 200
    r = shop.deliver(event("payment_intent.succeeded", shop.intent(order)))
    assert r.status_code == 200, r.body
    status = shop.status(order)
    assert status["status"] == "paid"
    assert len(status["vouchers"]) == 2
    for v in status["vouchers"]:
        assert v["balance_cents"] == 2500 and v["url"].endswith(v["token"]) and v["expires_at"]
    mails = sent_emails(buyer)
    assert len(mails) == 1
    mail = mails[0]
    html = next(p for p in mail.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    pngs = [p for p in mail.walk() if p.get_content_type() == "image/png"]
    assert len(pngs) == 2 and all(p["Content-ID"] for p in pngs)
    assert "Vielen Dank" in text and "Thank you" not in text  # one language: the shopper's
    assert f"Bestellnummer: {order['order_id']}" in text and order["order_id"] in mail["Subject"]
    for path in ("/widerruf", "/agb", "/datenschutz", "/impressum"):
        url = f"https://gutschein.billerbeck.de{path}"
        assert url in text and f'href="{url}"' in html
    for v in status["vouchers"]:
        assert v["url"] in text and v["url"] in html
    assert 'src="cid:qr1@marktplatz"' in html


def test_wrong_secret_and_unknown_order_are_404(shop: Shop) -> None:
    order = shop.order()
    for path in (f"/api/v1/orders/{order['order_id']}?secret=nope", f"/api/v1/orders/{order['order_id']}",
                 f"/api/v1/orders/ord_unknown?secret={order['order_secret']}"):
        body = shop.api.json("GET", path, expect=404)
        assert body["error"]["code"] == "not_found"
    ok = shop.api.json("GET", f"/api/v1/orders/{order['order_id']}", expect=200,
                       headers={"X-Order-Secret": order["order_secret"]})
    assert ok["status"] == "pending"


def test_order_validation(shop: Shop) -> None:
    for body, field in (({"amount_cents": 499, "quantity": 1, "email": "a@b.de"}, "amount_cents"),
                        ({"amount_cents": 25001, "quantity": 1, "email": "a@b.de"}, "amount_cents"),
                        ({"amount_cents": 1000, "quantity": 0, "email": "a@b.de"}, "quantity"),
                        ({"amount_cents": 1000, "quantity": 21, "email": "a@b.de"}, "quantity"),
                        ({"amount_cents": 1000, "quantity": 1, "email": "kein-mail"}, "email"),
                        ({"amount_cents": "10", "quantity": 1, "email": "a@b.de"}, "amount_cents"),
                        ({"amount_cents": 1000, "quantity": 1, "email": "a@b.de", "bonus_code": "NIX"},
                         "bonus_code")):
        answer = shop.api.json("POST", "/api/v1/orders", body, expect=400)
        assert answer["error"]["field"] == field, answer
    assert shop.api.call("POST", "/api/v1/orders", raw="{oops").status_code == 400


def test_declined_card_issues_nothing(shop: Shop) -> None:
    order = shop.order(1000, 3)
    declined = shop.pay(order, card="pm_card_chargeCustomerFail")
    assert declined.status_code == 402
    intent = shop.intent(order)
    assert intent["status"] == "requires_payment_method"
    r = shop.deliver(event("payment_intent.payment_failed", intent))
    assert r.status_code == 200
    status = shop.status(order)
    assert status["status"] == "failed" and status["vouchers"] == []
    # The same failure delivered again, and the reconcile job, change nothing.
    assert shop.deliver(event("payment_intent.payment_failed", intent)).status_code == 200
    assert shop.status(order) == status


def test_bad_or_missing_signature_changes_nothing(shop: Shop) -> None:
    order = shop.order(1000, 1)
    assert shop.pay(order).status_code == 200
    evt = event("payment_intent.succeeded", shop.intent(order))
    for kwargs in ({"secret": "whsec_wrong"}, {"signature": ""}, {"signature": "t=1,v1=deadbeef"},
                   {"signature": "garbage"}):
        r = shop.deliver(evt, **kwargs)
        assert r.status_code == 400, (kwargs, r.body)
    old = shop.api.client.http.post("/api/v1/stripe/webhook", headers={"Content-Type": "application/json"},
                                    body=b"{}")
    assert old.status_code == 400
    assert shop.status(order)["status"] == "pending"


def test_signed_events_dated_more_than_five_minutes_ahead_or_behind_are_refused(shop: Shop) -> None:
    order = shop.order(1000, 1)
    assert shop.pay(order).status_code == 200
    evt = event("payment_intent.succeeded", shop.intent(order))
    payload = json.dumps(evt, indent=2, sort_keys=True).encode()
    now = int(time.time())
    for offset in (+400, +3600 * 24 * 365, -400):
        r = shop.deliver(evt, signature=stripe_signature(payload, timestamp=now + offset))
        assert r.status_code == 400, (offset, r.body)
        assert shop.status(order)["status"] == "pending"
    # Within the window both ways (clocks drift a little): accepted.
    assert shop.deliver(evt, signature=stripe_signature(payload, timestamp=now + 120)).status_code == 200
    assert shop.status(order)["status"] == "paid"


def test_other_events_are_ignored(shop: Shop) -> None:
    r = shop.deliver(event("customer.created", {"id": "cus_x", "object": "customer"}))
    assert r.status_code == 200


def test_signed_but_malformed_events_are_400_not_500(shop: Shop) -> None:
    for obj in ("kaputt", {"id": "ch_1", "object": "charge", "payment_intent": "pi_x", "amount_refunded": "viel"}):
        r = shop.deliver(event("charge.refunded", obj))  # type: ignore[arg-type]
        assert r.status_code == 400 and json.loads(r.body)["error"]["code"] == "invalid_event", r.body


def test_redeem_a_bought_voucher(shop: Shop) -> None:
    order = shop.paid_order(3000, 1)
    voucher = shop.status(order)["vouchers"][0]
    key = shop.api.retailer()["api_key"]
    r = shop.api.redeem(key, voucher["token"], 1200)
    assert r.status_code == 201
    admin = shop.api.json("GET", f"/api/v1/vouchers/{voucher['voucher_id']}", token=ADMIN_TOKEN, expect=200)
    assert admin["paid_cents"] == 3000 and admin["order_id"] == order["order_id"]
    assert [e["kind"] for e in admin["ledger"]] == ["issue", "redemption"]


def test_orders_are_rate_limited_per_client(shop: Shop, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from chalicelib.core import settings

    monkeypatch.setenv("MARKTPLATZ_ORDERS_PER_MINUTE", "1")
    settings.reset()
    body = {"amount_cents": 1000, "quantity": 1, "email": "a@b.de"}
    statuses = [shop.api.call("POST", "/api/v1/orders", body).status_code for _ in range(2)]
    assert statuses[-1] == 429  # the first may have shared its minute with earlier tests' orders
    answer = shop.api.json("POST", "/api/v1/orders", body, expect=429)
    assert answer["error"]["code"] == "rate_limited"


def test_english_email_when_ordered_in_english(shop: Shop) -> None:
    buyer = f"{uuid.uuid4().hex[:8]}@example.org"
    shop.paid_order(1000, 1, email=buyer, lang="en")
    [mail] = sent_emails(buyer)
    assert mail["Subject"].strip().startswith("Your city vouchers") and mail["Content-Language"] == "en"
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "Thank you" in text and "Order number: ord_" in text and "Vielen Dank" not in text
    assert "https://gutschein.billerbeck.de/widerruf?lang=en" in text

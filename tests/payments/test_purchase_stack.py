"""The full purchase over HTTP against the real local stack: moto server, localstripe and `chalice local` as
processes. localstripe signs and delivers the webhook itself."""

from __future__ import annotations

import email
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.conftest import ADMIN_TOKEN
from tests.payments.conftest import SECRET_KEY, stripe_signature
from tests.support.qr import decode_png

pytestmark = [pytest.mark.stack, pytest.mark.xdist_group("stack")]


def _mails_to(stack: Any, buyer: str) -> list[email.message.Message]:
    data = requests.get(f"{stack.aws_url}/moto-api/data.json", timeout=10).json()
    raw = data.get("ses", {}).get("RawMessage", [])
    return [email.message_from_string(m["raw_data"]) for m in raw if any(buyer in d for d in m["destinations"])]


def _wait(predicate: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError("timed out")


def test_buy_pay_webhook_mail_redeem(stack: Any) -> None:
    base, stripe_url = stack.app_url, stack.stripe_url
    assert stripe_url and stripe_url.startswith("http://127.0.0.1:")
    buyer = f"kunde-{uuid.uuid4().hex[:8]}@example.org"
    r = requests.post(f"{base}/api/v1/orders", json={"amount_cents": 2000, "quantity": 2, "email": buyer},
                      timeout=20)
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["payment"]["js_url"] == f"{stripe_url}/js.stripe.com/v3/"
    status_url = f"{base}/api/v1/orders/{order['order_id']}"
    secret = {"secret": order["order_secret"]}
    assert requests.get(status_url, params=secret, timeout=10).json()["status"] == "pending"

    # What stripe.js does in the browser: attach the test card and confirm, at localstripe.
    pi = order["payment"]["client_secret"].split("_secret_")[0]
    auth = {"Authorization": f"Bearer {SECRET_KEY}"}
    assert requests.post(f"{stripe_url}/v1/payment_intents/{pi}", data={"payment_method": "pm_card_visa"},
                         headers=auth, timeout=10).status_code == 200
    confirmed = requests.post(f"{stripe_url}/v1/payment_intents/{pi}/confirm", headers=auth, timeout=10)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "succeeded"

    # localstripe signs and delivers payment_intent.succeeded to the app; the shop polls the order.
    paid = _wait(lambda: (s := requests.get(status_url, params=secret, timeout=10).json())["status"] == "paid"
                 and s)
    assert len(paid["vouchers"]) == 2
    assert all(v["balance_cents"] == 2000 for v in paid["vouchers"])

    [mail] = _wait(lambda: _mails_to(stack, buyer))
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "Stadtgutschein" in text
    pngs = [p.get_payload(decode=True) for p in mail.walk() if p.get_content_type() == "image/png"]
    assert len(pngs) == 2
    urls = {v["url"] for v in paid["vouchers"]}
    assert urls <= set(text.split())
    scanned = {decode_png(png)[0] for png in pngs}
    assert scanned == {u.upper() for u in urls}

    # Stripe may deliver the same event again, concurrently: nothing new happens.
    events = requests.get(f"{stripe_url}/v1/events", params={"type": "payment_intent.succeeded", "limit": 100},
                          headers=auth, timeout=10).json()["data"]
    ours = next(e for e in events if e["data"]["object"]["id"] == pi)
    payload = json.dumps(ours).encode()

    def redeliver(_: int) -> int:
        return requests.post(f"{base}/api/v1/stripe/webhook", data=payload, timeout=30,
                             headers={"Content-Type": "application/json", "Stripe-Signature":
                                      stripe_signature(payload)}).status_code

    with ThreadPoolExecutor(3) as pool:
        assert list(pool.map(redeliver, range(3))) == [200, 200, 200]
    again = requests.get(status_url, params=secret, timeout=10).json()
    assert again["vouchers"] == paid["vouchers"]
    assert len(_mails_to(stack, buyer)) == 1

    # A shop redeems one of the bought vouchers.
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    shop = requests.post(f"{base}/api/v1/retailers", json={"name": "Bäckerei", "address": "Markt 5",
                                                           "email": "b@example.org", "zone": "markt"},
                         headers=admin, timeout=10).json()
    token = paid["vouchers"][0]["token"]
    redeemed = requests.post(f"{base}/api/v1/redemptions", json={"token": token, "amount_cents": 750},
                             headers={"Authorization": f"Bearer {shop['api_key']}",
                                      "Idempotency-Key": uuid.uuid4().hex}, timeout=10)
    assert redeemed.status_code == 201 and redeemed.json()["balance_cents"] == 1250
    after = requests.get(status_url, params=secret, timeout=10).json()
    assert sorted(v["balance_cents"] for v in after["vouchers"]) == [1250, 2000]


def test_bad_signature_over_http_is_400(stack: Any) -> None:
    payload = json.dumps({"type": "payment_intent.succeeded", "data": {"object": {}}}).encode()
    r = requests.post(f"{stack.app_url}/api/v1/stripe/webhook", data=payload, timeout=10,
                      headers={"Content-Type": "application/json",
                               "Stripe-Signature": stripe_signature(payload, "whsec_someone_else")})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_signature"

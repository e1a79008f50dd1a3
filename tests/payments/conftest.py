"""Payments fixtures: localstripe as a real server process, Stripe-signed webhook deliveries, moto's SES outbox."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import Api

ROOT = Path(__file__).resolve().parents[2]
# Every in-process request comes from the same "client": lift the per-client order limit (one test lowers it).
os.environ["MARKTPLATZ_ORDERS_PER_MINUTE"] = "100000"
SECRET_KEY = "sk_test_marktplatz_local"
WEBHOOK_SECRET = "whsec_marktplatz_local"


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    from devstack.run import free_port, wait_http

    port = free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="marktplatz-localstripe-"))
    proc = subprocess.Popen([sys.executable, "-m", "devstack.stripe_server", "--port", str(port), "--data-dir",
                             str(data_dir)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/js.stripe.com/v3/", proc=proc)
        os.environ["MARKTPLATZ_STRIPE_API_BASE"] = url
        yield url
    finally:
        os.environ.pop("MARKTPLATZ_STRIPE_API_BASE", None)
        proc.terminate()
        proc.wait(timeout=10)


def stripe_signature(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """What Stripe sends: t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<payload>")."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def event(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"evt_{uuid.uuid4().hex[:14]}", "object": "event", "type": kind, "created": int(time.time()),
            "data": {"object": obj}}


class Shop:
    """A buyer and Stripe around the in-process app: orders over HTTP, payments at a real localstripe."""

    def __init__(self, api: Api, stripe_url: str) -> None:
        self.api = api
        self.stripe_url = stripe_url
        self.auth = {"Authorization": f"Bearer {SECRET_KEY}"}

    def order(self, amount: int = 2500, quantity: int = 2, email: str = "kunde@example.org",
              expect: int = 201, **extra: Any) -> dict[str, Any]:
        body = {"amount_cents": amount, "quantity": quantity, "email": email, **extra}
        return self.api.json("POST", "/api/v1/orders", body, expect=expect)

    def status(self, order: dict[str, Any]) -> dict[str, Any]:
        return self.api.json("GET", f"/api/v1/orders/{order['order_id']}?secret={order['order_secret']}",
                             expect=200)

    def intent_id(self, order: dict[str, Any]) -> str:
        return order["payment"]["client_secret"].split("_secret_")[0]

    def pay(self, order: dict[str, Any], card: str = "pm_card_visa") -> requests.Response:
        """What stripe.js does in the browser: attach the card and confirm, at localstripe."""
        pi = self.intent_id(order)
        r = requests.post(f"{self.stripe_url}/v1/payment_intents/{pi}", data={"payment_method": card},
                          headers=self.auth, timeout=10)
        assert r.status_code == 200, r.text
        return requests.post(f"{self.stripe_url}/v1/payment_intents/{pi}/confirm", headers=self.auth, timeout=10)

    def intent(self, order: dict[str, Any]) -> dict[str, Any]:
        r = requests.get(f"{self.stripe_url}/v1/payment_intents/{self.intent_id(order)}", headers=self.auth,
                         timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def deliver(self, evt: dict[str, Any], secret: str = WEBHOOK_SECRET, signature: str | None = None) -> Any:
        payload = json.dumps(evt, indent=2, sort_keys=True).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        sig = signature if signature is not None else stripe_signature(payload, secret)
        if sig:
            headers["Stripe-Signature"] = sig
        return self.api.client.http.post("/api/v1/stripe/webhook", headers=headers, body=payload)

    def paid_order(self, amount: int = 2500, quantity: int = 2, **extra: Any) -> dict[str, Any]:
        order = self.order(amount, quantity, **extra)
        assert self.pay(order).status_code == 200
        r = self.deliver(event("payment_intent.succeeded", self.intent(order)))
        assert r.status_code == 200, r.body
        return order

    def charge_event(self, order: dict[str, Any], kind: str, **fields: Any) -> dict[str, Any]:
        intent = self.intent(order)
        charge = intent["latest_charge"]
        charge = dict(charge) if isinstance(charge, dict) else {"id": charge}
        charge.update({"object": "charge", "payment_intent": intent["id"], "amount": intent["amount"], **fields})
        if kind == "charge.dispute.created":
            return event(kind, {"id": f"dp_{uuid.uuid4().hex[:14]}", "object": "dispute", "charge": charge["id"],
                                "payment_intent": intent["id"], "amount": intent["amount"],
                                "reason": "fraudulent", "status": "needs_response"})
        return event(kind, charge)

    def dispute_closed(self, order: dict[str, Any], status: str, amount: int) -> dict[str, Any]:
        intent = self.intent(order)
        charge = intent["latest_charge"]
        return event("charge.dispute.closed", {
            "id": f"dp_{uuid.uuid4().hex[:14]}", "object": "dispute", "payment_intent": intent["id"],
            "charge": charge if isinstance(charge, str) else charge["id"], "amount": amount, "status": status,
            "reason": "fraudulent"})


@pytest.fixture
def shop(api: Api, localstripe: str) -> Shop:
    return Shop(api, localstripe)


def sent_emails(to: str | None = None) -> list[Any]:
    """Messages moto's SES accepted (the moto server runs in this process for in-process tests)."""
    import email
    import email.policy

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    messages = ses_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"].sent_messages
    parsed = [email.message_from_string(m.raw_data, policy=email.policy.default) for m in messages
              if hasattr(m, "raw_data")]
    return [m for m in parsed if to is None or m["To"] == to]

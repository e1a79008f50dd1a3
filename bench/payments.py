"""Payments benchmarks: DynamoDB requests to issue one paid order of 5 vouchers (target: one transaction), and the
webhook's handling time in-process versus calling the same issuing (`fulfil_order`) directly (target ratio >= 0.8).

Runs against the in-process moto server (with its lock) and a real localstripe process on loopback.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import local_aws

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "sk_test_marktplatz_local"


def _start_localstripe() -> tuple[subprocess.Popen, str]:
    from devstack.run import free_port, wait_http

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "devstack.stripe_server", "--port", str(port), "--data-dir",
                             tempfile.mkdtemp(prefix="marktplatz-bench-stripe-")], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/js.stripe.com/v3/", proc=proc)
    return proc, url


def _paid_orders(stripe_url: str, n: int, quantity: int = 5) -> list[tuple[str, dict[str, Any]]]:
    """n orders placed through the app's service and paid at localstripe; returns (order id, PaymentIntent)."""
    import requests

    from chalicelib.payments.orders import place_order

    auth = {"Authorization": f"Bearer {SECRET_KEY}"}
    paid = []
    for i in range(n):
        placed = place_order(amount_cents=2000, quantity=quantity, email=f"bench{i}@example.org")
        pi = placed.client_secret.split("_secret_")[0]
        requests.post(f"{stripe_url}/v1/payment_intents/{pi}", data={"payment_method": "pm_card_visa"},
                      headers=auth, timeout=10).raise_for_status()
        requests.post(f"{stripe_url}/v1/payment_intents/{pi}/confirm", headers=auth, timeout=10).raise_for_status()
        intent = requests.get(f"{stripe_url}/v1/payment_intents/{pi}", headers=auth, timeout=10).json()
        paid.append((placed.order.order_id, intent))
    return paid


def _signed(intent: dict[str, Any]) -> tuple[bytes, str]:
    from tests.payments.conftest import event, stripe_signature

    payload = json.dumps(event("payment_intent.succeeded", intent)).encode()
    return payload, stripe_signature(payload)


def dynamodb_requests_per_paid_order(stripe_url: str) -> dict[str, Any]:
    from chalicelib.payments.fulfil import fulfil_order
    from devstack.ddb_calls import count_dynamodb_calls

    [(order_id, intent)] = _paid_orders(stripe_url, 1)
    with count_dynamodb_calls() as calls:
        order = fulfil_order(order_id, intent)
    ops = dict(calls.by_operation())
    [(order_id2, intent2)] = _paid_orders(stripe_url, 1)
    fulfil_order(order_id2, intent2)
    with count_dynamodb_calls() as repeat:  # a duplicate delivery of the same event
        fulfil_order(order_id2, intent2)
    return {
        "vouchers": len(order.voucher_ids or []),
        "transactions": ops.get("TransactWriteItems", 0),
        "requests_total": len(calls),
        "by_operation": ops,
        "note": "GetItem = read the order; TransactWriteItems = vouchers + ledger + order status; "
                "UpdateItem = mark the e-mail delivered",
        "duplicate_delivery_requests": len(repeat),
        "duplicate_delivery_by_operation": dict(repeat.by_operation()),
    }


def webhook_vs_direct(stripe_url: str, n: int = 12, with_email: bool = True) -> dict[str, Any]:
    from chalice.test import Client

    from app import app
    from chalicelib.payments import delivery
    from chalicelib.payments.fulfil import fulfil_order

    orders = _paid_orders(stripe_url, 2 * n + 2)
    webhook_times, direct_times = [], []
    real_send = delivery.send_vouchers
    if not with_email:  # isolates the webhook's own cost against the issuing transaction
        delivery.send_vouchers = lambda order, vouchers: "skipped"  # type: ignore[assignment]
    with Client(app, stage_name="local") as client:
        def via_webhook(intent: dict[str, Any]) -> None:
            payload, sig = _signed(intent)
            start = time.perf_counter()
            r = client.http.post("/api/v1/stripe/webhook", body=payload,
                                 headers={"Content-Type": "application/json", "Stripe-Signature": sig})
            webhook_times.append(time.perf_counter() - start)
            assert r.status_code == 200, r.body

        def direct(order_id: str, intent: dict[str, Any]) -> None:
            start = time.perf_counter()
            fulfil_order(order_id, intent)
            direct_times.append(time.perf_counter() - start)

        via_webhook(orders[0][1])  # warm-up: imports (stripe, qrcode) and connections
        direct(*orders[1])
        webhook_times.clear()
        direct_times.clear()
        try:
            for i in range(n):  # interleaved, so that drift in the stand-ins hits both alike
                via_webhook(orders[2 + 2 * i][1])
                direct(*orders[3 + 2 * i])
        finally:
            delivery.send_vouchers = real_send  # type: ignore[assignment]
    w, d = statistics.median(webhook_times), statistics.median(direct_times)
    return {
        "orders_each": n,
        "vouchers_per_order": 5,
        "webhook_ms_median": round(w * 1000, 2),
        "direct_fulfil_ms_median": round(d * 1000, 2),
        "ratio_direct_over_webhook": round(d / w, 3),
        "includes_email": with_email,
        "note": "both include issuing (1 transaction)" + (" and the SES e-mail with 5 QR PNGs" if with_email else "")
                + "; the webhook adds signature check, JSON parsing and Chalice routing",
    }


def run() -> dict[str, Any]:
    local_aws()
    proc, url = _start_localstripe()
    os.environ["MARKTPLATZ_STRIPE_API_BASE"] = url
    os.environ["MARKTPLATZ_ORDERS_PER_MINUTE"] = "100000"
    from chalicelib.core import settings

    settings.reset()
    try:
        return {"issue_one_paid_order_of_5": dynamodb_requests_per_paid_order(url),
                "webhook_vs_direct_issuing": webhook_vs_direct(url),
                "webhook_vs_direct_issuing_without_email": webhook_vs_direct(url, n=20, with_email=False)}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))

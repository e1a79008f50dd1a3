"""What we send to Stripe: the same code for localstripe and real Stripe, extras only where real Stripe needs them.
Also: nothing about Stripe happens at import time."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from chalicelib.core import settings
from chalicelib.payments import config, stripe_gateway


def test_local_intent_parameters_avoid_what_localstripe_rejects() -> None:
    params = stripe_gateway.payment_intent_params(order_id="ord_x", total_cents=5000, email="a@b.de", quantity=2,
                                                  real_stripe=False)
    assert params == {"amount": 5000, "currency": "eur", "metadata": {"order_id": "ord_x", "quantity": "2"},
                      "payment_method_types": ["card"]}


def test_real_stripe_gets_automatic_payment_methods() -> None:
    params = stripe_gateway.payment_intent_params(order_id="ord_x", total_cents=5000, email="a@b.de", quantity=2,
                                                  real_stripe=True)
    assert params["automatic_payment_methods"] == {"enabled": True}
    assert "payment_method_types" not in params  # Stripe refuses both together
    assert params["receipt_email"] == "a@b.de" and params["metadata"]["order_id"] == "ord_x"
    assert stripe_gateway.list_params(since_epoch=1_800_000_000, starting_after=None, real_stripe=True)["created"] \
        == {"gte": 1_800_000_000}
    assert "created" not in stripe_gateway.list_params(since_epoch=1, starting_after="pi_1", real_stripe=False)


class RecordingHttpClient:
    """Stands in for the network under the official library, to see the exact request it would send."""

    name = "recording"

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def request_with_retries(self, method: str, url: str, headers: dict[str, str], post_data: Any = None,
                             *args: Any, **kwargs: Any) -> tuple[bytes, int, dict[str, str]]:
        self.requests.append({"method": method, "url": url, "headers": headers, "body": post_data})
        body = {"id": "pi_test_123", "object": "payment_intent", "client_secret": "pi_test_123_secret_abc"}
        return json.dumps(body).encode(), 200, {"request-id": "req_1"}

    def close(self) -> None:
        pass


def test_real_stripe_request_as_sent_by_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    import stripe

    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_real")
    monkeypatch.setenv("STRIPE_PUBLISHABLE_KEY", "pk_test_real")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_real")
    monkeypatch.setenv("MARKTPLATZ_STRIPE_API_BASE", "http://127.0.0.1:9")  # ignored once real keys are set
    settings.reset()
    keys = config.stripe_keys()
    assert keys.is_real_stripe and keys.secret_key == "sk_test_real"
    recorder = RecordingHttpClient()
    real_client = stripe.StripeClient("sk_test_real", http_client=recorder)  # type: ignore[arg-type]
    monkeypatch.setattr(stripe_gateway, "client", lambda: real_client)
    intent = stripe_gateway.create_payment_intent(order_id="ord_abc", total_cents=2500, email="k@example.org",
                                                  quantity=1)
    assert intent.payment_intent_id == "pi_test_123"
    [sent] = recorder.requests
    assert sent["url"] == "https://api.stripe.com/v1/payment_intents"
    assert sent["headers"]["Idempotency-Key"] == "order-ord_abc"
    body = sent["body"].decode() if isinstance(sent["body"], bytes) else sent["body"]
    assert "automatic_payment_methods[enabled]=true" in body
    assert "amount=2500" in body and "currency=eur" in body and "metadata[order_id]=ord_abc" in body
    assert stripe_gateway.js_url() == "https://js.stripe.com/v3/"
    assert stripe_gateway.publishable_key() == "pk_test_real"


def test_importing_the_app_touches_no_stripe() -> None:
    code = "import sys, app; assert 'stripe' not in sys.modules, 'stripe imported at import time'; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"

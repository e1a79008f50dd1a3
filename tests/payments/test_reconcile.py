"""No paid order lost: the scheduled job issues what a lost webhook left undone; a failed e-mail heals on retry."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.payments import delivery
from tests.payments.conftest import Shop, event, sent_emails


def _run_job(shop: Shop) -> dict:
    """The scheduled function itself, as Lambda runs it (the access test attributes its calls to its role)."""
    client = shop.api.client
    return client.lambda_.invoke("reconcile_payments", client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])).payload


def test_scheduled_job_issues_a_paid_order_whose_webhook_was_lost(shop: Shop) -> None:
    buyer = f"{uuid.uuid4().hex[:8]}@example.org"
    order = shop.order(1200, 3, email=buyer)
    assert shop.pay(order).status_code == 200
    assert shop.status(order)["status"] == "pending"  # the webhook never came
    client = shop.api.client
    answer = client.lambda_.invoke("reconcile_payments", client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
    assert answer.payload["errors"] == 0 and answer.payload["issued"] >= 1
    status = shop.status(order)
    assert status["status"] == "paid" and len(status["vouchers"]) == 3
    assert len(sent_emails(buyer)) == 1
    # The webhook arriving late, and the job running again, change nothing.
    assert shop.deliver(event("payment_intent.succeeded", shop.intent(order))).status_code == 200
    _run_job(shop)
    assert shop.status(order) == status
    assert len(sent_emails(buyer)) == 1


def test_crash_after_issuing_heals_on_webhook_retry(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    buyer = f"{uuid.uuid4().hex[:8]}@example.org"
    order = shop.order(1000, 2, email=buyer)
    assert shop.pay(order).status_code == 200
    evt = event("payment_intent.succeeded", shop.intent(order))

    def broken(*_args, **_kwargs):
        raise ConnectionError("SES is down")

    with monkeypatch.context() as m:
        m.setattr(delivery, "send_vouchers", broken)
        first = shop.deliver(evt)
    assert first.status_code == 503  # Stripe will retry
    assert shop.status(order)["status"] == "paid"
    assert sent_emails(buyer) == []
    retry = shop.deliver(evt)
    assert retry.status_code == 200
    assert len(sent_emails(buyer)) == 1
    assert len(shop.status(order)["vouchers"]) == 2

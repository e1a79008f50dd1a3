"""The safety net behind the webhook: no paid order is lost. Run by the scheduled job in app.py.

It lists recent succeeded PaymentIntents at Stripe and runs the same `fulfil_order` the webhook runs (issuing is
exactly once, so racing the webhook is harmless; a paid but undelivered order gets its e-mail), then retries the
Stripe refunds of withdrawals that Stripe did not accept at the time, and expires orders nobody paid
(payments/unpaid.py: their PaymentIntents are cancelled).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from chalicelib.core import clock
from chalicelib.core.errors import DomainError
from chalicelib.payments import config, fulfil, refunds, stripe_gateway, unpaid

log = logging.getLogger("marktplatz.payments")


def reconcile() -> dict[str, Any]:
    since = int((clock.now() - timedelta(hours=config.reconcile_lookback_hours())).timestamp())
    report = {"checked": 0, "issued": 0, "unknown_orders": 0, "errors": 0, "refunds_retried": 0,
              "orders_expired": 0}
    for intent in stripe_gateway.succeeded_payment_intents(since):
        report["checked"] += 1
        order_id = intent["metadata"]["order_id"]
        try:
            before = fulfil.get_order(order_id).status
            after = fulfil.fulfil_order(order_id, intent).status
        except DomainError as err:
            if err.code == "not_found":  # e.g. another deployment's intent on the same Stripe account
                report["unknown_orders"] += 1
                continue
            log.exception("reconciling order %s failed", order_id)
            report["errors"] += 1
            continue
        except Exception:
            log.exception("reconciling order %s failed", order_id)
            report["errors"] += 1
            continue
        if before != after:
            report["issued"] += 1
            log.warning("order %s was paid but not issued (lost webhook?); issued now", order_id)
    report["refunds_retried"] = refunds.retry_due_refunds()
    report["orders_expired"] = unpaid.expire_unpaid_orders()
    return report

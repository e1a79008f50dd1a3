"""handle_stripe_event: what each signed Stripe event does. Every handler is idempotent and safe in any order."""

from __future__ import annotations

import logging
from typing import Any

from chalicelib.core.errors import DomainError
from chalicelib.payments import fulfil, refunds, stripe_gateway

log = logging.getLogger("marktplatz.payments")


def handle_stripe_event(payload: bytes, signature_header: str | None) -> dict[str, Any]:
    """Verify, then act. Bad or missing signature: 400 and nothing changes."""
    try:
        event = stripe_gateway.verify_event(payload, signature_header)
    except stripe_gateway.BadSignature:
        raise DomainError("invalid_signature", "The Stripe-Signature header does not match this payload.") from None
    try:
        return dispatch(event)
    except (AttributeError, TypeError, ValueError, KeyError):
        # Signed by Stripe yet not shaped like an event: refuse it cleanly, nothing was changed.
        log.exception("malformed Stripe event %s", event.get("id"))
        raise DomainError("invalid_event", "This event could not be read.") from None


def _payment_intent_id(obj: dict[str, Any]) -> str | None:
    """Charges and disputes name their PaymentIntent (expanded or not); older disputes only their charge."""
    value = obj.get("payment_intent")
    if isinstance(value, dict):
        value = value.get("id")
    if value:
        return str(value)
    charge = obj.get("charge")
    charge_id = charge.get("id") if isinstance(charge, dict) else charge
    if obj.get("object") == "dispute" and charge_id:
        return stripe_gateway.payment_intent_of_charge(str(charge_id))
    return None


def dispatch(event: dict[str, Any]) -> dict[str, Any]:
    kind = str(event.get("type") or "")
    obj = ((event.get("data") or {}).get("object")) or {}
    if not isinstance(obj, dict):
        raise TypeError("event data.object is not an object")
    answer: dict[str, Any] = {"received": True, "type": kind}
    if kind == "payment_intent.succeeded":
        order_id = (obj.get("metadata") or {}).get("order_id")
        if order_id:
            try:
                order = fulfil.fulfil_order(order_id, obj)
            except fulfil.PaymentMismatch as err:
                log.error("%s", err)  # not ours to fix by retrying; logged for the city's staff
                answer["ignored"] = "payment_mismatch"
                return answer
            except Exception as err:
                if getattr(err, "code", None) == "not_found":
                    answer["ignored"] = "unknown_order"
                    return answer
                raise
            answer["order_status"] = order.status
    elif kind == "payment_intent.payment_failed":
        order_id = (obj.get("metadata") or {}).get("order_id")
        if order_id:
            answer["changed"] = fulfil.mark_failed(order_id)
    elif kind == "charge.refunded":
        intent_id = _payment_intent_id(obj)
        if intent_id:
            order = refunds.apply_refund(intent_id, int(obj.get("amount_refunded") or 0))
            answer["order_status"] = order.status if order else None
    elif kind == "charge.dispute.created":
        intent_id = _payment_intent_id(obj)
        if intent_id:
            order = refunds.apply_dispute(intent_id)
            answer["order_status"] = order.status if order else None
    elif kind == "charge.dispute.closed":
        intent_id = _payment_intent_id(obj)
        if intent_id:
            outcome = "lost" if obj.get("status") == "lost" else "won"  # won, or an inquiry closed (warning_closed)
            order = refunds.close_dispute(intent_id, outcome, int(obj.get("amount") or 0))
            answer["order_status"] = order.status if order else None
    elif kind == "refund.failed":
        intent_id = _payment_intent_id(obj)
        if intent_id:
            order = refunds.refund_failed(intent_id, str(obj["id"]), int(obj.get("amount") or 0),
                                          str(obj.get("failure_reason") or "unknown"))
            answer["order_status"] = order.status if order else None
    else:
        answer["ignored"] = "event_type"
    return answer

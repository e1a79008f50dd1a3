"""The only module that speaks to Stripe (or to localstripe, which answers the same API on loopback).

`stripe` is imported inside functions: no Stripe code runs, and nothing is fetched, when the app is imported.
localstripe speaks a subset of the API; parameters only real Stripe accepts are added only for real Stripe.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import cache
from typing import Any, NamedTuple

from chalicelib.core.json_input import read_json
from chalicelib.payments import config

TOLERANCE_SECONDS = 300  # a signed event's timestamp may be at most 5 minutes old, or 5 minutes ahead
MAX_EVENT_BYTES = 1024 * 1024
MAX_EVENT_DEPTH = 32


class StripeUnavailable(Exception):
    """Stripe (or localstripe) did not answer or refused the call."""


class BadSignature(Exception):
    """The webhook's Stripe-Signature is missing, wrong, too old or dated in the future."""


class PaymentIntent(NamedTuple):
    payment_intent_id: str
    client_secret: str


def payment_intent_params(*, order_id: str, total_cents: int, email: str, quantity: int,
                          real_stripe: bool) -> dict[str, Any]:
    """What we send to create a PaymentIntent. Pure, so the difference between the two servers is tested directly."""
    params: dict[str, Any] = {
        "amount": total_cents,
        "currency": "eur",
        "metadata": {"order_id": order_id, "quantity": str(quantity)},
    }
    if real_stripe:
        # The Payment Element needs automatic payment methods; localstripe rejects the parameter (and the extras).
        params["automatic_payment_methods"] = {"enabled": True}
        params["description"] = f"Stadtgutschein, Bestellung {order_id}"
        params["receipt_email"] = email
    else:
        params["payment_method_types"] = ["card"]
    return params


def list_params(*, since_epoch: int, starting_after: str | None, real_stripe: bool) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": 100}
    if starting_after:
        params["starting_after"] = starting_after
    if real_stripe:
        params["created"] = {"gte": since_epoch}  # localstripe lists everything and refuses this filter
    return params


@cache
def _client(secret_key: str, api_base: str | None) -> Any:
    import stripe

    base = {"api": api_base} if api_base else None
    return stripe.StripeClient(secret_key, base_addresses=base, max_network_retries=2)  # type: ignore[arg-type]


def client() -> Any:
    keys = config.stripe_keys()
    if not keys.secret_key:
        raise StripeUnavailable("Stripe is not configured (STRIPE_SECRET_KEY or the 'stripe' secret).")
    return _client(keys.secret_key, keys.api_base)


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    import stripe

    try:
        return fn(*args, **kwargs)
    except stripe.StripeError as err:
        raise StripeUnavailable(str(err.user_message or err)) from err


def create_payment_intent(*, order_id: str, total_cents: int, email: str, quantity: int) -> PaymentIntent:
    keys = config.stripe_keys()
    params = payment_intent_params(order_id=order_id, total_cents=total_cents, email=email, quantity=quantity,
                                   real_stripe=keys.is_real_stripe)
    intent = _call(client().v1.payment_intents.create, params=params,
                   options={"idempotency_key": f"order-{order_id}"})
    return PaymentIntent(intent["id"], intent["client_secret"])


def retrieve_payment_intent(payment_intent_id: str) -> dict[str, Any]:
    return _plain(_call(client().v1.payment_intents.retrieve, payment_intent_id))


def payment_intent_of_charge(charge_id: str) -> str | None:
    charge = _plain(_call(client().v1.charges.retrieve, charge_id))
    value = charge.get("payment_intent")
    return value.get("id") if isinstance(value, dict) else value


def succeeded_payment_intents(since_epoch: int) -> Iterator[dict[str, Any]]:
    """Succeeded PaymentIntents created since `since_epoch` that belong to one of our orders."""
    keys = config.stripe_keys()
    after = None
    while True:
        page = _plain(_call(client().v1.payment_intents.list,
                            params=list_params(since_epoch=since_epoch, starting_after=after,
                                               real_stripe=keys.is_real_stripe)))
        items = page["data"]
        for intent in items:
            if (intent.get("status") == "succeeded" and (intent.get("metadata") or {}).get("order_id")
                    and int(intent.get("created") or 0) >= since_epoch):
                yield intent
        if not page.get("has_more") or not items:
            return
        after = items[-1]["id"]


def refund(payment_intent_id: str, amount_cents: int, idempotency_key: str) -> str:
    created = _call(client().v1.refunds.create,
                    params={"payment_intent": payment_intent_id, "amount": amount_cents},
                    options={"idempotency_key": idempotency_key})
    return str(created["id"])


def cancel_payment_intent(payment_intent_id: str) -> dict[str, Any]:
    """Cancel an unpaid PaymentIntent; the intent as it is afterwards. A paid (or already cancelled) intent cannot
    be cancelled: then the intent as it is, so the caller sees why."""
    import stripe

    try:
        return _plain(client().v1.payment_intents.cancel(payment_intent_id))
    except stripe.InvalidRequestError:
        return retrieve_payment_intent(payment_intent_id)
    except stripe.StripeError as err:
        raise StripeUnavailable(str(err.user_message or err)) from err


def publishable_key() -> str:
    return config.stripe_keys().publishable_key


def js_url() -> str:
    keys = config.stripe_keys()
    # localstripe serves a stand-in for stripe.js that confirms against itself.
    return f"{keys.api_base}/js.stripe.com/v3/" if keys.api_base else "https://js.stripe.com/v3/"


def verify_event(payload: bytes, signature_header: str | None) -> dict[str, Any]:
    """The event, if Stripe signed exactly these bytes (t=..., v1=HMAC-SHA256 over "t.payload") recently enough."""
    import stripe

    secret = config.stripe_keys().webhook_secret
    if not signature_header or not secret:
        raise BadSignature()
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(text, signature_header, secret, tolerance=TOLERANCE_SECONDS)
        _not_from_the_future(signature_header)
        event = read_json(payload, max_bytes=MAX_EVENT_BYTES, max_depth=MAX_EVENT_DEPTH)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError):
        raise BadSignature() from None
    if not isinstance(event, dict):
        raise BadSignature()
    return event


def _not_from_the_future(signature_header: str) -> None:
    """stripe-python refuses only old timestamps; a signed event dated ahead of our clock is refused alike, so a
    leaked signature cannot be stockpiled for later replay."""
    stamps = [part[2:] for part in signature_header.split(",") if part.strip().startswith("t=")]
    if not stamps or not stamps[0].strip().isdigit():
        raise BadSignature()
    # The same clock stripe-python checks the past against, so both bounds move together.
    if int(stamps[0]) > time.time() + TOLERANCE_SECONDS:
        raise BadSignature()


def _plain(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict) and not hasattr(obj, "to_dict"):
        return obj
    return obj.to_dict()  # StripeObject -> plain dicts all the way down

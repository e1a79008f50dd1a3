"""Local mode only: the shop's Payment Element against localstripe, served entirely by the app.

localstripe ships a stand-in for stripe.js, but it knows only the old Card Element and cannot confirm a
PaymentIntent from the browser (its confirm refuses `payment_method`, and attaching one needs a secret key).
So, in local mode, the app
  - serves localstripe's own stripe.js (fetched from the localstripe process) plus a small Payment Element
    stand-in (static/js/stripe-local.js) offering the same calls the shop makes on real Stripe:
    `Stripe(pk).elements({clientSecret}).create('payment').mount(...)` and `stripe.confirmPayment(...)`;
  - answers `POST /stripe-local/confirm` by doing at localstripe what Stripe does when stripe.js confirms:
    create the card PaymentMethod, attach it to the PaymentIntent named by the client secret, confirm it.
Nothing leaves the machine; with real Stripe keys none of this is reachable (404) and the page loads js.stripe.com.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from chalicelib.core import settings
from chalicelib.core.errors import DomainError, not_found

# localstripe accepts any key of this shape; it is not a secret (real Stripe is never addressed by this module).
LOCALSTRIPE_KEY = "sk_test_marktplatz_local"
CLIENT_SECRET_RE = re.compile(r"^(pi_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$")


def api_base() -> str:
    s = settings.get()
    base = s.stripe_api_base
    if not s.is_local or not base or s.stripe_secret_key_env:
        raise not_found()
    return base.rstrip("/")


def enabled() -> bool:
    try:
        api_base()
    except DomainError:
        return False
    return True


def _request(method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, Any]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(f"{api_base()}{path}", data=data, method=method,
                                     headers={"Authorization": f"Bearer {LOCALSTRIPE_KEY}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        try:
            return err.code, json.loads(err.read() or b"null")
        except ValueError:
            return err.code, None
    except (urllib.error.URLError, TimeoutError):
        raise DomainError("payment_unavailable", "The payment service does not answer.") from None


def stripe_js() -> str:
    """localstripe's stripe.js, told to talk to this app's origin instead of localstripe's port."""
    request = urllib.request.Request(f"{api_base()}/js.stripe.com/v3/")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            source = response.read().decode("utf-8")
    except (urllib.error.URLError, TimeoutError):
        raise DomainError("payment_unavailable", "The payment service does not answer.") from None
    return re.sub(r"const LOCALSTRIPE_BASE_API = \(function \(\) \{.*?\}\)\(\);",
                  "const LOCALSTRIPE_BASE_API = window.location.origin + '/stripe-local';", source, count=1,
                  flags=re.S)


def _card(body: dict[str, Any]) -> dict[str, str]:
    card = body.get("card")
    if not isinstance(card, dict):
        raise DomainError("invalid_request", "'card' is required.", field="card")
    number = re.sub(r"\D", "", str(card.get("number", "")))
    cvc = re.sub(r"\D", "", str(card.get("cvc", "")))
    try:
        month, year = int(card.get("exp_month", 0)), int(card.get("exp_year", 0))
    except (TypeError, ValueError):
        month, year = 0, 0
    if year < 100:
        year += 2000
    if len(number) != 16 or len(cvc) != 3 or not 1 <= month <= 12 or year < 2000:
        raise DomainError("incomplete_card", "The card details are incomplete.", field="card")
    return {"type": "card", "card[number]": number, "card[exp_month]": str(month), "card[exp_year]": str(year),
            "card[cvc]": cvc}


def confirm_with_card(body: dict[str, Any]) -> dict[str, Any]:
    """What stripe.js and Stripe do on confirmPayment, against localstripe. Answers like stripe.js resolves."""
    match = CLIENT_SECRET_RE.match(str(body.get("client_secret", "")))
    if not match:
        raise DomainError("invalid_request", "'client_secret' is not a PaymentIntent client secret.")
    intent_id = match.group(1)
    status, intent = _request("GET", f"/v1/payment_intents/{intent_id}")
    if status != 200 or not isinstance(intent, dict) or intent.get("client_secret") != body["client_secret"]:
        raise not_found("No such payment.")
    if intent.get("status") == "succeeded":
        return {"paymentIntent": _public(intent)}
    status, method = _request("POST", "/v1/payment_methods", _card(body))
    if status != 200:
        return {"error": _error(method)}
    status, intent = _request("POST", f"/v1/payment_intents/{intent_id}", {"payment_method": method["id"]})
    if status != 200:
        return {"error": _error(intent)}
    status, intent = _request("POST", f"/v1/payment_intents/{intent_id}/confirm", {})
    if status != 200:
        return {"error": _error(intent)}
    if intent.get("status") == "requires_action":  # 3-D Secure test cards: localstripe's own modal follows
        return {"requiresAction": True, "paymentIntent": _public(intent)}
    if intent.get("status") != "succeeded":
        return {"error": _error({"error": intent.get("last_payment_error") or {}}), "paymentIntent": _public(intent)}
    return {"paymentIntent": _public(intent)}


def _public(intent: dict[str, Any]) -> dict[str, Any]:
    return {"id": intent.get("id"), "status": intent.get("status"), "amount": intent.get("amount"),
            "currency": intent.get("currency")}


def _error(answer: Any) -> dict[str, str]:
    err = (answer or {}).get("error") or {} if isinstance(answer, dict) else {}
    return {"type": "card_error", "code": str(err.get("code") or "card_declined"),
            "message": str(err.get("message") or "The card was declined.")}


def authenticate(intent_id: str, raw_body: bytes, success: bool) -> tuple[int, Any]:
    """localstripe's 3-D Secure step, which its stripe.js calls with the client secret."""
    api_base()
    try:
        client_secret = str(json.loads(raw_body or b"{}").get("client_secret", ""))
    except (ValueError, AttributeError):
        client_secret = ""
    match = CLIENT_SECRET_RE.match(client_secret)
    if not match or match.group(1) != intent_id:
        raise DomainError("invalid_request", "'client_secret' does not belong to this payment.")
    return _request("POST", f"/v1/payment_intents/{intent_id}/_authenticate",
                    {"client_secret": client_secret, "success": "true" if success else "false"})

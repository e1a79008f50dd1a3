"""Local stack only, never in the Lambda bundle: the shop's Payment Element against localstripe.

localstripe ships a stand-in for stripe.js, but it knows only the old Card Element and cannot confirm a
PaymentIntent from the browser (its confirm refuses `payment_method`, and attaching one needs a secret key).
So, in local mode, the app
  - serves localstripe's own stripe.js (fetched from the localstripe process) plus a small Payment Element
    stand-in (devstack/static/stripe-local.js) offering the same calls the shop makes on real Stripe:
    `Stripe(pk).elements({clientSecret}).create('payment').mount(...)` and `stripe.confirmPayment(...)`;
  - answers `POST /stripe-local/confirm` by doing at localstripe what Stripe does when stripe.js confirms:
    create the card PaymentMethod, attach it to the PaymentIntent named by the client secret, confirm it.
Nothing leaves the machine; with real Stripe keys none of this is reachable (404) and the page loads js.stripe.com.
`register(app)` adds the routes: `devstack.app_server` calls it for `make run` and the stack tests, the web tests
call it in-process; `app.py`, and so the Lambda, never has them (tests/infra/test_bundle.py).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from chalice import Blueprint, Chalice, Response

from chalicelib.core import public_routes, settings
from chalicelib.core.errors import DomainError, not_found
from chalicelib.core.http import json_body, json_response
from chalicelib.core.json_input import read_json

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
    if status != 200:  # localstripe answers a card it cannot take with a bare 400
        return {"error": _error(method, "invalid_number" if status == 400 else "card_declined")}
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


def _error(answer: Any, default_code: str = "card_declined") -> dict[str, str]:
    """A stripe.js-shaped error; the shop shows its own words for the code, never this English message."""
    err = (answer or {}).get("error") or {} if isinstance(answer, dict) else {}
    answer = {"type": "card_error", "code": str(err.get("code") or default_code),
              "message": str(err.get("message") or "The card was declined.")}
    if err.get("decline_code"):
        answer["decline_code"] = str(err["decline_code"])
    return answer


def _authenticate(intent_id: str, raw_body: bytes, success: bool) -> tuple[int, Any]:
    """localstripe's 3-D Secure step, which its stripe.js calls with the client secret."""
    api_base()
    try:
        client_secret = str(read_json(raw_body or b"{}").get("client_secret", ""))
    except (ValueError, AttributeError):
        client_secret = ""
    match = CLIENT_SECRET_RE.match(client_secret)
    if not match or match.group(1) != intent_id:
        raise DomainError("invalid_request", "'client_secret' does not belong to this payment.")
    return _request("POST", f"/v1/payment_intents/{intent_id}/_authenticate",
                    {"client_secret": client_secret, "success": "true" if success else "false"})


ELEMENTS_JS = Path(__file__).resolve().parent / "static" / "stripe-local.js"
bp = Blueprint(__name__)


@bp.route("/stripe-local/v3.js", methods=["GET"])
def local_stripe_js():
    """Local stack only: localstripe's stand-in for stripe.js, served by the app (404 with real Stripe)."""
    return Response(body=stripe_js(), headers={"Content-Type": "text/javascript; charset=utf-8",
                                               "Cache-Control": "no-cache"})


@bp.route("/stripe-local/elements.js", methods=["GET"])
def local_stripe_elements_js():
    """Local stack only: the Payment Element stand-in on top of localstripe's stripe.js (404 with real Stripe)."""
    api_base()
    return Response(body=ELEMENTS_JS.read_text(encoding="utf-8"),
                    headers={"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache"})


@bp.route("/stripe-local/confirm", methods=["POST"])
def local_stripe_confirm():
    """Local stack only: confirm a PaymentIntent with a test card at localstripe, as stripe.js would."""
    api_base()
    return json_response(confirm_with_card(json_body(bp.current_request)), headers={"Cache-Control": "no-store"})


# localstripe's stripe.js posts its JSON without a Content-Type header, so the browser labels it text/plain.
@bp.route("/stripe-local/v1/payment_intents/{intent_id}/_authenticate", methods=["POST"],
          content_types=["application/json", "text/plain"])
def local_stripe_authenticate(intent_id: str):
    """Local stack only: localstripe's 3-D Secure test step, passed through (404 otherwise)."""
    request = bp.current_request
    status, answer = _authenticate(intent_id, request.raw_body or b"",
                                   (request.query_params or {}).get("success") == "true")
    return json_response(answer, status, headers={"Cache-Control": "no-store"})


def register(app: Chalice) -> None:
    """Add the bridge to `app` (once); its routes are public like the shop page that calls them."""
    if "/stripe-local/v3.js" in app.routes:
        return
    app.register_blueprint(bp)
    for path, methods in app.routes.items():
        if path.startswith("/stripe-local/"):
            for method in methods:
                public_routes.add(method, path)

"""HTTP plumbing shared by every blueprint: JSON in and out, and the error middleware."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable
from typing import Any

from chalice import BadRequestError, ChaliceViewError, NotFoundError, Response

from chalicelib.core.dates import DateInputError
from chalicelib.core.errors import STORE_RETRY_AFTER_SECONDS, DomainError, store_unavailable
from chalicelib.core.json_input import MAX_BYTES, JsonInputError, read_json

log = logging.getLogger("marktplatz")

JSON_HEADERS = {"Content-Type": "application/json"}
NO_STORE = {"Cache-Control": "no-store"}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    merged = dict(JSON_HEADERS)
    merged.update(headers or {})
    return Response(body=json.dumps(body, ensure_ascii=False, separators=(",", ":")), status_code=status,
                    headers=merged)


# The one place a domain error becomes an HTTP status. Every code a service raises is listed (a test checks).
ERROR_STATUS: dict[str, int] = {
    # 400: the request itself is wrong
    **dict.fromkeys(("bad_request", "invalid_json", "invalid_request", "invalid_amount", "invalid_token",
                     "invalid_signature", "invalid_event", "invalid_cursor", "invalid_range", "invalid_bonus_code",
                     "idempotency_key_required", "incomplete_card", "too_many_records", "too_many_rows",
                     "unknown_format", "too_deep", "level_needs_http", "invalid_iban", "iban_not_sepa",
                     "weak_password", "wrong_key", "wrong_password"), 400),
    **dict.fromkeys(("unauthorized", "invalid_credentials"), 401),
    **dict.fromkeys(("forbidden", "csrf_failed"), 403),
    "not_found": 404,
    # 409: the request is fine but the state of things refuses it now
    **dict.fromkeys(("busy", "conflict", "insufficient_balance", "key_state", "order_not_paid", "refund_not_failed",
                     "retailer_disabled",
                     "reversal_window_closed", "voucher_blocked", "voucher_expired", "voucher_not_blocked",
                     "voucher_disputed", "voucher_refunded", "voucher_replaced", "voucher_spent",
                     "withdrawal_period_over", "zone_exists", "month_closed", "month_not_over", "month_open",
                     "nothing_to_pay", "sepa_not_configured", "staff_exists"), 409),
    **dict.fromkeys(("idempotency_key_reused", "several_locations", "unknown_zone", "missing_iban"), 422),
    "too_large": 413,
    **dict.fromkeys(("rate_limited", "signin_throttled"), 429),
    # 503: try again later (Stripe retries a webhook answered so)
    **dict.fromkeys(("order_busy", "delivery_failed", "payment_unavailable", "store_unavailable"), 503),
}


def status_of(err: DomainError) -> int:
    return ERROR_STATUS.get(err.code, 400)


def error_response(err: DomainError) -> Response:
    status = status_of(err)
    headers = {"Retry-After": "60"} if status == 429 else None
    if err.code == "store_unavailable":
        headers = {"Retry-After": str(STORE_RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    return json_response(err.body(), status, headers)


def _plain_error(code: str, message: str, status: int) -> Response:
    return json_response({"error": {"code": code, "message": message}}, status)


def json_value(request: Any, *, max_bytes: int = MAX_BYTES) -> Any:
    """The request's JSON value (any type), read with the size and depth limits; `invalid_json`, `too_deep` or
    `too_large` otherwise."""
    try:
        return read_json(request.raw_body, max_bytes=max_bytes)
    except JsonInputError as err:
        raise DomainError(err.code, err.message) from None


def json_body(request: Any) -> dict[str, Any]:
    """The request's JSON object, or a clean error. Every JSON route reads its body through here."""
    body = json_value(request)
    if not isinstance(body, dict):
        raise DomainError("invalid_json", "The request body must be a JSON object.")
    return body


IDEMPOTENCY_KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")


def idempotency_key(request: Any, *, required: bool) -> str | None:
    """The request's Idempotency-Key (1-200 visible ASCII characters); None when optional and absent."""
    key = request.headers.get("idempotency-key")
    if key is None and not required:
        return None
    if not key or not IDEMPOTENCY_KEY_RE.match(key):
        raise DomainError("idempotency_key_required",
                          "Send a unique Idempotency-Key header (1-200 visible characters) with this request.")
    return key


def error_middleware(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Maps domain errors to `{"error": {...}}`, and never lets a stack trace or a bare 500 page out."""
    try:
        response = get_response(event)
    except DomainError as err:
        return error_response(err)
    except JsonInputError as err:  # a body read without json_value still answers like one read with it
        return error_response(DomainError(err.code, err.message))
    except DateInputError as err:
        return error_response(DomainError("invalid_request", f"Invalid date: {err}."))
    except NotFoundError as err:
        return _plain_error("not_found", str(err) or "Not found.", 404)
    except BadRequestError as err:
        return _plain_error("bad_request", str(err) or "Bad request.", 400)
    except ChaliceViewError as err:
        return _plain_error("error", str(err), getattr(err, "STATUS_CODE", 500))
    except Exception:
        log.exception("unhandled error")
        return json_response({"error": {"code": "internal", "message": "Internal error; nothing was changed "
                                        "that a retry with the same Idempotency-Key would repeat."}}, 500)
    return _uniform(response)


def answer_store_outages() -> None:
    """A store that did not answer in time becomes `503 store_unavailable` instead of a 500.

    Chalice turns any other exception a view raises into its own 500 before middleware sees it; the hook it calls
    for that runs inside the `except`, so the error at hand can still be recognised and raised as an AppError.
    """
    from chalice.app import RestAPIEventHandler

    original = RestAPIEventHandler._unhandled_exception_to_response
    if getattr(original, "answers_store_outages", False):
        return

    def unhandled(self: Any) -> Response:
        from chalicelib.store.availability import unavailable

        err = sys.exc_info()[1]
        if err is not None and unavailable(err):
            log.warning("store unavailable: %s", type(err).__name__)
            raise store_unavailable() from err
        return original(self)

    unhandled.answers_store_outages = True  # type: ignore[attr-defined]
    RestAPIEventHandler._unhandled_exception_to_response = unhandled  # type: ignore[method-assign]


_CHALICE_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                  413: "too_large", 415: "unsupported_media_type", 500: "internal"}


def _uniform(response: Response) -> Response:
    """Chalice answers its own errors as {"Code", "Message"}; give clients one error shape everywhere."""
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = _CHALICE_CODES.get(response.status_code, "error")
        message = "Internal error." if response.status_code >= 500 else str(body["Message"])
        return json_response({"error": {"code": code, "message": message}}, response.status_code,
                             {k: v for k, v in response.headers.items() if k.lower() != "content-type"})
    return response


def query_param(request: Any, name: str, default: str | None = None) -> str | None:
    params = request.query_params or {}
    return params.get(name, default)


def header(request: Any, name: str) -> str | None:
    # Chalice headers are case-insensitive already; keep one helper so routes read them the same way.
    return request.headers.get(name)


def client_address(request: Any) -> str:
    ctx = request.context or {}
    return ((ctx.get("identity") or {}).get("sourceIp")) or "unknown"

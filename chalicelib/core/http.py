"""HTTP plumbing shared by every blueprint: JSON in and out, and the error middleware."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from typing import Any

from chalice import BadRequestError, ChaliceViewError, NotFoundError, Response

from chalicelib.core.errors import STORE_RETRY_AFTER_SECONDS, AppError, bad_request, store_unavailable

log = logging.getLogger("marktplatz")

JSON_HEADERS = {"Content-Type": "application/json"}
NO_STORE = {"Cache-Control": "no-store"}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    merged = dict(JSON_HEADERS)
    merged.update(headers or {})
    return Response(body=json.dumps(body, ensure_ascii=False, separators=(",", ":")), status_code=status,
                    headers=merged)


def error_response(err: AppError) -> Response:
    headers = {"Retry-After": "60"} if err.status == 429 else None
    if err.status == 503:
        headers = {"Retry-After": str(STORE_RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    return json_response(err.body(), err.status, headers)


def json_body(request: Any) -> dict[str, Any]:
    """The request's JSON object, or a clean 400."""
    raw = request.raw_body
    if not raw:
        raise bad_request("invalid_json", "The request body must be a JSON object.")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise bad_request("invalid_json", "The request body must be a JSON object.")
    return body


def error_middleware(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Maps domain errors to `{"error": {...}}`, and never lets a stack trace or a bare 500 page out."""
    try:
        response = get_response(event)
    except AppError as err:
        return error_response(err)
    except NotFoundError as err:
        return error_response(AppError("not_found", str(err) or "Not found.", 404))
    except BadRequestError as err:
        return error_response(AppError("bad_request", str(err) or "Bad request.", 400))
    except ChaliceViewError as err:
        return error_response(AppError("error", str(err), getattr(err, "STATUS_CODE", 500)))
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

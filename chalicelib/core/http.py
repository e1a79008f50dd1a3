"""HTTP plumbing shared by every blueprint: JSON in and out, and the error middleware."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from chalice import BadRequestError, ChaliceViewError, NotFoundError, Response

from chalicelib.core.dates import DateInputError
from chalicelib.core.errors import AppError, bad_request
from chalicelib.core.json_input import MAX_BYTES, JsonInputError, read_json

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
    return json_response(err.body(), err.status, headers)


def json_value(request: Any, *, max_bytes: int = MAX_BYTES) -> Any:
    """The request's JSON value (any type), read with the size and depth limits; a clean 400/413 otherwise."""
    try:
        return read_json(request.raw_body, max_bytes=max_bytes)
    except JsonInputError as err:
        raise _json_error(err) from None


def json_body(request: Any) -> dict[str, Any]:
    """The request's JSON object, or a clean 400. Every JSON route reads its body through here."""
    body = json_value(request)
    if not isinstance(body, dict):
        raise bad_request("invalid_json", "The request body must be a JSON object.")
    return body


def _json_error(err: JsonInputError) -> AppError:
    return AppError(err.code, err.message, 413 if err.code == "too_large" else 400)


def error_middleware(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Maps domain errors to `{"error": {...}}`, and never lets a stack trace or a bare 500 page out."""
    try:
        response = get_response(event)
    except AppError as err:
        return error_response(err)
    except JsonInputError as err:  # a body read without json_value still answers like one read with it
        return error_response(_json_error(err))
    except DateInputError as err:
        return error_response(bad_request("invalid_request", f"Invalid date: {err}."))
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

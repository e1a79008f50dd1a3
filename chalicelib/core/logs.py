"""Structured JSON logs (Powertools Logger) with the request id on every line, for every kind of event.

`request_logging` is a Chalice middleware registered for all events in app.py. Powertools is imported on the first
event, not at import (cold import stays lean). Privacy: we log route patterns (`/v/{token}`), never actual paths,
bodies, query strings, headers or client addresses; domain code logs ids, never MAC/IP addresses or e-mails.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any

SERVICE = "marktplatz"

_logger: Any = None


def logger() -> Any:
    """The service logger; `logging.getLogger("marktplatz.<anything>")` lines go through it too."""
    global _logger
    if _logger is None:
        from aws_lambda_powertools import Logger

        _logger = Logger(service=SERVICE, log_uncaught_exceptions=False)
    return _logger


def _request_ids(event: Any) -> dict[str, str]:
    ids: dict[str, str] = {}
    lambda_context = getattr(event, "lambda_context", None)
    if lambda_context is None and not isinstance(getattr(event, "context", None), dict):
        lambda_context = getattr(event, "context", None)
    aws_request_id = getattr(lambda_context, "aws_request_id", None)
    if aws_request_id:
        ids["lambda_request_id"] = str(aws_request_id)
    api_context = getattr(event, "context", None)
    if isinstance(api_context, dict) and api_context.get("requestId"):
        ids["request_id"] = str(api_context["requestId"])
    else:
        # local runs: still one id a request (os.urandom, not uuid: uuid imports `platform` at cold start)
        ids["request_id"] = ids.get("lambda_request_id") or os.urandom(16).hex()
    return ids


def request_logging(event: Any, get_response: Callable[[Any], Any]) -> Any:
    log = logger()
    ids = _request_ids(event)
    log.append_keys(**ids)
    started = time.perf_counter()
    try:
        response = get_response(event)
        status = getattr(response, "status_code", None)
        if status is not None:  # HTTP: one access line (route pattern, no path/IP/body)
            route = getattr(event, "path", None)
            method = getattr(event, "method", None)
            level = logging.ERROR if status >= 500 else logging.INFO
            log.log(level, "request", extra={"route": route, "method": method, "status": status,
                                             "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
        return response
    finally:
        log.remove_keys(list(ids))

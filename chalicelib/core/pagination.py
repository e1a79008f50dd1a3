"""Opaque page cursors for DynamoDB queries, signed so that only a key we handed out comes back.

A cursor is `<payload>.<mac>`: the base64url JSON of DynamoDB's LastEvaluatedKey and an HMAC-SHA256 over the
query it belongs to and that payload. A forged, altered or truncated cursor, or one taken from another query (another
retailer's history, another day), is a 400 before anything reaches DynamoDB.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from chalicelib.core import settings
from chalicelib.core.errors import DomainError

MAX_CURSOR_CHARS = 1024
MAC_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(query: str, payload: str) -> bytes:
    message = f"{query}\n{payload}".encode()
    return hmac.new(settings.cursor_key(), message, hashlib.sha256).digest()[:MAC_BYTES]


def encode_cursor(last_key: dict[str, Any] | None, query: str) -> str | None:
    """The cursor for the page after `last_key` of the query named `query` (e.g. "redemptions|<retailer>|<day>")."""
    if not last_key:
        return None
    payload = _b64(json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_b64(_mac(query, payload))}"


def decode_cursor(cursor: str | None, query: str) -> dict[str, Any] | None:
    """The start key a cursor of `query` stands for; a 400 `invalid_cursor` for anything we did not sign."""
    if not cursor:
        return None
    payload, dot, mac = cursor.partition(".")
    try:
        if len(cursor) > MAX_CURSOR_CHARS or not dot or not hmac.compare_digest(_unb64(mac), _mac(query, payload)):
            raise ValueError(cursor)
        data = json.loads(_unb64(payload))
    except (ValueError, UnicodeDecodeError):
        raise DomainError("invalid_cursor", "The cursor is not valid for this query; start again without it.",
                          field="cursor") from None
    return data


def limit_param(value: str | None, default: int = 50, maximum: int = 200) -> int:
    if value is None:
        return default
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        raise DomainError("invalid_request", f"'limit' must be between 1 and {maximum}.", field="limit")
    return int(value)

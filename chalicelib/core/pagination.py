"""Opaque cursors for DynamoDB pagination."""

from __future__ import annotations

import base64
import json
from typing import Any

from chalicelib.core.errors import DomainError


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise DomainError("invalid_cursor", "The cursor is not valid.") from None
    if not isinstance(data, dict):
        raise DomainError("invalid_cursor", "The cursor is not valid.")
    return data


def limit_param(value: str | None, default: int = 50, maximum: int = 200) -> int:
    if value is None:
        return default
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        raise DomainError("invalid_request", f"'limit' must be between 1 and {maximum}.", field="limit")
    return int(value)

"""RFC 8908 Captive Portal API answers."""

from __future__ import annotations

from typing import Any

CONTENT_TYPE = "application/captive+json"
HEADERS = {"Content-Type": CONTENT_TYPE, "Cache-Control": "private"}


def status_body(*, captive: bool, portal_url: str, seconds_remaining: int | None = None,
                can_extend: bool | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"captive": captive, "user-portal-url": portal_url}
    if not captive:
        if seconds_remaining is not None:
            body["seconds-remaining"] = max(0, int(seconds_remaining))
        if can_extend is not None:
            body["can-extend-session"] = can_extend
    return body

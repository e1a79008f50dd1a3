"""One user-safe domain error: its code is stable (clients switch on it) and its message can be shown as is.

Services raise `DomainError(code, message, **details)` and know nothing of HTTP; the edge (`core/http.py`,
`ERROR_STATUS`) decides each code's status. Add a new code there when you add one here.
"""

from __future__ import annotations

from typing import Any

from chalice import ChaliceUnhandledError


class DomainError(ChaliceUnhandledError):
    """Derives from ChaliceUnhandledError only so that Chalice hands it to our error middleware unchanged."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        error.update(self.details)
        return {"error": error}


def unauthorized(message: str = "Missing or invalid credentials.") -> DomainError:
    return DomainError("unauthorized", message)


def forbidden(message: str = "This credential may not do that.") -> DomainError:
    return DomainError("forbidden", message)


def not_found(message: str = "Not found.") -> DomainError:
    return DomainError("not_found", message)


def rate_limited(message: str = "Too many requests; try again in a minute.") -> DomainError:
    return DomainError("rate_limited", message)


STORE_RETRY_AFTER_SECONDS = 5


def store_unavailable() -> DomainError:
    """The store did not answer in time (settings' bounded waiting); whatever did happen is kept, once."""
    return DomainError("store_unavailable", "The voucher store did not answer in time. Please retry in a few "
                       "seconds with the same Idempotency-Key: a redemption that went through is then reported, "
                       "never made twice.")

"""One user-safe error type: its code is stable (clients switch on it) and its message can be shown as is."""

from __future__ import annotations

from typing import Any

from chalice import ChaliceUnhandledError


class AppError(ChaliceUnhandledError):
    """Derives from ChaliceUnhandledError only so that Chalice hands it to our error middleware unchanged."""

    status = 400

    def __init__(self, code: str, message: str, status: int | None = None, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status
        self.details = details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        error.update(self.details)
        return {"error": error}


def bad_request(code: str, message: str, **details: Any) -> AppError:
    return AppError(code, message, 400, **details)


def unauthorized(message: str = "Missing or invalid credentials.") -> AppError:
    return AppError("unauthorized", message, 401)


def forbidden(message: str = "This credential may not do that.") -> AppError:
    return AppError("forbidden", message, 403)


def not_found(message: str = "Not found.") -> AppError:
    return AppError("not_found", message, 404)


def conflict(code: str, message: str, **details: Any) -> AppError:
    return AppError(code, message, 409, **details)


def unprocessable(code: str, message: str, **details: Any) -> AppError:
    return AppError(code, message, 422, **details)


def too_many_requests(message: str = "Too many requests; try again in a minute.") -> AppError:
    return AppError("rate_limited", message, 429)


STORE_RETRY_AFTER_SECONDS = 5


def store_unavailable() -> AppError:
    return AppError("store_unavailable", "The voucher store did not answer in time. Please retry in a few seconds "
                    "with the same Idempotency-Key: a redemption that went through is then reported, never made "
                    "twice.", 503)

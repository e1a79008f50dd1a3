"""Small, explicit validators that raise a clean `invalid_request` error naming the field."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from chalicelib.core import dates
from chalicelib.core.errors import DomainError

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[A-Za-z]{2,}$")


def integer(body: dict[str, Any], name: str, *, minimum: int | None = None, maximum: int | None = None,
            required: bool = True, default: int | None = None) -> int | None:
    value = body.get(name, default)
    if value is None:
        if required:
            raise DomainError("invalid_request", f"'{name}' is required.", field=name)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("invalid_request", f"'{name}' must be a whole number.", field=name)
    if minimum is not None and value < minimum:
        raise DomainError("invalid_request", f"'{name}' must be at least {minimum}.", field=name)
    if maximum is not None and value > maximum:
        raise DomainError("invalid_request", f"'{name}' must be at most {maximum}.", field=name)
    return value


def text(body: dict[str, Any], name: str, *, required: bool = True, max_length: int = 200,
         default: str | None = None) -> str | None:
    value = body.get(name, default)
    if value is None or (isinstance(value, str) and not value.strip() and required):
        if required:
            raise DomainError("invalid_request", f"'{name}' is required.", field=name)
        return None
    if not isinstance(value, str):
        raise DomainError("invalid_request", f"'{name}' must be a string.", field=name)
    value = value.strip()
    if len(value) > max_length:
        raise DomainError("invalid_request", f"'{name}' must be at most {max_length} characters.", field=name)
    return value


def email(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = text(body, name, required=required, max_length=254)
    if value is not None and not EMAIL_RE.match(value):
        raise DomainError("invalid_request", f"'{name}' is not a valid e-mail address.", field=name)
    return value


def timestamp(body: dict[str, Any], name: str, *, required: bool = True) -> datetime | None:
    value = text(body, name, required=required, max_length=40)
    if value is None:
        return None
    return parse_timestamp(value, name)


def parse_timestamp(value: str, name: str) -> datetime:
    try:
        parsed = dates.parse_instant(value)
    except dates.DateInputError:
        raise DomainError("invalid_request", f"'{name}' must be an ISO 8601 timestamp between {dates.MIN_YEAR} "
                          f"and {dates.MAX_YEAR}.", field=name) from None
    if parsed.tzinfo is None:
        raise DomainError("invalid_request", f"'{name}' needs a UTC offset, e.g. 2026-12-31T23:59:59+01:00.",
                          field=name)
    return parsed


def day_param(value: str, name: str = "date") -> date:
    """A `?date=YYYY-MM-DD` (or body field) as a calendar day, or a 400 naming the field."""
    try:
        return dates.parse_day(value)
    except dates.DateInputError as err:
        raise DomainError("invalid_request", f"'{name}' must be a date as YYYY-MM-DD ({err}).", field=name) from None


def month_param(value: str, name: str = "month") -> tuple[int, int]:
    """A `?month=YYYY-MM` as (year, month), or a 400 naming the field."""
    try:
        return dates.parse_month(value)
    except dates.DateInputError as err:
        raise DomainError("invalid_request", f"'{name}' must be YYYY-MM ({err}).", field=name) from None


def choice(body: dict[str, Any], name: str, options: tuple[str, ...], *, required: bool = True,
           default: str | None = None) -> str | None:
    value = body.get(name, default)
    if value is None and not required:
        return None
    if value not in options:
        raise DomainError("invalid_request", f"'{name}' must be one of: {', '.join(options)}.", field=name)
    return value

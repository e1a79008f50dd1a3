"""WLAN settings, read through core.settings (the one place that reads the environment)."""

from __future__ import annotations

from chalicelib.core import settings


def _int(name: str, default: int) -> int:
    raw = settings.get().env(name)
    return int(raw) if raw and raw.isdigit() else default


def arrivals_per_minute() -> int:
    return _int("MARKTPLATZ_WLAN_ARRIVALS_PER_MINUTE", 600)


def grants_per_minute() -> int:
    return _int("MARKTPLATZ_WLAN_GRANTS_PER_MINUTE", 300)


def pending_seconds() -> int:
    """How long a queued grant waits for authmon's poll before it expires."""
    return _int("MARKTPLATZ_WLAN_PENDING_SECONDS", 300)


def ticket_seconds() -> int:
    """How long a splash page's accept button stays valid."""
    return _int("MARKTPLATZ_WLAN_TICKET_SECONDS", 900)


def events_url() -> str | None:
    """The town's events calendar, linked from the "you are online" page (optional)."""
    url = settings.get().env("MARKTPLATZ_WLAN_EVENTS_URL")
    return url if url and url.startswith(("https://", "http://")) else None


SESSION_TTL_MAX_SECONDS = 7 * 24 * 3600
ENDED_GRANT_KEEP_SECONDS = 24 * 3600

"""Cisco Meraki click-through (EXCAP): read the splash query, build the grant redirect for allowed hosts only."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urlencode, urlsplit

MAX_URL_CHARS = 2048


class MerakiError(ValueError):
    """Missing, malformed or foreign parameters."""


class MerakiArrival(NamedTuple):
    base_grant_url: str
    user_continue_url: str
    client_mac: str
    node_mac: str


def host_allowed(url: str, grant_hosts: list[str]) -> bool:
    """https only; the host must equal a configured host or match a `*.suffix` entry."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    if parts.scheme != "https" or not host or parts.username or parts.password:
        return False
    for allowed in grant_hosts:
        allowed = allowed.lower()
        if allowed.startswith("*.") and host.endswith(allowed[1:]) and host != allowed[2:]:
            return True
        if host == allowed:
            return True
    return False


def _web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def parse_arrival(params: dict[str, str], grant_hosts: list[str]) -> MerakiArrival:
    base = params.get("base_grant_url", "")
    if not base or len(base) > MAX_URL_CHARS or not host_allowed(base, grant_hosts):
        raise MerakiError("base_grant_url")
    cont = params.get("user_continue_url", "")
    if len(cont) > MAX_URL_CHARS or (cont and not _web_url(cont)):
        cont = ""
    mac = params.get("client_mac", "")
    if len(mac) > 64:
        raise MerakiError("client_mac")
    return MerakiArrival(base, cont, mac, params.get("node_mac", "")[:64])


def grant_url(base_grant_url: str, continue_url: str, duration_seconds: int, grant_hosts: list[str]) -> str:
    if not host_allowed(base_grant_url, grant_hosts):
        raise MerakiError("base_grant_url")
    joiner = "&" if "?" in base_grant_url else "?"
    return base_grant_url + joiner + urlencode({"continue_url": continue_url, "duration": duration_seconds})

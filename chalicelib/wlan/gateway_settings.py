"""A gateway's settings as typed values, and the admin API's JSON read into them (`parse_new`, `parse_change`).

The services in gateways.py take these types, never a request body; the parsers raise `invalid_request` naming
the field, so admin routes stay one line each.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from chalicelib.core.errors import DomainError
from chalicelib.core.validate import choice, integer, text
from chalicelib.wlan.models import MERAKI, OPENNDS

ZONE_RE = re.compile(r"^[^\x00-\x1f\x7f]{1,64}$")  # the same zone names as retailers and sensors use
FASKEY_RE = re.compile(r"^[\x21-\x7e]{8,64}$")
HOST_RE = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
WIFI4EU_RE = re.compile(r"^[A-Za-z0-9-]{1,64}$")
UNCHANGED: Any = object()  # a field an update leaves alone (None would mean "clear it")

_LIMITS = {"session_minutes": (1, 10080, 60), "upload_kbps": (0, 10_000_000, 0),
           "download_kbps": (0, 10_000_000, 0), "upload_quota_kb": (0, 1_000_000_000, 0),
           "download_quota_kb": (0, 1_000_000_000, 0)}


class Limits(NamedTuple):
    session_minutes: int = 60
    upload_kbps: int = 0
    download_kbps: int = 0
    upload_quota_kb: int = 0
    download_quota_kb: int = 0


class OpenNdsSettings(NamedTuple):
    """None: unchanged (on update). `gatewayname` as the router sends it, URL-encoded."""

    security_level: int | None = None
    faskey: str | None = None
    gatewayname: str | None = None


class MerakiSettings(NamedTuple):
    grant_hosts: tuple[str, ...]


class NewGateway(NamedTuple):
    name: str
    vendor: str
    zone: str
    limits: Limits = Limits()
    wifi4eu_network_id: str | None = None
    opennds: OpenNdsSettings | None = None
    meraki: MerakiSettings | None = None


class GatewayChange(NamedTuple):
    """Only what an update names; `limits` maps each changed limit to its new value."""

    name: str | None = None
    zone: str | None = None
    limits: dict[str, int] = {}  # noqa: RUF012 - never mutated; NamedTuple defaults are shared
    wifi4eu_network_id: Any = UNCHANGED
    opennds: OpenNdsSettings | None = None
    meraki: MerakiSettings | None = None


def parse_new(body: dict[str, Any]) -> NewGateway:
    name = text(body, "name", max_length=100) or ""
    vendor = choice(body, "vendor", (OPENNDS, MERAKI))
    limits = Limits(**{attr: integer(body, attr, minimum=lo, maximum=hi, default=default)
                       for attr, (lo, hi, default) in _LIMITS.items()})
    return NewGateway(name, str(vendor), _zone(body), limits, _wifi4eu(body) or None,
                      opennds=_opennds(body["opennds"] if "opennds" in body else None, new=True)
                      if vendor == OPENNDS else None,
                      meraki=_meraki(body.get("meraki")) if vendor == MERAKI else None)


def parse_change(body: dict[str, Any]) -> GatewayChange:
    limits = {attr: integer(body, attr, minimum=lo, maximum=hi) for attr, (lo, hi, _) in _LIMITS.items()
              if body.get(attr) is not None}
    return GatewayChange(
        name=text(body, "name", max_length=100) if "name" in body else None,
        zone=_zone(body) if body.get("zone") is not None else None,
        limits=limits,  # type: ignore[arg-type]
        wifi4eu_network_id=_wifi4eu(body) if "wifi4eu_network_id" in body else UNCHANGED,
        opennds=_opennds(body["opennds"], new=False) if body.get("opennds") is not None else None,
        meraki=_meraki(body["meraki"]) if body.get("meraki") is not None else None)


def _zone(body: dict[str, Any]) -> str:
    zone = text(body, "zone", max_length=64)
    if not zone or not ZONE_RE.match(zone):
        raise DomainError("invalid_request", "'zone' must be 1-64 printable characters.", field="zone")
    return zone


def _opennds(section: Any, *, new: bool) -> OpenNdsSettings:
    if not isinstance(section, dict):
        raise DomainError("invalid_request", "'opennds' must be an object.", field="opennds")
    level = faskey = gatewayname = None
    if "security_level" in section or new:
        level = section.get("security_level")
        if isinstance(level, bool) or level not in (1, 2, 3, 4):
            raise DomainError("invalid_request", "'opennds.security_level' must be 1, 2, 3 or 4.",
                              field="opennds.security_level")
    if "faskey" in section or new:
        faskey = section.get("faskey")
        if not isinstance(faskey, str) or not FASKEY_RE.match(faskey):
            raise DomainError("invalid_request", "'opennds.faskey' must be 8-64 visible characters, no spaces.",
                              field="opennds.faskey")
    if section.get("gatewayname") is not None:
        gatewayname = section["gatewayname"]
        if not isinstance(gatewayname, str) or not 1 <= len(gatewayname) <= 200:
            raise DomainError("invalid_request", "'opennds.gatewayname' must be the gatewayname as the router sends "
                              "it (URL-encoded).", field="opennds.gatewayname")
    return OpenNdsSettings(level, faskey, gatewayname)


def _meraki(section: Any) -> MerakiSettings:
    hosts = section.get("grant_hosts") if isinstance(section, dict) else None
    if (not isinstance(hosts, list) or not 1 <= len(hosts) <= 20
            or not all(isinstance(h, str) and HOST_RE.match(h.lower()) for h in hosts)):
        raise DomainError("invalid_request", "'meraki.grant_hosts' must list 1-20 host names (e.g. "
                          "n143.network-auth.com or *.network-auth.com).", field="meraki.grant_hosts")
    return MerakiSettings(tuple(h.lower() for h in hosts))


def _wifi4eu(body: dict[str, Any]) -> str | None:
    value = body.get("wifi4eu_network_id")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not WIFI4EU_RE.match(value):
        raise DomainError("invalid_request", "'wifi4eu_network_id' must be the WiFi4EU network identifier.",
                          field="wifi4eu_network_id")
    return value

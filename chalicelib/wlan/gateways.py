"""register_gateway, update_gateway, disable_gateway, enable_gateway: the city manages its WLAN routers."""

from __future__ import annotations

import re
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from pynamodb.exceptions import DoesNotExist

from chalicelib.core import clock, settings
from chalicelib.core.errors import bad_request, not_found
from chalicelib.core.ids import random_id
from chalicelib.core.validate import choice, integer, text
from chalicelib.store.transactions import transaction
from chalicelib.wlan.fas_query import gateway_hash
from chalicelib.wlan.models import ACTIVE, DISABLED, GATEWAY_MARKER, MARKER, MERAKI, OPENNDS, PENDING, Gateway, Grant

ZONE_RE = re.compile(r"^[^\x00-\x1f\x7f]{1,64}$")  # the same zone names as retailers and sensors use
# openNDS hashes `hid + faskey` through printf with the key inside the format string, and levels 2-3 paste the key
# into PHP source: `% \\ ' " $` would give the router another rhid and AES key than ours. openNDS documents [A-Za-z0-9].
FASKEY_RE = re.compile(r"^[A-Za-z0-9]{8,64}$")
BINAUTH = "/usr/lib/opennds/binauth_log.sh"
HOST_RE = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
WIFI4EU_RE = re.compile(r"^[A-Za-z0-9-]{1,64}$")
CACHE_SECONDS = 30.0

_cache: dict[str, tuple[float, Gateway]] = {}
_cache_lock = threading.Lock()


def queue_of(gateway_id: str, gw_hash: str) -> str:
    return f"{gateway_id}#{gw_hash}"


def fas_url(gateway: Gateway) -> str:
    base = settings.get().base_url
    path = "meraki" if gateway.vendor == MERAKI else "fas"
    return f"{base}/wlan/{path}/{gateway.gateway_id}"


def gateway_view(gateway: Gateway) -> dict[str, Any]:
    """The admin's view. Never the faskey."""
    view: dict[str, Any] = {
        "gateway_id": gateway.gateway_id, "name": gateway.name, "vendor": gateway.vendor, "zone": gateway.zone,
        "status": gateway.status, "fas_url": fas_url(gateway), "session_minutes": int(gateway.session_minutes),
        "upload_kbps": int(gateway.upload_kbps), "download_kbps": int(gateway.download_kbps),
        "upload_quota_kb": int(gateway.upload_quota_kb), "download_quota_kb": int(gateway.download_quota_kb),
        "wifi4eu_network_id": gateway.wifi4eu_network_id, "created_at": gateway.created_at,
        "updated_at": gateway.updated_at,
    }
    if gateway.vendor == OPENNDS:
        view["opennds"] = {"security_level": int(gateway.security_level or 0), "faskey_set": bool(gateway.faskey),
                           "gatewayhash": gateway.gateway_hash, "router_settings": router_settings(gateway)}
    else:
        view["meraki"] = {"grant_hosts": list(gateway.grant_hosts or [])}
    return view


def router_settings(gateway: Gateway) -> dict[str, Any]:
    """The openNDS options this gateway must be configured with (docs/wlan.md explains each)."""
    level = int(gateway.security_level or 0)
    parts = urlsplit(fas_url(gateway))
    settings_ = {"fas_secure_enabled": level, "fasremotefqdn": parts.hostname,
                 "fasport": parts.port or (443 if parts.scheme == "https" else 80), "faspath": parts.path,
                 "faskey": "<the faskey you registered>",
                 # levels 1-2 take the session length from here, not from our grant; keep both the same
                 "sessiontimeout": int(gateway.session_minutes),
                 # without binauth no deauth notice reaches us and a level 3-4 session never ends here
                 "binauth": BINAUTH if level in (3, 4) else None}
    return {k: v for k, v in settings_.items() if v is not None}


def _limits(body: dict[str, Any], gateway: Gateway | None) -> dict[str, int]:
    def current(name: str, fallback: int) -> int:
        return int(getattr(gateway, name)) if gateway is not None else fallback

    return {
        "session_minutes": integer(body, "session_minutes", minimum=1, maximum=10080,
                                   default=current("session_minutes", 60)),
        "upload_kbps": integer(body, "upload_kbps", minimum=0, maximum=10_000_000, default=current("upload_kbps", 0)),
        "download_kbps": integer(body, "download_kbps", minimum=0, maximum=10_000_000,
                                 default=current("download_kbps", 0)),
        "upload_quota_kb": integer(body, "upload_quota_kb", minimum=0, maximum=1_000_000_000,
                                   default=current("upload_quota_kb", 0)),
        "download_quota_kb": integer(body, "download_quota_kb", minimum=0, maximum=1_000_000_000,
                                     default=current("download_quota_kb", 0)),
    }  # type: ignore[return-value]


def _zone(body: dict[str, Any], default: str | None) -> str:
    zone = text(body, "zone", required=default is None, max_length=64, default=default)
    if not zone or not ZONE_RE.match(zone):
        raise bad_request("invalid_request", "'zone' must be 1-64 printable characters.", field="zone")
    return zone


def _opennds(body: dict[str, Any], gateway: Gateway | None) -> dict[str, Any]:
    section = body.get("opennds")
    if section is None and gateway is not None:
        return {}
    if not isinstance(section, dict):
        raise bad_request("invalid_request", "'opennds' must be an object.", field="opennds")
    out: dict[str, Any] = {}
    if "security_level" in section or gateway is None:
        level = section.get("security_level")
        if isinstance(level, bool) or level not in (1, 2, 3, 4):
            raise bad_request("invalid_request", "'opennds.security_level' must be 1, 2, 3 or 4.",
                              field="opennds.security_level")
        if level in (1, 2) and not settings.get().is_local:
            raise bad_request("level_needs_http", "openNDS levels 1 and 2 send guests to the FAS over plain http "
                              "(openNDS forces http:// for them); this deployment serves HTTPS only. Use level 3.",
                              field="opennds.security_level")
        out["security_level"] = level
    if "faskey" in section or gateway is None:
        faskey = section.get("faskey")
        if not isinstance(faskey, str) or not FASKEY_RE.match(faskey):
            raise bad_request("invalid_request", "'opennds.faskey' must be 8-64 letters and digits (A-Z, a-z, "
                              "0-9): openNDS mangles other characters.", field="opennds.faskey")
        out["faskey"] = faskey
    if section.get("gatewayname") is not None:
        name = section["gatewayname"]
        if not isinstance(name, str) or not 1 <= len(name) <= 200:
            raise bad_request("invalid_request", "'opennds.gatewayname' must be the gatewayname as the router sends "
                              "it (URL-encoded).", field="opennds.gatewayname")
        out["gateway_hash"] = gateway_hash(name)
    return out


def _meraki(body: dict[str, Any], gateway: Gateway | None) -> dict[str, Any]:
    section = body.get("meraki")
    if section is None and gateway is not None:
        return {}
    hosts = section.get("grant_hosts") if isinstance(section, dict) else None
    if (not isinstance(hosts, list) or not 1 <= len(hosts) <= 20
            or not all(isinstance(h, str) and HOST_RE.match(h.lower()) for h in hosts)):
        raise bad_request("invalid_request", "'meraki.grant_hosts' must list 1-20 host names (e.g. "
                          "n143.network-auth.com or *.network-auth.com).", field="meraki.grant_hosts")
    return {"grant_hosts": [h.lower() for h in hosts]}


def _wifi4eu(body: dict[str, Any], default: str | None) -> str | None:
    if "wifi4eu_network_id" not in body:
        return default
    value = body["wifi4eu_network_id"]
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not WIFI4EU_RE.match(value):
        raise bad_request("invalid_request", "'wifi4eu_network_id' must be the WiFi4EU network identifier.",
                          field="wifi4eu_network_id")
    return value


def register_gateway(body: dict[str, Any]) -> Gateway:
    name = text(body, "name", max_length=100)
    vendor = choice(body, "vendor", (OPENNDS, MERAKI))
    now = clock.iso(clock.now())
    gateway = Gateway(random_id("gw"), name=name, vendor=vendor, zone=_zone(body, None), status=ACTIVE,
                      wifi4eu_network_id=_wifi4eu(body, None), created_at=now, updated_at=now, **_limits(body, None))
    extra = _opennds(body, None) if vendor == OPENNDS else _meraki(body, None)
    for attr, value in extra.items():
        setattr(gateway, attr, value)
    with transaction() as tx:
        tx.save(gateway, condition=Gateway.gateway_id.does_not_exist())
        if gateway.gateway_hash:
            tx.save(_marker(gateway))
    return gateway


def _marker(gateway: Gateway) -> Grant:
    queue = queue_of(gateway.gateway_id, gateway.gateway_hash or "")
    return Grant(queue, GATEWAY_MARKER, state=MARKER, waiting=queue, level=int(gateway.security_level or 0))


def get_gateway(gateway_id: str, *, cached: bool = False) -> Gateway | None:
    """`cached=True` for the guests' pages: a change made by admin reaches other instances within 30 s."""
    if cached:
        with _cache_lock:
            hit = _cache.get(gateway_id)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
    try:
        gateway = Gateway.get(gateway_id, consistent_read=True)
    except DoesNotExist:
        return None
    with _cache_lock:
        _cache[gateway_id] = (time.monotonic(), gateway)
    return gateway


def forget(gateway_id: str | None = None) -> None:
    with _cache_lock:
        if gateway_id is None:
            _cache.clear()
        else:
            _cache.pop(gateway_id, None)


def require_gateway(gateway_id: str) -> Gateway:
    gateway = get_gateway(gateway_id) if len(gateway_id) <= 64 else None
    if gateway is None:
        raise not_found("No such gateway.")
    return gateway


def list_gateways() -> list[Gateway]:
    return sorted(Gateway.scan(), key=lambda g: (g.zone, g.name.lower()))  # tens of routers per town


def update_gateway(gateway_id: str, body: dict[str, Any]) -> Gateway:
    gateway = require_gateway(gateway_id)
    old_hash = gateway.gateway_hash
    if "name" in body:
        gateway.name = text(body, "name", max_length=100)
    if "zone" in body:
        gateway.zone = _zone(body, gateway.zone)
    for attr, value in _limits(body, gateway).items():
        setattr(gateway, attr, value)
    gateway.wifi4eu_network_id = _wifi4eu(body, gateway.wifi4eu_network_id)
    extra = _opennds(body, gateway) if gateway.vendor == OPENNDS else _meraki(body, gateway)
    for attr, value in extra.items():
        setattr(gateway, attr, value)
    gateway.updated_at = clock.iso(clock.now())
    _save_with_marker(gateway, old_hash)
    return gateway


def _save_with_marker(gateway: Gateway, old_hash: str | None) -> None:
    """The gateway and its queue marker change together: a disabled or re-keyed gateway's authmon finds nothing."""
    with transaction() as tx:
        tx.save(gateway, condition=Gateway.gateway_id.exists())
        if old_hash and old_hash != gateway.gateway_hash:
            tx.delete(Grant(queue_of(gateway.gateway_id, old_hash), GATEWAY_MARKER))
        if gateway.gateway_hash and gateway.vendor == OPENNDS:
            if gateway.status == ACTIVE:
                tx.save(_marker(gateway))
            else:
                tx.delete(Grant(queue_of(gateway.gateway_id, gateway.gateway_hash), GATEWAY_MARKER))
    forget(gateway.gateway_id)
    if gateway.status != ACTIVE and gateway.gateway_hash:
        drop_pending(queue_of(gateway.gateway_id, gateway.gateway_hash))


def drop_pending(queue: str, *, created_before: int | None = None) -> int:
    """Forget the queue's pending grants (the gateway was disabled), or those created before a moment (authmon's
    `clear` at the gateway's start: grants made through the gateway since it started are not stale)."""
    pending = [g for g in Grant.query(queue, consistent_read=True) if g.state == PENDING
               and (created_before is None or int(g.created_at or 0) < created_before)]
    with Grant.batch_write() as batch:
        for grant in pending:
            batch.delete(grant)
    return len(pending)


def disable_gateway(gateway_id: str) -> Gateway:
    gateway = require_gateway(gateway_id)
    gateway.status = DISABLED
    gateway.updated_at = clock.iso(clock.now())
    _save_with_marker(gateway, gateway.gateway_hash)
    return gateway


def enable_gateway(gateway_id: str) -> Gateway:
    gateway = require_gateway(gateway_id)
    gateway.status = ACTIVE
    gateway.updated_at = clock.iso(clock.now())
    _save_with_marker(gateway, gateway.gateway_hash)
    return gateway


def pin_gateway_hash(gateway: Gateway, gw_hash: str) -> bool:
    """First arrival names the gateway for authmon, unless admin configured the gatewayname already."""
    from pynamodb.exceptions import TransactWriteError

    try:
        with transaction() as tx:
            tx.update(gateway, actions=[Gateway.gateway_hash.set(gw_hash)],
                      condition=Gateway.gateway_hash.does_not_exist() & (Gateway.status == ACTIVE))
            queue = queue_of(gateway.gateway_id, gw_hash)
            tx.save(Grant(queue, GATEWAY_MARKER, state=MARKER, waiting=queue, level=int(gateway.security_level or 0)))
    except TransactWriteError:
        forget(gateway.gateway_id)
        return False
    gateway.gateway_hash = gw_hash
    forget(gateway.gateway_id)
    return True

"""register_gateway, update_gateway, disable_gateway, enable_gateway: the city manages its WLAN routers."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.core import cache, clock, settings
from chalicelib.core.errors import not_found
from chalicelib.core.ids import random_id
from chalicelib.store.transactions import TransactionCancelled, transaction
from chalicelib.wlan.fas_query import gateway_hash
from chalicelib.wlan.gateway_settings import UNCHANGED, GatewayChange, MerakiSettings, NewGateway, OpenNdsSettings
from chalicelib.wlan.models import ACTIVE, DISABLED, GATEWAY_MARKER, MARKER, MERAKI, OPENNDS, PENDING, Gateway, Grant

CACHE_SECONDS = 30.0

_gateways = cache.ttl("gateways", seconds=CACHE_SECONDS)


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
                           "gatewayhash": gateway.gateway_hash}
    else:
        view["meraki"] = {"grant_hosts": list(gateway.grant_hosts or [])}
    return view


def register_gateway(new: NewGateway) -> Gateway:
    now = clock.iso(clock.now())
    gateway = Gateway(random_id("gw"), name=new.name, vendor=new.vendor, zone=new.zone, status=ACTIVE,
                      wifi4eu_network_id=new.wifi4eu_network_id, created_at=now, updated_at=now,
                      **new.limits._asdict())
    _apply_vendor(gateway, new.opennds, new.meraki)
    with transaction() as tx:
        tx.save(gateway, name="gateway", condition=Gateway.gateway_id.does_not_exist())
        if gateway.gateway_hash:
            tx.save(_marker(gateway), name="marker")
    return gateway


def _apply_vendor(gateway: Gateway, opennds: OpenNdsSettings | None, meraki: MerakiSettings | None) -> None:
    if gateway.vendor == OPENNDS and opennds is not None:
        if opennds.security_level is not None:
            gateway.security_level = opennds.security_level
        if opennds.faskey is not None:
            gateway.faskey = opennds.faskey
        if opennds.gatewayname is not None:
            gateway.gateway_hash = gateway_hash(opennds.gatewayname)
    elif gateway.vendor == MERAKI and meraki is not None:
        gateway.grant_hosts = list(meraki.grant_hosts)


def _marker(gateway: Gateway) -> Grant:
    queue = queue_of(gateway.gateway_id, gateway.gateway_hash or "")
    return Grant(queue, GATEWAY_MARKER, state=MARKER, waiting=queue, level=int(gateway.security_level or 0))


def get_gateway(gateway_id: str, *, cached: bool = False) -> Gateway | None:
    """`cached=True` for the guests' pages: a change made by admin reaches other instances within 30 s."""
    if cached:
        hit = _gateways.get(gateway_id)
        if hit is not None:
            return hit
    try:
        gateway = Gateway.get(gateway_id, consistent_read=True)
    except DoesNotExist:
        return None
    _gateways.put(gateway_id, gateway)
    return gateway


def forget(gateway_id: str | None = None) -> None:
    if gateway_id is None:
        _gateways.clear()
    else:
        _gateways.pop(gateway_id)


def require_gateway(gateway_id: str) -> Gateway:
    gateway = get_gateway(gateway_id) if len(gateway_id) <= 64 else None
    if gateway is None:
        raise not_found("No such gateway.")
    return gateway


def list_gateways() -> list[Gateway]:
    return sorted(Gateway.scan(), key=lambda g: (g.zone, g.name.lower()))  # tens of routers per town


def update_gateway(gateway_id: str, change: GatewayChange) -> Gateway:
    gateway = require_gateway(gateway_id)
    old_hash = gateway.gateway_hash
    if change.name is not None:
        gateway.name = change.name
    if change.zone is not None:
        gateway.zone = change.zone
    for attr, value in change.limits.items():
        setattr(gateway, attr, value)
    if change.wifi4eu_network_id is not UNCHANGED:
        gateway.wifi4eu_network_id = change.wifi4eu_network_id
    _apply_vendor(gateway, change.opennds, change.meraki)
    gateway.updated_at = clock.iso(clock.now())
    _save_with_marker(gateway, old_hash)
    return gateway


def _save_with_marker(gateway: Gateway, old_hash: str | None) -> None:
    """The gateway and its queue marker change together: a disabled or re-keyed gateway's authmon finds nothing."""
    with transaction() as tx:
        tx.save(gateway, name="gateway", condition=Gateway.gateway_id.exists())
        if old_hash and old_hash != gateway.gateway_hash:
            tx.delete(Grant(queue_of(gateway.gateway_id, old_hash), GATEWAY_MARKER), name="old_marker")
        if gateway.gateway_hash and gateway.vendor == OPENNDS:
            if gateway.status == ACTIVE:
                tx.save(_marker(gateway), name="marker")
            else:
                tx.delete(Grant(queue_of(gateway.gateway_id, gateway.gateway_hash), GATEWAY_MARKER), name="marker")
    forget(gateway.gateway_id)
    if gateway.status != ACTIVE and gateway.gateway_hash:
        drop_pending(queue_of(gateway.gateway_id, gateway.gateway_hash))


def drop_pending(queue: str) -> int:
    """Forget the queue's pending grants (authmon `clear`, or the gateway was disabled)."""
    pending = [g for g in Grant.query(queue, consistent_read=True) if g.state == PENDING]
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
    try:
        with transaction() as tx:
            tx.update(gateway, name="gateway", actions=[Gateway.gateway_hash.set(gw_hash)],
                      condition=Gateway.gateway_hash.does_not_exist() & (Gateway.status == ACTIVE))
            queue = queue_of(gateway.gateway_id, gw_hash)
            tx.save(Grant(queue, GATEWAY_MARKER, state=MARKER, waiting=queue, level=int(gateway.security_level or 0)),
                    name="marker")
    except TransactionCancelled as err:
        if "gateway" not in err.failed:
            raise
        forget(gateway.gateway_id)
        return False
    gateway.gateway_hash = gw_hash
    forget(gateway.gateway_id)
    return True

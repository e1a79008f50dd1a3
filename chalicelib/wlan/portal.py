"""The guest's way in: arrive (read and check the gateway's query), grant_access (one DynamoDB transaction:
session, grant, footfall counts), session_state (for the waiting page and RFC 8908).

Every refusal is a `Refused`: the routes answer it with one plain 403 page that reveals nothing.
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from urllib.parse import urlencode, urlsplit

from pynamodb.exceptions import DoesNotExist

from chalicelib.core import clock, metrics
from chalicelib.core.ids import random_id
from chalicelib.core.ratelimit import hit
from chalicelib.store.transactions import TransactionCancelled, transaction
from chalicelib.wlan import config, keys
from chalicelib.wlan.authmon import grant_entry
from chalicelib.wlan.fas_query import FasError, FasQuery, gateway_hash, read, rhid
from chalicelib.wlan.gateways import get_gateway, pin_gateway_hash, queue_of
from chalicelib.wlan.models import (
    ACKED,
    ACTIVE,
    ENDED,
    OPENNDS,
    PENDING,
    DeviceDay,
    Gateway,
    Grant,
    WlanHourlyCount,
    WlanSession,
)
from chalicelib.wlan.pseudonyms import device_pseudonym, sign, verify

log = logging.getLogger("marktplatz.wlan")

AUTHDIR_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
HOSTPORT_RE = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$")
SESSION_ID_RE = re.compile(r"^ws_[a-z2-7]{16,32}$")
GRANTED = "granted"
LAN_NETWORKS = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                        "100.64.0.0/10"))


class Refused(Exception):
    """Not from a gateway we know, or not as that gateway speaks. The reason is for tests, never for the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Arrival(NamedTuple):
    gateway: Gateway
    query: FasQuery
    rhid: str
    gw_hash: str
    session_id: str
    issued: int
    signature: str


def hour_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:00Z")


def _epoch(moment: datetime | None = None) -> int:
    return int((moment or clock.now()).timestamp())


def active_gateway(gateway_id: str, vendor: str) -> Gateway:
    gateway = get_gateway(gateway_id, cached=True) if len(gateway_id) <= 64 else None
    if gateway is None:
        raise Refused("unknown gateway")
    if gateway.status != ACTIVE:
        raise Refused("disabled gateway")
    if gateway.vendor != vendor:
        raise Refused("wrong vendor")
    return gateway


def _ticket_message(gateway_id: str, subject: str, session_id: str, issued: int) -> str:
    return f"{gateway_id}|{subject}|{session_id}|{issued}"


def arrive(gateway_id: str, fas: str | None, iv: str | None, *, count: bool = True) -> Arrival:
    """Check and read an openNDS arrival. The same check runs again when the guest accepts (the form carries
    `fas` and `iv` back), so nothing about the guest is stored before they accept."""
    gateway = active_gateway(gateway_id, OPENNDS)
    if count:
        hit("wlan-arrival", gateway.gateway_id, config.arrivals_per_minute())
    level = int(gateway.security_level or 0)
    encrypted = level in (2, 3)
    if not fas:
        raise Refused("no fas")
    if encrypted and not iv:
        raise Refused("missing iv")
    if not encrypted and iv:
        raise Refused("level mismatch")
    try:
        query = read(fas, iv, gateway.faskey or "", encrypted)
    except FasError:
        raise Refused("undecodable") from None
    gw_hash = gateway_hash(query.gatewayname_raw)
    if level in (3, 4) and gateway.gateway_hash != gw_hash:
        pinned = gateway.gateway_hash is None and pin_gateway_hash(gateway, gw_hash)
        if not pinned:  # a concurrent first arrival may have pinned the same name: look again
            fresh = get_gateway(gateway.gateway_id)
            if fresh is None or fresh.gateway_hash != gw_hash:
                raise Refused("gatewayname mismatch")
            gateway = fresh
    client_rhid = rhid(query.hid, gateway.faskey or "")
    issued = _epoch()
    session_id = random_id("ws")
    signature = sign(keys.recent_keys()[0], _ticket_message(gateway.gateway_id, client_rhid, session_id, issued))
    return Arrival(gateway, query, client_rhid, gw_hash, session_id, issued, signature)


def check_ticket(gateway_id: str, subject: str, session_id: str, issued: str, signature: str) -> int:
    if not SESSION_ID_RE.match(session_id or "") or not (issued or "").isdigit() or len(issued) > 12:
        raise Refused("bad ticket")
    when = int(issued)
    now = _epoch()
    if not now - config.ticket_seconds() <= when <= now + 60:
        raise Refused("stale ticket")
    message = _ticket_message(gateway_id, subject, session_id, when)
    if not any(verify(key, message, signature or "") for key in keys.recent_keys()):
        raise Refused("bad ticket")
    return when


def gateway_target(query: FasQuery) -> tuple[str, str]:
    """gatewayaddress (a private IPv4 with port) and authdir, checked: we send the guest's browser there."""
    match = HOSTPORT_RE.match(query.get("gatewayaddress"))
    if not match:
        raise Refused("bad gatewayaddress")
    try:
        address = ipaddress.IPv4Address(match.group(1))
    except ValueError:
        raise Refused("bad gatewayaddress") from None
    if not any(address in net for net in LAN_NETWORKS):
        raise Refused("public gatewayaddress")
    authdir = query.get("authdir") or "opennds_auth"
    if not AUTHDIR_RE.match(authdir):
        raise Refused("bad authdir")
    return query.get("gatewayaddress"), authdir


class GrantOutcome(NamedTuple):
    session_id: str
    level: int
    redirect: str | None  # levels 1-2: where the browser goes to let the gateway in
    existing: bool


def custom_b64(session_id: str) -> str:
    return base64.b64encode(f"marktplatz {session_id}".encode()).decode("ascii")


def grant_access(arrival: Arrival, issued: int, landing_url: str) -> GrantOutcome:
    """The guest accepted: one transaction writes the session, the grant (queued for authmon at levels 3-4) and
    the footfall counts. A double submit or a replayed form after deauth grants nothing new."""
    gateway = arrival.gateway
    hit("wlan-grant", gateway.gateway_id, config.grants_per_minute())
    level = int(gateway.security_level or 0)
    if level in (1, 2):
        address, authdir = gateway_target(arrival.query)
    now = clock.now()
    queue = queue_of(gateway.gateway_id, arrival.gw_hash)
    custom = custom_b64(arrival.session_id)
    entry = grant_entry(arrival.rhid, int(gateway.session_minutes), int(gateway.upload_kbps),
                        int(gateway.download_kbps), int(gateway.upload_quota_kb), int(gateway.download_quota_kb),
                        custom)
    queued = level in (3, 4)
    grant = Grant(queue, arrival.rhid, state=PENDING if queued else ACKED, waiting=queue if queued else None,
                  session_id=arrival.session_id,
                  entry=entry, created_at=_epoch(now), pending_until=_epoch(now) + config.pending_seconds(),
                  acked_at=None if queued else _epoch(now), expires_at=_grant_expiry(gateway, now))
    # A grant for this rhid may exist: still pending and not expired, or acked, means the guest is on the way
    # (answer the existing session); ended after this page was shown means a replay (refuse).
    grant_condition = (Grant.rhid.does_not_exist()
                       | ((Grant.state == ENDED) & (Grant.ended_at < issued))
                       | ((Grant.state == PENDING) & (Grant.pending_until < _epoch(now))))
    outcome = _write_grant(gateway, arrival.session_id, arrival.query.raw.get("clientmac", ""), level, queue,
                           arrival.rhid, grant, grant_condition, now)
    if outcome is not None and queued:
        return outcome  # levels 3-4: authmon has it queued or applied already
    session_id = outcome.session_id if outcome is not None else arrival.session_id
    redirect = None
    if not queued:  # levels 1-2 cannot tell us whether the gateway applied it: the browser goes (again)
        landing_url = landing_url.replace(arrival.session_id, session_id)
        redirect = f"http://{address}/{authdir}/?" + urlencode({"tok": arrival.rhid, "redir": landing_url,
                                                                "custom": custom_b64(session_id)})
    if outcome is None:
        log.info("wlan grant gateway=%s level=%s", gateway.gateway_id, level)
        metrics.wlan_grant()
    return GrantOutcome(session_id, level, redirect, existing=outcome is not None)


def _grant_expiry(gateway: Gateway, now: datetime) -> datetime:
    seconds = min(int(gateway.session_minutes) * 60 + config.ENDED_GRANT_KEEP_SECONDS, config.SESSION_TTL_MAX_SECONDS)
    return now + timedelta(seconds=seconds)


def _write_grant(gateway: Gateway, session_id: str, mac: str, level: int, queue: str | None, client_rhid: str | None,
                 grant: Grant | None, grant_condition: object, now: datetime) -> GrantOutcome | None:
    day = keys.day_of(now)
    device = device_pseudonym(keys.key_for(day) or b"", mac)
    session = WlanSession(session_id, gateway_id=gateway.gateway_id, zone=gateway.zone, vendor=gateway.vendor,
                          level=level or None, queue=queue, rhid=client_rhid, status=GRANTED,
                          minutes=int(gateway.session_minutes), granted_at=_epoch(now),
                          expires_at=_grant_expiry(gateway, now))
    count = WlanHourlyCount(gateway.zone, hour_of(now))
    marker = DeviceDay(f"{day}#{gateway.zone}#{device}", day=day, expires_at=now + timedelta(days=2))
    for first_of_day in (True, False):
        try:
            with transaction() as tx:
                tx.save(session, name="session", condition=WlanSession.session_id.does_not_exist())
                if grant is not None:
                    tx.save(grant, name="grant", condition=grant_condition)
                actions = [WlanHourlyCount.sessions.add(1)]
                if first_of_day:
                    actions.append(WlanHourlyCount.devices.add(1))
                    tx.save(marker, name="device_day", condition=DeviceDay.marker.does_not_exist())
                tx.update(count, name="hourly_count", actions=actions)
            return None
        except TransactionCancelled as err:
            if "grant" in err.failed:  # this rhid has a grant: on its way, or ended (a replay)
                return _existing_grant(queue or "", client_rhid or "", level)
            if "session" in err.failed:  # this very page was submitted before: the same session, nothing new
                return _existing(session_id, level)
            if first_of_day and "device_day" in err.failed:
                continue  # the device was counted today already
            raise
    return None


def _existing(session_id: str, level: int) -> GrantOutcome:
    return GrantOutcome(session_id, level, None, existing=True)


def _existing_grant(queue: str, client_rhid: str, level: int) -> GrantOutcome:
    try:
        current = Grant.get(queue, client_rhid, consistent_read=True)
    except DoesNotExist:
        raise Refused("grant vanished") from None
    if current.state == ENDED:
        raise Refused("replayed after deauth")
    return GrantOutcome(current.session_id or "", level, None, existing=True)


def grant_meraki(gateway: Gateway, client_mac: str, session_id: str) -> None:
    hit("wlan-grant", gateway.gateway_id, config.grants_per_minute())
    outcome = _write_grant(gateway, session_id, client_mac, 0, None, None, None, None, clock.now())
    if outcome is None:
        log.info("wlan grant gateway=%s vendor=meraki", gateway.gateway_id)
        metrics.wlan_grant()


def meraki_ticket(gateway_id: str, base_grant_url: str) -> tuple[str, int, str]:
    session_id = random_id("ws")
    issued = _epoch()
    return session_id, issued, sign(keys.recent_keys()[0],
                                    _ticket_message(gateway_id, base_grant_url, session_id, issued))


class SessionState(NamedTuple):
    known: bool
    online: bool
    waiting: bool
    ended: bool
    seconds_remaining: int | None
    gateway_id: str | None


UNKNOWN = SessionState(False, False, False, False, None, None)


def session_state(session_id: str) -> SessionState:
    """Online from the grant (levels 1-2, Meraki) or from authmon's ack (levels 3-4) until deauth or the end."""
    if not SESSION_ID_RE.match(session_id):
        return UNKNOWN
    try:
        session = WlanSession.get(session_id, consistent_read=True)
    except DoesNotExist:
        return UNKNOWN
    now = _epoch()
    if session.expires_at.timestamp() < now:
        return UNKNOWN
    started = int(session.granted_at)
    if session.status == ENDED:
        return SessionState(True, False, False, True, None, session.gateway_id)
    if session.queue and session.rhid and int(session.level or 0) in (3, 4):
        try:
            grant = Grant.get(session.queue, session.rhid, consistent_read=True)
        except DoesNotExist:
            return SessionState(True, False, False, True, None, session.gateway_id)
        if grant.session_id != session.session_id or grant.state == ENDED:
            return SessionState(True, False, False, True, None, session.gateway_id)
        if grant.state == PENDING:
            expired = int(grant.pending_until or 0) < now
            return SessionState(True, False, not expired, expired, None, session.gateway_id)
        started = int(grant.acked_at or started)
    remaining = started + int(session.minutes) * 60 - now
    if remaining <= 0:
        return SessionState(True, False, False, True, None, session.gateway_id)
    return SessionState(True, True, False, False, remaining, session.gateway_id)


def safe_web_url(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2048:
        return None
    return url


def now_epoch() -> int:
    return _epoch()

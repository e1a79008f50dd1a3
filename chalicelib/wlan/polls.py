"""poll_authmon and record_deauth: what a level 3-4 gateway's authmon daemon asks, answered byte-exactly.

Costs: a `view` is one Query of the sparse `waiting` index (the queue's marker row proves the gatewayhash, acked
grants are not in it); an ack of up to four grants is one TransactWriteItems. Nothing else is read.
"""

from __future__ import annotations

import hashlib
import logging
from typing import NamedTuple

from pynamodb.exceptions import DoesNotExist

from chalicelib.core import clock
from chalicelib.store.transactions import TransactionCancelled, transaction
from chalicelib.wlan import authmon
from chalicelib.wlan.authmon import AuthmonError, AuthmonRequest
from chalicelib.wlan.fas_query import rhid as make_rhid
from chalicelib.wlan.gateways import drop_pending, get_gateway, queue_of
from chalicelib.wlan.models import (
    ACKED,
    ACTIVE,
    ENDED,
    GATEWAY_MARKER,
    MARKER,
    PENDING,
    Grant,
    WlanHourlyCount,
    WlanSession,
)
from chalicelib.wlan.portal import hour_of

log = logging.getLogger("marktplatz.wlan")
METHOD_LEVEL = {"POST": 3, "GET": 4}
MAX_DWELL_MINUTES = 7 * 24 * 60


class PollRefused(Exception):
    """Unknown gatewayhash, disabled gateway, or the wrong level for this request's method."""


class PollAnswer(NamedTuple):
    body: str


def poll_authmon(gateway_id: str, method: str, params: dict[str, str]) -> PollAnswer:
    try:
        request = authmon.parse_request(params)
    except AuthmonError:
        raise PollRefused("malformed") from None
    if len(gateway_id) > 64 or "#" in gateway_id:
        raise PollRefused("unknown gateway")
    level = METHOD_LEVEL.get(method)
    queue = queue_of(gateway_id, request.gatewayhash)
    if request.action in ("view", "list") and not request.is_ack:
        return PollAnswer(_view(queue, level, remove=request.action == "list"))
    if request.action == "view":
        return PollAnswer(_ack(queue, level, authmon.acked_rhids(request.payload)))
    if request.action == "clear":
        _check_marker(queue, level)
        drop_pending(queue)
        return PollAnswer("")  # the reference FAS answers `clear` with an empty body
    if request.action == "deauthed":
        record_deauth(gateway_id, queue, level, request)
        return PollAnswer(authmon.ACK)
    _check_marker(queue, level)  # custom: a free string we do not keep (it may name a client)
    return PollAnswer(authmon.ACK)


def _check_marker(queue: str, level: int | None) -> None:
    try:
        marker = Grant.get(queue, GATEWAY_MARKER, consistent_read=True)
    except DoesNotExist:
        raise PollRefused("unknown gatewayhash") from None
    if int(marker.level or 0) != level:
        raise PollRefused("level mismatch")


def _view(queue: str, level: int | None, *, remove: bool) -> str:
    now = int(clock.now().timestamp())
    marker_level = None
    pending: list[Grant] = []
    for item in Grant.waiting_grants.query(queue):
        if item.rhid == GATEWAY_MARKER:
            marker_level = int(item.level or 0)
        elif item.state == PENDING and int(item.pending_until or 0) >= now and item.entry:
            pending.append(item)
    if marker_level is None:
        raise PollRefused("unknown gatewayhash")
    if marker_level != level:
        raise PollRefused("level mismatch")
    pending.sort(key=lambda g: int(g.created_at or 0))
    batch = pending[:authmon.MAX_GRANTS_PER_VIEW]
    if remove and batch:  # legacy `list`: listing is taking
        _ack(queue, level, [g.rhid for g in batch])
    return authmon.view_reply([g.entry or "" for g in batch])


def _ack(queue: str, level: int | None, rhids: list[str]) -> str:
    """One transaction: the marker still says this gateway, and each grant goes pending -> acked."""
    rhids = rhids[:25]
    if not rhids:
        return authmon.ACK
    now = clock.now()
    epoch = int(now.timestamp())
    for _attempt in range(2):
        try:
            with transaction() as tx:
                tx.condition_check(Grant, queue, GATEWAY_MARKER, name="marker",
                                   condition=(Grant.state == MARKER) & (Grant.level == (level or 0)))
                for client_rhid in rhids:
                    tx.update(Grant(queue, client_rhid), name=f"grant:{client_rhid}",
                              actions=[Grant.state.set(ACKED), Grant.acked_at.set(epoch), Grant.waiting.remove()],
                              condition=Grant.state == PENDING)  # late acks count: the gateway did it
            log.info("wlan ack queue=%s grants=%d", queue.split("#")[0], len(rhids))
            return authmon.ACK
        except TransactionCancelled as err:
            if "marker" in err.failed:
                raise PollRefused("unknown gatewayhash or level") from None
            if not err.failed:
                raise
            # some rhids were not pending (acked twice, expired, unknown): ack the others
            rhids = [r for r in rhids if f"grant:{r}" not in err.failed]
            if not rhids:
                return authmon.ACK
    return authmon.ACK


def record_deauth(gateway_id: str, queue: str, level: int | None, request: AuthmonRequest) -> None:
    """The gateway let a guest go: end the session and book its dwell minutes, exactly once."""
    try:
        notice = authmon.parse_deauth(request.payload)
    except AuthmonError:
        return
    gateway = get_gateway(gateway_id, cached=True)
    if (gateway is None or gateway.status != ACTIVE or queue != queue_of(gateway_id, gateway.gateway_hash or "")
            or int(gateway.security_level or 0) != level):
        raise PollRefused("unknown gateway")
    if not notice.token or len(notice.token) > 128:
        return
    # openNDS names the client by its token; hid = sha256(token). Accept a hid sent instead.
    token = notice.token.lower()
    hid = token if len(token) == 64 and all(c in "0123456789abcdef" for c in token) else \
        hashlib.sha256(notice.token.encode("utf-8")).hexdigest()
    client_rhid = make_rhid(hid, gateway.faskey or "")
    try:
        grant = Grant.get(queue, client_rhid, consistent_read=True)
    except DoesNotExist:
        return
    if grant.state != ACKED or not grant.session_id:
        return
    now = clock.now()
    epoch = int(now.timestamp())
    start = int(grant.acked_at or epoch)
    if notice.session_start and notice.session_end and 0 <= notice.session_end - notice.session_start:
        minutes = (notice.session_end - notice.session_start + 30) // 60
    else:
        minutes = (epoch - start + 30) // 60
    minutes = max(0, min(minutes, MAX_DWELL_MINUTES))
    try:
        with transaction() as tx:
            tx.update(grant, name="grant", actions=[Grant.state.set(ENDED), Grant.ended_at.set(epoch)],
                      condition=Grant.state == ACKED)
            tx.update(WlanSession(grant.session_id), name="session",
                      actions=[WlanSession.status.set(ENDED), WlanSession.ended_at.set(epoch),
                               WlanSession.end_method.set(notice.method[:32] or "unknown"),
                               WlanSession.dwell_minutes.set(minutes)],
                      condition=WlanSession.session_id.exists() & (WlanSession.status != ENDED))
            tx.update(WlanHourlyCount(gateway.zone, hour_of(now)), name="hourly_count",
                      actions=[WlanHourlyCount.dwell_minutes.add(minutes)])
    except TransactionCancelled as err:
        if err.failed:
            return  # a re-sent notice: counted already
        raise
    log.info("wlan deauth gateway=%s dwell_minutes=%d", gateway_id, minutes)

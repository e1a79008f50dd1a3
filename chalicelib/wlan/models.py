"""WLAN tables: gateways, the grants authmon collects, guest sessions, daily pseudonym keys, footfall counts.

No raw MAC or IP address is ever stored in any of them (a test scans every table for them).
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.store.base import BaseModel, table_meta

OPENNDS, MERAKI = "opennds", "meraki"
ACTIVE, DISABLED = "active", "disabled"
PENDING, ACKED, ENDED, MARKER = "pending", "acked", "ended", "gateway"
GATEWAY_MARKER = "~gateway"  # the Grant row that says "this gatewayhash is a known, enabled gateway"


class Gateway(BaseModel):
    """A router that sends guests to us. `faskey` is a secret: it never leaves in an answer."""

    Meta = table_meta("wlan-gateways")
    gateway_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    vendor = UnicodeAttribute()  # opennds | meraki
    zone = UnicodeAttribute()
    status = UnicodeAttribute(default=ACTIVE)
    session_minutes = NumberAttribute()
    upload_kbps = NumberAttribute(default=0)
    download_kbps = NumberAttribute(default=0)
    upload_quota_kb = NumberAttribute(default=0)
    download_quota_kb = NumberAttribute(default=0)
    security_level = NumberAttribute(null=True)  # openNDS fas_secure_enabled 1-4
    faskey = UnicodeAttribute(null=True)
    gateway_hash = UnicodeAttribute(null=True)  # sha256(gatewayname as sent); pinned at first arrival or by admin
    grant_hosts = ListAttribute(of=UnicodeAttribute, null=True)  # Meraki base_grant_url hosts
    wifi4eu_network_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class WaitingGrants(GlobalSecondaryIndex):
    """Sparse: only pending grants and the queue marker carry `waiting`, so a `view` reads just those, however
    many acked and ended grants the queue holds."""

    class Meta:
        index_name = "waiting"
        projection = AllProjection()

    waiting = UnicodeAttribute(hash_key=True)
    rhid = UnicodeAttribute(range_key=True)


class Grant(BaseModel):
    """One guest's grant as the gateway knows it, by rhid, in the queue `<gateway_id>#<gatewayhash>`.

    pending: waits for authmon's `view` (levels 3-4), expires after `pending_until`; acked: the gateway let the
    guest in; ended: deauthed (kept a day so a replayed rhid grants nothing). The row with rhid `~gateway` is the
    queue's marker: a `view` is one Query that proves the gatewayhash and lists what is pending.
    """

    Meta = table_meta("wlan-grants")
    queue = UnicodeAttribute(hash_key=True)
    rhid = UnicodeAttribute(range_key=True)
    state = UnicodeAttribute()  # pending | acked | ended | gateway
    waiting = UnicodeAttribute(null=True)  # = queue while pending (and on the marker); removed by the ack
    level = NumberAttribute(null=True)  # on the marker: the gateway's security level
    session_id = UnicodeAttribute(null=True)
    entry = UnicodeAttribute(null=True)  # the auth list line
    created_at = NumberAttribute(null=True)  # epoch seconds
    pending_until = NumberAttribute(null=True)
    acked_at = NumberAttribute(null=True)
    ended_at = NumberAttribute(null=True)
    expires_at = TTLAttribute(null=True)

    waiting_grants = WaitingGrants()


class WlanSession(BaseModel):
    """A guest's session from grant to deauth or expiry. The id is opaque and is the RFC 8908 API URI's key.

    It names no device, not even by pseudonym: per-device data lives only in `DeviceDay`, for one day."""

    Meta = table_meta("wlan-sessions")
    session_id = UnicodeAttribute(hash_key=True)
    gateway_id = UnicodeAttribute()
    zone = UnicodeAttribute()
    vendor = UnicodeAttribute()
    level = NumberAttribute(null=True)
    queue = UnicodeAttribute(null=True)
    rhid = UnicodeAttribute(null=True)
    status = UnicodeAttribute()  # granted | ended
    minutes = NumberAttribute()
    granted_at = NumberAttribute()  # epoch seconds
    ended_at = NumberAttribute(null=True)
    end_method = UnicodeAttribute(null=True)
    dwell_minutes = NumberAttribute(null=True)
    expires_at = TTLAttribute()  # at most 7 days after the grant


class DailyKey(BaseModel):
    """The HMAC key of one day (Europe/Berlin). Deleted by the hourly job once the day is over."""

    Meta = table_meta("wlan-daily-keys")
    day = UnicodeAttribute(hash_key=True)  # YYYY-MM-DD
    key = UnicodeAttribute()  # base64
    expires_at = TTLAttribute()  # a backstop for the job


class DeviceDay(BaseModel):
    """"This pseudonymous device was already counted in this zone today", so devices count once per day."""

    Meta = table_meta("wlan-devices")
    marker = UnicodeAttribute(hash_key=True)  # <day>#<zone>#<pseudonym>
    day = UnicodeAttribute()
    expires_at = TTLAttribute()  # a backstop for the job


class WlanHourlyCount(BaseModel):
    """WLAN footfall of one zone and UTC hour, for the footfall dashboard. Only ever changed with ADD.

    sessions: sessions started (granted) in the hour; devices: pseudonymous devices counted for the first time
    that day (Europe/Berlin) in the zone, so summing a day's hours gives distinct devices of the day;
    dwell_minutes: minutes of sessions that ended in the hour (as the gateway reported them at deauth).
    """

    Meta = table_meta("wlan-hourly")
    zone = UnicodeAttribute(hash_key=True)
    hour = UnicodeAttribute(range_key=True)  # 'YYYY-MM-DDTHH:00Z' (UTC)
    sessions = NumberAttribute(default=0)
    devices = NumberAttribute(default=0)
    dwell_minutes = NumberAttribute(default=0)

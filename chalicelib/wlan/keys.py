"""Daily pseudonym keys: one random key per Europe/Berlin day, in DynamoDB, destroyed when the day is over."""

from __future__ import annotations

import base64
import os
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.core import cache, clock
from chalicelib.wlan.models import DailyKey, DeviceDay

ABSENT_SECONDS = 300.0
_keys = cache.ttl("wlan_daily_keys", seconds=3 * 86400, maxsize=8)  # pruned by day below, not by age
_absent = cache.ttl("wlan_absent_keys", seconds=ABSENT_SECONDS, maxsize=8)  # a gone key is not looked up
# again on every arrival


def day_of(moment: datetime) -> str:
    return moment.astimezone(clock.berlin()).strftime("%Y-%m-%d")


def today() -> str:
    return day_of(clock.now())


def key_for(day: str, *, create: bool = True) -> bytes | None:
    """The key of `day` (cached per process: a key never changes while it exists)."""
    known = _keys.get(day)
    if known is not None:
        return known
    if not create and day in _absent:
        return None
    try:
        item = DailyKey.get(day, consistent_read=True)
        raw = base64.b64decode(item.key)
    except DoesNotExist:
        if not create:
            _absent.put(day, True)
            return None
        raw = os.urandom(32)
        candidate = DailyKey(day, key=base64.b64encode(raw).decode("ascii"),
                             expires_at=clock.now() + timedelta(days=2))
        try:
            candidate.save(condition=DailyKey.day.does_not_exist())
        except PutError:  # another instance made it first: use theirs
            raw = base64.b64decode(DailyKey.get(day, consistent_read=True).key)
    _keys.put(day, raw)
    for old in [d for d in _keys.keys() if d < day_of(clock.now() - timedelta(days=1))]:
        _keys.pop(old)  # a past day's key must not outlive its destruction in memory either
    return raw


def recent_keys() -> list[bytes]:
    """Today's key, and yesterday's while it still exists (a splash page shown just before midnight)."""
    now = clock.now()
    keys = [key_for(day_of(now))]
    yesterday = key_for(day_of(now - timedelta(days=1)), create=False)
    if yesterday is not None:
        keys.append(yesterday)
    return [k for k in keys if k is not None]


def destroy_past_days() -> dict[str, int]:
    """Delete every key and device marker of a day before today. Run hourly; idempotent."""
    current = today()
    keys = markers = 0
    for item in DailyKey.scan():
        if item.day < current:
            item.delete()
            keys += 1
    for marker in DeviceDay.scan():
        if marker.day < current:
            marker.delete()
            markers += 1
    forget()
    return {"keys_destroyed": keys, "device_markers_deleted": markers}


def forget() -> None:
    _keys.clear()
    _absent.clear()

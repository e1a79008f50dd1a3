"""Daily pseudonym keys: one random key per Europe/Berlin day, in DynamoDB, destroyed when the day is over."""

from __future__ import annotations

import base64
import os
import threading
import time
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.core import clock
from chalicelib.wlan.models import DailyKey, DeviceDay

_cache: dict[str, bytes] = {}
_absent: dict[str, float] = {}  # yesterday's key, once gone, is not looked up again on every arrival
_lock = threading.Lock()
ABSENT_SECONDS = 300.0


def day_of(moment: datetime) -> str:
    return moment.astimezone(clock.berlin()).strftime("%Y-%m-%d")


def today() -> str:
    return day_of(clock.now())


def key_for(day: str, *, create: bool = True) -> bytes | None:
    """The key of `day` (cached per process: a key never changes while it exists)."""
    with _lock:
        if day in _cache:
            return _cache[day]
        if not create and time.monotonic() - _absent.get(day, -ABSENT_SECONDS) < ABSENT_SECONDS:
            return None
    try:
        item = DailyKey.get(day, consistent_read=True)
        raw = base64.b64decode(item.key)
    except DoesNotExist:
        if not create:
            with _lock:
                _absent[day] = time.monotonic()
            return None
        raw = os.urandom(32)
        candidate = DailyKey(day, key=base64.b64encode(raw).decode("ascii"),
                             expires_at=clock.now() + timedelta(days=2))
        try:
            candidate.save(condition=DailyKey.day.does_not_exist())
        except PutError:  # another instance made it first: use theirs
            raw = base64.b64decode(DailyKey.get(day, consistent_read=True).key)
    with _lock:
        _cache[day] = raw
        for old in [d for d in _cache if d < day_of(clock.now() - timedelta(days=1))]:
            del _cache[old]  # a past day's key must not outlive its destruction in memory either
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
    with _lock:
        _cache.clear()
        _absent.clear()

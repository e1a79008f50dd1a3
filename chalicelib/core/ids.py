"""Identifiers: unguessable, URL-safe, and sortable by time where a listing needs it."""

from __future__ import annotations

import base64
import os
import threading
import time


def b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def random_id(prefix: str, nbytes: int = 10) -> str:
    return f"{prefix}_{b32(os.urandom(nbytes))}"


_sequence_lock = threading.Lock()
_last_millis = 0
_sequence = 0


def time_ordered_id(prefix: str = "") -> str:
    """Millisecond time + a per-process sequence + randomness: ids sort by creation time and never collide.

    Within one millisecond of one process the sequence keeps the order (an issue entry and the redemption right
    after it); across processes ids of the same millisecond are ordered by chance, as with ULIDs.
    """
    global _last_millis, _sequence
    with _sequence_lock:
        millis = int(time.time() * 1000)
        if millis <= _last_millis:
            millis = _last_millis  # the clock stepped back or stood still: stay monotonic
            _sequence += 1
        else:
            _last_millis, _sequence = millis, 0
        if _sequence > 0xFFFF:  # 65,536 ids in one millisecond: borrow the next millisecond
            _last_millis, _sequence = _last_millis + 1, 0
            millis = _last_millis
        seq = _sequence
    raw = millis.to_bytes(6, "big") + seq.to_bytes(2, "big") + os.urandom(7)
    # base32hex ("0-9a-v"): its characters sort like the values they encode; plain base32 ("a-z2-7") does not.
    value = base64.b32hexencode(raw).decode("ascii").rstrip("=").lower()
    return f"{prefix}_{value}" if prefix else value


def secret_key(prefix: str) -> str:
    return f"{prefix}_{base64.urlsafe_b64encode(os.urandom(24)).decode('ascii').rstrip('=')}"


def key_hash(secret: str) -> str:
    """API keys are stored only as this hash. They are 192-bit random, so a fast hash is enough (no KDF needed)."""
    import hashlib  # with the first keyed request: OpenSSL's hashlib is not needed at cold start

    return hashlib.sha256(secret.encode("utf-8")).hexdigest()

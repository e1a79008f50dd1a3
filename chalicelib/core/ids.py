"""Identifiers: unguessable, URL-safe, and sortable by time where a listing needs it."""

from __future__ import annotations

import base64
import hashlib
import os
import time


def b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def random_id(prefix: str, nbytes: int = 10) -> str:
    return f"{prefix}_{b32(os.urandom(nbytes))}"


def time_ordered_id(prefix: str = "") -> str:
    """Millisecond time prefix + randomness: ids sort by creation time (like ULIDs) and never collide."""
    millis = int(time.time() * 1000).to_bytes(6, "big")
    # base32hex ("0-9a-v"): its characters sort like the values they encode; plain base32 ("a-z2-7") does not,
    # so an id from the next millisecond could sort before the previous one.
    value = base64.b32hexencode(millis + os.urandom(9)).decode("ascii").rstrip("=").lower()
    return f"{prefix}_{value}" if prefix else value


def secret_key(prefix: str) -> str:
    return f"{prefix}_{base64.urlsafe_b64encode(os.urandom(24)).decode('ascii').rstrip('=')}"


def key_hash(secret: str) -> str:
    """API keys are stored only as this hash. They are 192-bit random, so a fast hash is enough (no KDF needed)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()

"""Pseudonyms for client devices: HMAC-SHA256 with a key that exists for one day only, then is destroyed."""

from __future__ import annotations

import hashlib
import hmac
import re

NON_HEX = re.compile(r"[^0-9a-f]")


def normalize_mac(mac: str) -> str:
    """`80:AD:16:8a:38:b9`, `80-ad-...`, `80ad168a38b9` all name the same device."""
    return NON_HEX.sub("", mac.lower())


def device_pseudonym(day_key: bytes, mac: str) -> str:
    return hmac.new(day_key, b"device|" + normalize_mac(mac).encode("ascii"), hashlib.sha256).hexdigest()


def sign(day_key: bytes, message: str) -> str:
    return hmac.new(day_key, b"ticket|" + message.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def verify(day_key: bytes, message: str, signature: str) -> bool:
    return hmac.compare_digest(sign(day_key, message), signature)

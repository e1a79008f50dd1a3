"""The openNDS FAS arrival query: base64 (levels 1, 4) or base64(base64(AES-256-CBC)) with an IV (levels 2, 3).

Pure: no AWS, no HTTP. The payload is `name=value` items joined by ", "; values from users or URLs arrive
URL-encoded; the string often ends in junk like `(null)(null)` which we skip. Unknown items are kept as custom.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

MAX_FAS_CHARS = 8192  # a real payload is well under 2 kB; anything bigger is not from a gateway
KNOWN_ITEMS = ("hid", "clientip", "clientmac", "client_type", "cpi_query", "gatewayname", "gatewayurl", "version",
               "gatewayaddress", "gatewaymac", "authdir", "originurl", "clientif", "themespec")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")
B64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
IV = re.compile(r"^[\x21-\x7e]{16}$")


class FasError(ValueError):
    """The query cannot be read: wrong key, tampered, truncated or not from openNDS. Never says which."""


@dataclass(frozen=True)
class FasQuery:
    """The decoded items; `raw` keeps values exactly as sent (still URL-encoded), `custom` the unknown items."""

    raw: dict[str, str]
    custom: dict[str, str] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        """The URL-decoded value."""
        value = self.raw.get(name)
        return unquote(value) if value is not None else default

    @property
    def hid(self) -> str:
        return self.raw.get("hid", "")

    @property
    def gatewayname_raw(self) -> str:
        return self.raw.get("gatewayname", "")


def php_key(faskey: str) -> bytes:
    """PHP's openssl_* rule for AES-256: the passphrase bytes, zero-padded to 32 or cut to the first 32."""
    return faskey.encode("utf-8")[:32].ljust(32, b"\0")


def _b64decode(text: str) -> bytes:
    text = text.strip().replace(" ", "+")  # '+' arrives as ' ' when the gateway did not URL-encode it
    stripped = text.rstrip("=")
    text = stripped + "=" * (-len(stripped) % 4)  # tolerate missing padding
    if len(text) > MAX_FAS_CHARS * 2 or not B64.match(text):
        raise FasError("not base64")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise FasError("not base64") from None


def decode_plain(fas: str) -> str:
    """Levels 1 and 4: one base64 layer."""
    if not fas or len(fas) > MAX_FAS_CHARS:
        raise FasError("bad length")
    return _text(_b64decode(fas))


def decrypt(fas: str, iv: str, faskey: str) -> str:
    """Levels 2 and 3: base64(openssl_encrypt(...)) where openssl_encrypt itself answers base64; the IV is the
    16 ASCII characters the gateway sent, used directly as the 16 IV bytes."""
    if not fas or len(fas) > MAX_FAS_CHARS or not iv or not IV.match(iv):
        raise FasError("bad length")
    inner = _b64decode(fas)
    try:
        ciphertext = _b64decode(inner.decode("ascii"))
    except UnicodeDecodeError:
        raise FasError("not base64") from None
    if not ciphertext or len(ciphertext) % 16:
        raise FasError("bad block")
    from cryptography.hazmat.primitives import padding  # imported on first arrival: keeps cold start lean
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    decryptor = Cipher(algorithms.AES(php_key(faskey)), modes.CBC(iv.encode("ascii"))).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        plain = unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise FasError("bad padding") from None
    return _text(plain)


def encrypt(text: str, iv: str, faskey: str) -> str:
    """What the gateway does (used by the simulated gateway in tests and by the benchmark)."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    padder = padding.PKCS7(128).padder()
    padded = padder.update(text.encode("utf-8")) + padder.finalize()
    encryptor = Cipher(algorithms.AES(php_key(faskey)), modes.CBC(iv.encode("ascii"))).encryptor()
    once = base64.b64encode(encryptor.update(padded) + encryptor.finalize())
    return base64.b64encode(once).decode("ascii")


def encode_plain(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _text(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FasError("not text") from None
    if any(ord(c) < 0x20 and c not in "\t" for c in text):
        raise FasError("control characters")
    return text


def parse(text: str) -> FasQuery:
    """Split `name=value, name=value, ...`; tokens without '=' (the `(null)` tails) are skipped, first one wins."""
    raw: dict[str, str] = {}
    custom: dict[str, str] = {}
    for token in text.split(", "):
        name, sep, value = token.strip().partition("=")
        if not sep or not NAME.match(name) or name in raw or name in custom:
            continue
        if value == "(null)":
            value = ""
        (raw if name in KNOWN_ITEMS else custom)[name] = value
    query = FasQuery(raw=raw, custom=custom)
    if not HEX64.match(query.hid) or not query.raw.get("clientmac") or not query.gatewayname_raw:
        raise FasError("incomplete")
    return query


def read(fas: str, iv: str | None, faskey: str, encrypted: bool) -> FasQuery:
    return parse(decrypt(fas, iv or "", faskey) if encrypted else decode_plain(fas))


def rhid(hid: str, faskey: str) -> str:
    """What the gateway expects back: sha256 of the hid followed by the faskey."""
    return hashlib.sha256((hid + faskey).encode("utf-8")).hexdigest()


def gateway_hash(gatewayname_raw: str) -> str:
    """How authmon names its gateway: sha256 of the gatewayname as sent (still URL-encoded)."""
    return hashlib.sha256(gatewayname_raw.strip().encode("utf-8")).hexdigest()


def build_payload(items: list[tuple[str, str]], tail: str = ", (null)(null)(null)(null)") -> str:
    """The gateway's side, for the simulated gateway in tests: items in order, then the usual junk tail."""
    return ", ".join(f"{k}={v}" for k, v in items) + tail

"""The voucher token: a compact, signed, QR-friendly proof that this city issued a voucher.

Layout (76 bytes, then base32 without padding: 122 characters of the QR alphanumeric set):

    version (1) | key id (1) | voucher id (10) | Ed25519 signature (64)

The signature covers a domain-separation label plus the first 12 bytes, so a signature made by the same key for
some other purpose can never pass as a voucher. Amount and balance are deliberately not in the token: they change
with every redemption and live on the server; the token only proves authenticity and names the voucher.
Pure Python on top of `cryptography`: no AWS, no I/O.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VERSION = 1
VOUCHER_ID_BYTES = 10
SIGNED_LEN = 2 + VOUCHER_ID_BYTES
TOKEN_BYTES = SIGNED_LEN + 64
TOKEN_CHARS = 122  # ceil(76 * 8 / 5)
DOMAIN = b"marktplatz/voucher/v1\x00"
_TOKEN_RE = re.compile(r"[A-Z2-7]{122}")
# base32 (RFC 4648) digits to the digits int(..., 32) reads: decoding becomes one C-level int conversion.
_TO_INT32 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789abcdefghijklmnopqrstuv")


class InvalidToken(Exception):
    """One generic failure for tampered, truncated, foreign or retired tokens (never says which)."""


class TokenClaims(NamedTuple):
    version: int
    kid: int
    voucher_id: str


def voucher_id_from_bytes(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def voucher_id_to_bytes(voucher_id: str) -> bytes:
    try:
        raw = base64.b32decode(voucher_id.upper() + "=" * (-len(voucher_id) % 8))
    except (binascii.Error, ValueError):
        raise ValueError("not a voucher id") from None
    if len(raw) != VOUCHER_ID_BYTES:
        raise ValueError("not a voucher id")
    return raw


def encode(kid: int, voucher_id: str, private_key: Ed25519PrivateKey) -> str:
    if not 0 <= kid <= 255:
        raise ValueError("key id must fit one byte")
    head = bytes([VERSION, kid]) + voucher_id_to_bytes(voucher_id)
    signature = private_key.sign(DOMAIN + head)
    return base64.b32encode(head + signature).decode("ascii").rstrip("=")


def parse(token: str) -> tuple[TokenClaims, bytes, bytes]:
    """Split a token into claims, the signed bytes and the signature, without verifying. Raises InvalidToken."""
    if not isinstance(token, str):
        raise InvalidToken()
    normalized = token.strip().upper()
    if not _TOKEN_RE.fullmatch(normalized):
        raise InvalidToken()
    value = int(normalized.translate(_TO_INT32), 32)
    # 122 chars carry 610 bits for 608 of data: the 2 spare bits must be zero, or two spellings would decode the same.
    if value & 0b11:
        raise InvalidToken()
    raw = (value >> 2).to_bytes(TOKEN_BYTES, "big")
    if raw[0] != VERSION:
        raise InvalidToken()
    claims = TokenClaims(version=raw[0], kid=raw[1], voucher_id=voucher_id_from_bytes(raw[2:SIGNED_LEN]))
    return claims, raw[:SIGNED_LEN], raw[SIGNED_LEN:]


def verify(token: str, public_keys: dict[int, Ed25519PublicKey]) -> TokenClaims:
    claims, signed, signature = parse(token)
    key = public_keys.get(claims.kid)
    if key is None:
        raise InvalidToken()
    try:
        key.verify(signature, DOMAIN + signed)
    except InvalidSignature:
        raise InvalidToken() from None
    return claims

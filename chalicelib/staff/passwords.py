"""Password hashing with scrypt from `cryptography` (OpenSSL's implementation; memory-hard, so guessing with GPUs
is expensive). Encoded as `scrypt$n$r$p$salt$hash` so the cost can be raised later without breaking old hashes."""

from __future__ import annotations

import base64
import os

N, R, P, LENGTH = 2**15, 8, 1, 32  # 32 MiB and ~60 ms per hash on a Lambda vCPU: OWASP's scrypt minimum or above
MIN_LENGTH, MAX_LENGTH = 12, 200


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _kdf(salt: bytes, n: int, r: int, p: int):  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=LENGTH, n=n, r=r, p=p)


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = _kdf(salt, N, R, P).derive(password.encode("utf-8"))
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            return False
        _kdf(_unb64(salt), int(n), int(r), int(p)).verify(password.encode("utf-8"), _unb64(digest))
        return True
    except Exception:  # InvalidKey, or a malformed stored hash: both simply do not match
        return False


# Spent on unknown e-mail addresses too, so the answer time does not tell which addresses have accounts.
DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


def weak_reason(password: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"at most {MAX_LENGTH} characters"
    if len(set(password)) < 5:
        return "more different characters"
    return None

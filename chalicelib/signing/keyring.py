"""A set of voucher signing keys: one signs, several verify (rotation), retired ones do neither."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from chalicelib.signing import token as token_format

# Key states, in lifecycle order. "published": in the JWK set so POS devices learn it before it signs anything.
PUBLISHED, ACTIVE, VERIFY_ONLY, RETIRED = "published", "active", "verify-only", "retired"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SigningKey:
    kid: int
    private_key: Ed25519PrivateKey
    state: str
    created_at: str = ""

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def public_bytes(self) -> bytes:
        from cryptography.hazmat.primitives import serialization  # only for JWKS and saving: off the hot path

        return self.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def to_dict(self) -> dict[str, Any]:
        from cryptography.hazmat.primitives import serialization

        raw = self.private_key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                             serialization.NoEncryption())
        return {"kid": self.kid, "d": _b64url(raw), "state": self.state, "created_at": self.created_at}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SigningKey:
        private = Ed25519PrivateKey.from_private_bytes(_unb64url(data["d"]))
        return cls(kid=int(data["kid"]), private_key=private, state=data["state"],
                   created_at=data.get("created_at", ""))


@dataclass
class KeyRing:
    keys: list[SigningKey] = field(default_factory=list)
    _public: dict[int, Ed25519PublicKey] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._public = {k.kid: k.public_key for k in self.keys if k.state != RETIRED}

    @property
    def signing_key(self) -> SigningKey:
        active = [k for k in self.keys if k.state == ACTIVE]
        if len(active) != 1:
            raise RuntimeError("exactly one voucher signing key must be active")
        return active[0]

    def sign(self, voucher_id: str) -> str:
        key = self.signing_key
        return token_format.encode(key.kid, voucher_id, key.private_key)

    def verify(self, token: str) -> token_format.TokenClaims:
        return token_format.verify(token, self._public)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [
            {"kty": "OKP", "crv": "Ed25519", "kid": str(k.kid), "x": _b64url(k.public_bytes()), "use": "sig",
             "alg": "EdDSA", "status": k.state}
            for k in sorted(self.keys, key=lambda k: k.kid) if k.state != RETIRED
        ]}

    def to_dict(self) -> dict[str, Any]:
        return {"format": 1, "keys": [k.to_dict() for k in self.keys]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KeyRing:
        return cls(keys=[SigningKey.from_dict(k) for k in data.get("keys", [])])

    def next_kid(self) -> int:
        used = {k.kid for k in self.keys}
        for kid in range(1, 256):
            if kid not in used:
                return kid
        raise RuntimeError("all 255 key ids are used")

"""The signed voucher token: round trip, every single-byte mutation refused, wrong key refused, rotation."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.signing import token as token_format
from chalicelib.signing.keyring import ACTIVE, PUBLISHED, RETIRED, VERIFY_ONLY, KeyRing, SigningKey
from chalicelib.signing.token import InvalidToken

KEY = Ed25519PrivateKey.generate()
voucher_ids = st.binary(min_size=10, max_size=10).map(token_format.voucher_id_from_bytes)


def ring(*keys: SigningKey) -> KeyRing:
    return KeyRing(list(keys))


@given(voucher_ids, st.integers(min_value=0, max_value=255))
def test_round_trip(voucher_id: str, kid: int) -> None:
    token = token_format.encode(kid, voucher_id, KEY)
    assert len(token) == token_format.TOKEN_CHARS
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    claims = token_format.verify(token, {kid: KEY.public_key()})
    assert (claims.voucher_id, claims.kid, claims.version) == (voucher_id, kid, 1)
    # lower case (a browser that lower-cased the URL) still verifies: the route is upper-case tolerant
    assert token_format.verify(token.lower(), {kid: KEY.public_key()}).voucher_id == voucher_id


def _raw(token: str) -> bytearray:
    return bytearray(base64.b32decode(token + "=" * (-len(token) % 8)))


def _tok(raw: bytes) -> str:
    return base64.b32encode(bytes(raw)).decode().rstrip("=")


def test_every_single_byte_mutation_is_refused() -> None:
    token = token_format.encode(7, "abcdefghijklmnop", KEY)
    keys = {7: KEY.public_key()}
    raw = _raw(token)
    refused = 0
    for i in range(len(raw)):
        for delta in (1, 0x80, 0xFF):
            mutated = bytearray(raw)
            mutated[i] = (mutated[i] + delta) % 256
            with pytest.raises(InvalidToken):
                token_format.verify(_tok(mutated), keys)
            refused += 1
    assert refused == 3 * 76


@settings(max_examples=300)
@given(st.integers(min_value=0, max_value=75), st.integers(min_value=1, max_value=255))
def test_any_byte_changed_any_way_is_refused(index: int, xor: int) -> None:
    token = token_format.encode(3, "abcdefghijklmnop", KEY)
    raw = _raw(token)
    raw[index] ^= xor
    with pytest.raises(InvalidToken):
        token_format.verify(_tok(raw), {3: KEY.public_key()})


@given(st.text(max_size=200))
def test_garbage_is_refused_with_the_one_generic_error(text: str) -> None:
    with pytest.raises(InvalidToken):
        token_format.verify(text, {1: KEY.public_key()})


def test_truncated_and_extended_tokens_are_refused() -> None:
    token = token_format.encode(1, "abcdefghijklmnop", KEY)
    for bad in (token[:-1], token[:-8], token + "A", token[1:], ""):
        with pytest.raises(InvalidToken):
            token_format.verify(bad, {1: KEY.public_key()})


def test_non_canonical_spare_bits_are_refused() -> None:
    token = token_format.encode(1, "abcdefghijklmnop", KEY)
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".index(token[-1])
    twin = token[:-1] + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[last | 1 if last % 2 == 0 else last & ~1]
    assert twin != token
    with pytest.raises(InvalidToken):
        token_format.verify(twin, {1: KEY.public_key()})


def test_wrong_key_and_foreign_city_are_refused() -> None:
    other_city = Ed25519PrivateKey.generate()
    foreign = token_format.encode(1, "abcdefghijklmnop", other_city)
    with pytest.raises(InvalidToken):
        token_format.verify(foreign, {1: KEY.public_key()})
    with pytest.raises(InvalidToken):  # unknown key id
        token_format.verify(token_format.encode(9, "abcdefghijklmnop", KEY), {1: KEY.public_key()})


def test_rotation_publish_activate_retire() -> None:
    old = SigningKey(1, Ed25519PrivateKey.generate(), ACTIVE)
    new = SigningKey(2, Ed25519PrivateKey.generate(), PUBLISHED)
    r = ring(old, new)
    old_token = r.sign("abcdefghijklmnop")
    assert r.verify(old_token).kid == 1
    assert {k["kid"] for k in r.jwks()["keys"]} == {"1", "2"}  # published before it signs
    old.state, new.state = VERIFY_ONLY, ACTIVE
    r = ring(old, new)
    new_token = r.sign("abcdefghijklmnop")
    assert r.verify(new_token).kid == 2
    assert r.verify(old_token).kid == 1  # both valid during the overlap
    old.state = RETIRED
    r = ring(old, new)
    with pytest.raises(InvalidToken):
        r.verify(old_token)
    assert r.verify(new_token).kid == 2
    assert [k["kid"] for k in r.jwks()["keys"]] == ["2"]


def test_keyring_serialization_round_trip() -> None:
    r = ring(SigningKey(1, Ed25519PrivateKey.generate(), ACTIVE, "2026-01-01T00:00:00Z"))
    again = KeyRing.from_dict(r.to_dict())
    token = r.sign("abcdefghijklmnop")
    assert again.verify(token).voucher_id == "abcdefghijklmnop"
    jwk = again.jwks()["keys"][0]
    assert (jwk["kty"], jwk["crv"], jwk["kid"]) == ("OKP", "Ed25519", "1")
    assert len(base64.urlsafe_b64decode(jwk["x"] + "==")) == 32

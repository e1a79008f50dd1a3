"""Where the key ring lives: Secrets Manager in production, a local key file (made on first run) in local mode."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from chalicelib.core import cache, clock, settings
from chalicelib.signing.keyring import ACTIVE, PUBLISHED, RETIRED, VERIFY_ONLY, KeyRing, SigningKey

SECRET_NAME = "voucher-keys"
CACHE_SECONDS = 300  # a rotation reaches every warm Lambda within five minutes

_lock = threading.Lock()  # one loader at a time
_keyring = cache.ttl("keyring", seconds=CACHE_SECONDS, maxsize=1)


def _local_path() -> Path:
    return settings.get().data_dir / "voucher-keys.json"


def _load() -> KeyRing:
    s = settings.get()
    if s.is_local:
        path = _local_path()
        if not path.exists():
            ring = KeyRing([SigningKey(1, Ed25519PrivateKey.generate(), ACTIVE, clock.iso(clock.now()))])
            _save_local(ring)
            return ring
        return KeyRing.from_dict(json.loads(path.read_text()))
    data = _secret_or_none()
    if data is None:
        return KeyRing([])  # a new deployment: the operator publishes and activates the first key (infra/README.md)
    if not isinstance(data, dict):
        raise settings.ConfigurationError("the voucher-keys secret must hold the key ring JSON")
    return KeyRing.from_dict(data)


def _secret_or_none() -> object:
    # Past settings.secret's process-long cache: the ring must be re-read every CACHE_SECONDS, or a warm Lambda
    # would never learn a key another one published (the rotation runbook relies on it).
    read = getattr(settings.secret, "__wrapped__", settings.secret)
    try:
        return read(SECRET_NAME)
    except Exception as err:  # the secret exists (infra creates it) but holds no value until the first publish
        code = getattr(err, "response", {}).get("Error", {}).get("Code")
        if code == "ResourceNotFoundException":
            return None
        raise


def _save_local(ring: KeyRing) -> None:
    path = _local_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(ring.to_dict(), f, indent=1)
    os.replace(tmp, path)


def keyring() -> KeyRing:
    ring = _keyring.get("ring")
    if ring is None:
        with _lock:
            ring = _keyring.get("ring")
            if ring is None:
                ring = _load()
                _keyring.put("ring", ring)
    return ring


def reset() -> None:
    _keyring.clear()


def save(ring: KeyRing) -> None:
    s = settings.get()
    if s.is_local:
        _save_local(ring)
    else:
        from chalicelib.core import aws

        aws.client("secretsmanager").put_secret_value(
            SecretId=f"{s.secrets_prefix}{SECRET_NAME}", SecretString=json.dumps(ring.to_dict()))
        settings.secret.cache_clear()
    reset()


def key_states() -> list[dict[str, object]]:
    """Every key with its state, read fresh (not from the five-minute cache): what an operator must see."""
    return [{"kid": k.kid, "state": k.state, "created_at": k.created_at}
            for k in sorted(_load().keys, key=lambda k: k.kid)]


# The key lifecycle, step by step (README "Rotating the voucher signing key"): publish, activate, retire.
def publish_new_key() -> SigningKey:
    ring = _load()
    key = SigningKey(ring.next_kid(), Ed25519PrivateKey.generate(), PUBLISHED, clock.iso(clock.now()))
    ring.keys.append(key)
    save(ring)
    return key


def activate_key(kid: int) -> None:
    ring = _load()
    target = next((k for k in ring.keys if k.kid == kid), None)
    if target is None or target.state == RETIRED:
        raise ValueError(f"key {kid} does not exist or is retired")
    for k in ring.keys:
        if k.state == ACTIVE:
            k.state = VERIFY_ONLY
    target.state = ACTIVE
    save(KeyRing(ring.keys))


def retire_key(kid: int) -> None:
    ring = _load()
    target = next((k for k in ring.keys if k.kid == kid), None)
    if target is None:
        raise ValueError(f"key {kid} does not exist")
    if target.state == ACTIVE:
        raise ValueError("activate another key before retiring the signing key")
    target.state = RETIRED
    save(KeyRing(ring.keys))

"""The signing-key lifecycle over the admin API (what `marktplatz signing-keys ...` calls), and the first key of a
new AWS deployment published into the empty secret the template creates."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADMIN_TOKEN


@pytest.fixture
def own_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A key file of this test's own: rotating keys must not disturb other tests' vouchers."""
    from chalicelib.core import settings
    from chalicelib.signing import keystore

    monkeypatch.setenv("MARKTPLATZ_DATA_DIR", str(tmp_path))
    settings.reset()
    keystore.reset()


def _states(api: Any) -> dict[int, str]:
    keys = api.json("GET", "/api/v1/signing-keys", token=ADMIN_TOKEN, expect=200)["keys"]
    return {k["kid"]: k["state"] for k in keys}


def _balance(api: Any, token: str) -> int:
    return api.call("GET", f"/api/v1/vouchers/balance?token={token}").status_code


def test_publish_activate_retire(api: Any, own_keys: None) -> None:
    assert _states(api) == {1: "active"}
    old = api.vouchers(amount=1000)[0]
    published = api.json("POST", "/api/v1/signing-keys", token=ADMIN_TOKEN, expect=201)
    assert published["kid"] == 2 and published["state"] == "published"
    jwks = api.json("GET", "/.well-known/voucher-keys.json", expect=200)
    assert {k["kid"]: k["status"] for k in jwks["keys"]} == {"1": "active", "2": "published"}
    still_old = api.vouchers(amount=1000)[0]  # a published key signs nothing yet
    assert api.json("GET", f"/api/v1/vouchers/{still_old['voucher_id']}", token=ADMIN_TOKEN)["kid"] == 1

    api.json("POST", "/api/v1/signing-keys/2/activate", token=ADMIN_TOKEN, expect=200)
    assert _states(api) == {1: "verify-only", 2: "active"}
    new = api.vouchers(amount=1000)[0]
    assert api.json("GET", f"/api/v1/vouchers/{new['voucher_id']}", token=ADMIN_TOKEN)["kid"] == 2
    assert _balance(api, old["token"]) == 200 and _balance(api, new["token"]) == 200

    refused = api.json("POST", "/api/v1/signing-keys/2/retire", token=ADMIN_TOKEN, expect=409)
    assert refused["error"]["code"] == "key_state"
    api.json("POST", "/api/v1/signing-keys/1/retire", token=ADMIN_TOKEN, expect=200)
    assert _states(api) == {1: "retired", 2: "active"}
    assert _balance(api, old["token"]) == 400  # a retired key's tokens stop verifying at once
    assert _balance(api, new["token"]) == 200
    assert [k["kid"] for k in api.json("GET", "/.well-known/voucher-keys.json")["keys"]] == ["2"]
    assert api.json("POST", "/api/v1/signing-keys/1/activate", token=ADMIN_TOKEN, expect=409)["error"][
        "code"] == "key_state"
    api.json("POST", "/api/v1/signing-keys/abc/activate", token=ADMIN_TOKEN, expect=404)


def test_only_admin_manages_keys(api: Any, own_keys: None) -> None:
    shop = api.retailer()
    api.json("GET", "/api/v1/signing-keys", expect=401)
    api.json("POST", "/api/v1/signing-keys", token=shop["api_key"], expect=403)
    api.json("POST", "/api/v1/signing-keys/1/retire", token=shop["api_key"], expect=403)


def test_first_key_of_a_new_aws_deployment(aws_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    from chalicelib.core import aws, settings
    from chalicelib.signing import keystore

    prefix = f"marktplatz-test-{uuid.uuid4().hex[:8]}/"
    sm = boto3.client("secretsmanager", endpoint_url=aws_server, region_name="eu-central-1")
    sm.create_secret(Name=f"{prefix}voucher-keys", Description="created by the template, no value")
    monkeypatch.setenv("MARKTPLATZ_MODE", "aws")
    monkeypatch.setenv("MARKTPLATZ_SECRETS_PREFIX", prefix)
    settings.reset()
    aws.reset()
    keystore.reset()

    assert keystore.key_states() == []
    first = keystore.publish_new_key()
    keystore.activate_key(first.kid)
    assert keystore.keyring().signing_key.kid == first.kid == 1
    stored = sm.get_secret_value(SecretId=f"{prefix}voucher-keys")["SecretString"]
    assert '"state": "active"' in stored


def test_a_warm_lambda_learns_a_rotation_within_the_cache_time(aws_server: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Another Lambda (here: the operator's write to the secret) publishes and activates a key; this process sees
    it once its five-minute cache is over, not only after a restart."""
    import json

    import boto3

    from chalicelib.core import aws, settings
    from chalicelib.signing import keystore

    prefix = f"marktplatz-test-{uuid.uuid4().hex[:8]}/"
    sm = boto3.client("secretsmanager", endpoint_url=aws_server, region_name="eu-central-1")
    sm.create_secret(Name=f"{prefix}voucher-keys")
    monkeypatch.setenv("MARKTPLATZ_MODE", "aws")
    monkeypatch.setenv("MARKTPLATZ_SECRETS_PREFIX", prefix)
    settings.reset()
    aws.reset()
    keystore.reset()
    keystore.activate_key(keystore.publish_new_key().kid)
    assert keystore.keyring().signing_key.kid == 1

    ring = json.loads(sm.get_secret_value(SecretId=f"{prefix}voucher-keys")["SecretString"])
    other = keystore.KeyRing.from_dict(ring)
    other.keys.append(keystore.SigningKey(2, keystore.Ed25519PrivateKey.generate(), keystore.ACTIVE, ""))
    other.keys[0].state = keystore.VERIFY_ONLY
    sm.put_secret_value(SecretId=f"{prefix}voucher-keys", SecretString=json.dumps(other.to_dict()))

    assert keystore.keyring().signing_key.kid == 1  # still cached
    from chalicelib.core import cache

    now = cache.time.monotonic()
    monkeypatch.setattr(cache.time, "monotonic", lambda: now + keystore.CACHE_SECONDS + 1)
    assert keystore.keyring().signing_key.kid == 2

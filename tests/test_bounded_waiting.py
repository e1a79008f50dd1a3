"""Bounded waiting: with the store hung, an API answer still comes within 10 s (503 store_unavailable), well inside
API Gateway's 29 s; /readyz checks the store, /healthz does not."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Api

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def hung_store(aws_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A socket that takes connections (the kernel's backlog) and never answers: a SIGSTOPped store, in-process."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    from tests.conftest import reset_caches

    yield url
    listener.close()
    monkeypatch.undo()
    reset_caches()


def _point_store_at(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.store.tables import all_models
    from chalicelib.store.transactions import drop_connections
    from tests.conftest import reset_caches

    monkeypatch.delenv("MARKTPLATZ_AWS_READ_TIMEOUT_S", raising=False)  # production's bounded waiting
    monkeypatch.setenv("MARKTPLATZ_DYNAMODB_ENDPOINT", url)
    monkeypatch.setenv("MARKTPLATZ_AWS_ENDPOINT", url)
    reset_caches()
    for model in all_models():
        model._connection = None
    drop_connections()


def test_worst_case_wait_of_one_call_is_under_ten_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.core import settings

    monkeypatch.delenv("MARKTPLATZ_AWS_READ_TIMEOUT_S", raising=False)
    for mode in ("local", "aws"):
        monkeypatch.setenv("MARKTPLATZ_MODE", mode)
        settings.reset()
        s = settings.get()
        backoff = 1.0 * (s.aws_max_attempts - 1)  # botocore's standard mode waits up to 1 s before a retry
        assert s.aws_max_attempts * (s.aws_connect_timeout_s + s.aws_read_timeout_s) + backoff < 10, mode
    settings.reset()
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    for name, stage in config["stages"].items():
        if "lambda_timeout" in stage:
            assert stage["lambda_timeout"] < 29, name  # API Gateway gives up at 29 s: answer before it does


def test_hung_store_gives_503_store_unavailable_within_10_s(api: Api, hung_store: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    shop = api.retailer()
    [voucher] = api.vouchers(5000)
    api.json("GET", "/api/v1/retailers/me", token=shop["api_key"], expect=200)  # the key is cached, as on a till
    assert api.json("GET", "/readyz", expect=200) == {"status": "ready"}
    _point_store_at(hung_store, monkeypatch)

    started = time.monotonic()
    response = api.redeem(shop["api_key"], voucher["token"], 500, expected_balance_cents=5000)
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.body
    assert json.loads(response.body)["error"]["code"] == "store_unavailable"
    assert "same Idempotency-Key" in json.loads(response.body)["error"]["message"]
    assert int(response.headers["Retry-After"]) > 0
    assert elapsed < 10

    ready = api.call("GET", "/readyz")  # a new client for its table first: its timing is load, not waiting
    assert ready.status_code == 503 and json.loads(ready.body)["error"]["code"] == "store_unavailable"
    health = api.call("GET", "/healthz")  # liveness makes no AWS call: instant, even now
    assert health.status_code == 200


def test_readyz_is_public_and_documented(api: Api) -> None:
    spec = api.json("GET", "/openapi.json", expect=200)
    assert "/readyz" in spec["paths"]
    assert not spec["paths"]["/readyz"]["get"].get("security")
    assert os.environ["MARKTPLATZ_MODE"] == "local"

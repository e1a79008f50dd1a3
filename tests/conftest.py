"""Test set-up: every test talks to a real moto server (DynamoDB wire protocol) on loopback, one per worker."""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

_DATA_DIR = tempfile.mkdtemp(prefix="marktplatz-test-")
# Set before anything imports the app: settings are read lazily, but tests must never see a developer's env.
os.environ.update({
    "MARKTPLATZ_MODE": "local",
    "MARKTPLATZ_DATA_DIR": _DATA_DIR,
    "MARKTPLATZ_BASE_URL": "https://gutschein.billerbeck.de",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "eu-central-1",
    "AWS_REGION": "eu-central-1",
    # In-process tests share two cores with servers and other workers: a slow moto answer is load, not a hung store.
    # Production's bounded waiting (3 s) is what tests/test_bounded_waiting.py and the stack (processes) run with.
    "MARKTPLATZ_AWS_READ_TIMEOUT_S": "30",
    # Every in-process test calls from 127.0.0.1 into one store: the per-client minute counters would add up across
    # tests. The tests of the limits set their own small limit.
    "MARKTPLATZ_BALANCE_LOOKUPS_PER_MINUTE": "100000",
})
for _name in ("MARKTPLATZ_ADMIN_TOKEN", "STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET"):
    os.environ.pop(_name, None)

ADMIN_TOKEN = "local-admin-token"

# Hypothesis' per-example deadline measures the machine's load, not our code: CI shares two cores with servers.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("marktplatz", deadline=None)
_hypothesis_settings.load_profile("marktplatz")


def reset_caches() -> None:
    from chalicelib.core import cache, clock

    cache.reset_all()  # every cache and memo of the app, whichever modules are loaded
    clock.reset()


@pytest.fixture(scope="session")
def aws_server() -> Iterator[str]:
    from devstack.aws_server import start_in_thread

    server, url = start_in_thread()
    os.environ["MARKTPLATZ_DYNAMODB_ENDPOINT"] = url
    os.environ["MARKTPLATZ_AWS_ENDPOINT"] = url
    reset_caches()
    from chalicelib.store.tables import create_all

    create_all()
    yield url
    server.shutdown()


@pytest.fixture(autouse=True)
def _fresh_state(request: pytest.FixtureRequest) -> Iterator[None]:
    if "aws_server" in request.fixturenames or request.node.get_closest_marker("store"):
        request.getfixturevalue("aws_server")
    reset_caches()
    yield
    from chalicelib.core import clock

    clock.reset()


@pytest.fixture
def own_tables(aws_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Tables of this test alone (a fresh prefix): for tests that read the whole town's book, such as the month
    closing or the recomputation of the totals from the ledger."""
    prefix = f"t0-{uuid.uuid4().hex[:8]}-"  # the shape tests/infra/test_access.py maps back to the logical table
    monkeypatch.setenv("MARKTPLATZ_TABLE_PREFIX", prefix)
    reset_caches()
    from chalicelib.store.tables import create_all

    create_all()
    yield prefix
    monkeypatch.undo()
    reset_caches()


@pytest.fixture
def client(aws_server: str) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local") as c:
        yield c


class Api:
    """A little sugar over chalice.test.Client for JSON calls."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def call(self, method: str, path: str, body: Any = None, token: str | None = None,
             headers: dict[str, str] | None = None, raw: str | bytes | None = None) -> Any:
        h = {"Content-Type": "application/json"}
        if token:
            h["Authorization"] = f"Bearer {token}"
        h.update(headers or {})
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(self.client.http, method.lower())(path, headers=h, body=payload)
        return response

    def json(self, method: str, path: str, body: Any = None, token: str | None = None, expect: int | None = None,
             headers: dict[str, str] | None = None) -> Any:
        response = self.call(method, path, body, token, headers)
        data = json.loads(response.body) if response.body else None
        if expect is not None:
            assert response.status_code == expect, (response.status_code, data)
        return data

    def retailer(self, zone: str = "markt", name: str = "Laden") -> dict[str, Any]:
        return self.json("POST", "/api/v1/retailers", {"name": name, "address": "Markt 1", "email": "a@b.de",
                                                        "zone": zone}, ADMIN_TOKEN, expect=201)

    def vouchers(self, amount: int = 5000, quantity: int = 1, **extra: Any) -> list[dict[str, Any]]:
        body = {"amount_cents": amount, "quantity": quantity, **extra}
        return self.json("POST", "/api/v1/vouchers", body, ADMIN_TOKEN, expect=201)["vouchers"]

    def redeem(self, key: str, token: str, amount: int, idem: str | None = None, **extra: Any) -> Any:
        return self.call("POST", "/api/v1/redemptions", {"token": token, "amount_cents": amount, **extra}, key,
                         headers={"Idempotency-Key": idem or uuid.uuid4().hex})


@pytest.fixture
def api(client: Any) -> Api:
    return Api(client)


@contextmanager
def without_test_timeouts() -> Iterator[dict[str, str]]:
    """The environment as a real stack gets it: production's store timeouts, not the in-process tests' patience."""
    saved = os.environ.pop("MARKTPLATZ_AWS_READ_TIMEOUT_S", None)
    try:
        yield dict(os.environ)
    finally:
        if saved is not None:
            os.environ["MARKTPLATZ_AWS_READ_TIMEOUT_S"] = saved


@pytest.fixture(scope="session")
def stack() -> Iterator[Any]:
    """The real local stack as processes (moto server + chalice local + whatever devstack starts), on free ports."""
    from pathlib import Path

    from devstack.run import Stack, free_port

    root = Path(__file__).resolve().parent.parent
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    data_dir = Path(tempfile.mkdtemp(prefix=f"marktplatz-stack-{worker}-"))
    running = Stack(app_port=free_port(), aws_port=free_port(), data_dir=data_dir, seed=True,
                    log_dir=root / "test-artifacts" / f"stack-logs-{worker}")
    try:
        with without_test_timeouts():
            running.start()
        yield running
    finally:
        running.stop()

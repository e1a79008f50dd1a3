"""The local stack keeps a town's data: a SIGTERM restart and a `kill -9` of every process lose nothing answered,
demo data is seeded only once, a dead app process is restarted, and a second SIGTERM during shutdown leaves no
process behind."""

from __future__ import annotations

import json
import os
import signal
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from devstack.run import free_port
from tests.conftest import ADMIN_TOKEN, without_test_timeouts
from tests.support.processes import MakeRun

pytestmark = [pytest.mark.stack, pytest.mark.xdist_group("stack")]
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def make_run() -> Iterator[MakeRun]:
    data_dir = Path(tempfile.mkdtemp(prefix="mp-durable-"))
    with without_test_timeouts() as environ:
        env = {**environ, "PORT": str(free_port()), "GATEWAY_PORT": str(free_port()),
               "MARKTPLATZ_DATA_DIR": str(data_dir)}
    env.pop("MARKTPLATZ_BASE_URL", None)
    run = MakeRun(env)
    try:
        yield run
    finally:
        run.ensure_stopped()


def _redeem(base: str, key: str, token: str, amount: int, idem: str) -> requests.Response:
    return requests.post(f"{base}/api/v1/redemptions", json={"token": token, "amount_cents": amount}, timeout=30,
                         headers={"Authorization": f"Bearer {key}", "Idempotency-Key": idem})


def _voucher(base: str, voucher_id: str) -> dict:
    return requests.get(f"{base}/api/v1/vouchers/{voucher_id}", headers=ADMIN, timeout=30).json()


def test_data_survives_a_sigterm_restart_and_a_kill_9_of_every_process(make_run: MakeRun) -> None:
    base = f"http://127.0.0.1:{make_run.env['PORT']}"
    data_dir = Path(make_run.env["MARKTPLATZ_DATA_DIR"])
    make_run.start()
    demo = json.loads((data_dir / "demo.json").read_text())
    key, voucher = demo["retailers"][0]["api_key"], demo["vouchers"][0]
    first = _redeem(base, key, voucher["token"], 300, "till-1")
    assert first.status_code == 201, first.text
    shop = requests.post(f"{base}/api/v1/retailers", headers=ADMIN, timeout=30, json={
        "name": "Metzgerei Nach Restart", "address": "Markt 9", "email": "m@example.org", "zone": "markt"})
    assert shop.status_code == 201

    os.kill(make_run.child("devstack.app_server"), signal.SIGKILL)  # the app dies; make run brings it back
    make_run.wait_for_line("the app process is running again")
    assert "restarting it" in "".join(make_run.output)
    for _ in range(3):  # as any client does with 503 + Retry-After: on a loaded machine the store may be slow
        answer = requests.get(f"{base}/api/v1/vouchers/{voucher['voucher_id']}", headers=ADMIN, timeout=30)
        if answer.status_code != 503:
            break
        time.sleep(int(answer.headers.get("Retry-After", "1")))
    assert answer.json().get("balance_cents") == voucher["balance_cents"] - 300, answer.text

    assert make_run.stop(signal.SIGTERM, signal.SIGTERM) < 10  # a second signal does not cut the clean-up short
    banner = make_run.start()
    assert key in banner  # the demo keys of the first start, not a second set of demo data
    assert json.loads((data_dir / "demo.json").read_text()) == demo
    names = [s["name"] for s in requests.get(f"{base}/api/v1/shops", timeout=30).json()["shops"]]
    assert sorted(names) == sorted([r["name"] for r in demo["retailers"]] + ["Metzgerei Nach Restart"])
    again = _redeem(base, key, voucher["token"], 300, "till-1")  # the till's retry after the restart
    assert again.status_code == 201 and again.json()["redemption_id"] == first.json()["redemption_id"]
    second = _redeem(base, key, voucher["token"], 200, f"till-{uuid.uuid4().hex}")
    assert second.status_code == 201 and second.json()["balance_cents"] == voucher["balance_cents"] - 500

    make_run.kill_everything()
    make_run.start()
    stored = _voucher(base, voucher["voucher_id"])
    assert stored["balance_cents"] == voucher["balance_cents"] - 500, stored
    assert [e["amount_cents"] for e in stored["ledger"] if e["kind"] == "redemption"] == [-300, -200]
    assert len(requests.get(f"{base}/api/v1/shops", timeout=30).json()["shops"]) == 3
    assert make_run.stop() < 10

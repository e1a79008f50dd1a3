"""The openNDS simulation over real HTTP against the local stack (moto server + `chalice local`): query strings
with raw base64 ('+' and '/' unescaped, as openNDS sends them), form POSTs, redirects and headers as served."""

from __future__ import annotations

import os
from typing import Any

import pytest
import requests

from devstack.opennds_sim import HttpClient, SimulatedOpenNDS
from tests.conftest import ADMIN_TOKEN
from tests.wlan.test_opennds_flow import LIMITS, go_online

pytestmark = [pytest.mark.stack, pytest.mark.xdist_group("stack")]


@pytest.mark.parametrize("level", [2, 3])
def test_opennds_over_the_local_stack(stack: Any, level: int) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    faskey = os.urandom(16).hex()
    created = requests.post(f"{stack.app_url}/api/v1/gateways", headers=admin, timeout=10, json={
        "name": "Stack Node", "vendor": "opennds", "zone": "markt", "session_minutes": 120, "upload_kbps": 500,
        "download_kbps": 2000, "upload_quota_kb": 100000, "download_quota_kb": 500000,
        "opennds": {"security_level": level, "faskey": faskey}})
    assert created.status_code == 201
    sim = SimulatedOpenNDS(HttpClient(stack.app_url), created.json()["gateway_id"], faskey, level)
    guests = [sim.capture(f"02:5a:00:00:00:{i:02x}", f"10.3.0.{i + 2}") for i in range(3)]
    for guest in guests:
        go_online(sim, guest)
        if level == 3:
            assert sim.authenticated[guest.rhid][1:7] == [guest.rhid, *LIMITS]
    assert set(sim.authenticated) == {g.rhid for g in guests}

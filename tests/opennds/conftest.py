"""The real-gateway tier: Debian's openNDS in network namespaces in front of a curl guest, the local stack as its FAS.

Needs root (network namespaces) and Debian packages, which the set-up installs with apt-get when missing. openNDS is
one per machine (its scripts find `opennds` and `authmon.sh` by name), so every test here is in one xdist group and
the tier starts one gateway at a time. Everything made here is removed at the end, also when a test fails.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import ADMIN_TOKEN
from tests.opennds.gateway import FAS_IP, Network, RealOpenNDS, ensure_packages

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "test-artifacts" / "opennds"


@pytest.fixture(scope="module")
def fas() -> Iterator[Any]:
    """The local stack as processes, reachable from the namespaces as https://10.77.0.2 (and http for levels 1-2)."""
    from devstack.run import Stack, free_port

    ensure_packages()
    stack = Stack(app_port=free_port(), aws_port=free_port(), data_dir=Path(tempfile.mkdtemp(prefix="marktplatz-fas-")),
                  seed=False, log_dir=LOGS / "stack", base_url=f"https://{FAS_IP}")
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def net(fas: Any) -> Iterator[Network]:
    network = Network(app_port=fas.app_port)
    try:
        yield network.open()
    finally:
        network.close()
        _keep_logs(network)
        shutil.rmtree(network.work, ignore_errors=True)


def _keep_logs(network: Network) -> None:
    LOGS.mkdir(parents=True, exist_ok=True)
    for log in network.work.glob("*.log"):
        (LOGS / log.name).write_bytes(log.read_bytes())
    if network.record_file.exists():
        (LOGS / network.record_file.name).write_bytes(network.record_file.read_bytes())


@pytest.fixture
def gateway(fas: Any, net: Network) -> Iterator[Callable[..., RealOpenNDS]]:
    """Registers a gateway with the FAS and starts openNDS for it; stops it after the test, whatever happened."""
    running: list[RealOpenNDS] = []

    def start(level: int, *, session_minutes: int = 120, hold_authmon: bool = False,
              sessiontimeout: int = 30) -> RealOpenNDS:
        faskey = os.urandom(16).hex()
        created = requests.post(f"{fas.app_url}/api/v1/gateways", timeout=10,
                                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                                json={"name": f"Real L{level}", "vendor": "opennds", "zone": "markt",
                                      "session_minutes": session_minutes,
                                      "opennds": {"security_level": level, "faskey": faskey}})
        assert created.status_code == 201, created.text
        if hold_authmon:
            net.hold_file.unlink(missing_ok=True)
        else:
            net.hold_file.touch()
        gateway_id = created.json()["gateway_id"]
        gw = RealOpenNDS(net, level, faskey, f"/wlan/fas/{gateway_id}", sessiontimeout=sessiontimeout,
                         gateway_id=gateway_id)
        running.append(gw)
        return gw.start()

    try:
        yield start
    finally:
        for gw in running:
            gw.stop()
        net.hold_file.touch()

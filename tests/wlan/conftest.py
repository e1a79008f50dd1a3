"""WLAN fixtures: gateways registered through the admin API, and the simulated openNDS gateway."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devstack.opennds_sim import SimulatedOpenNDS
from tests.conftest import ADMIN_TOKEN, Api


@pytest.fixture(autouse=True)
def _wlan_caches() -> Iterator[None]:
    from chalicelib.core import cache

    cache.reset_all()
    yield
    cache.reset_all()


@pytest.fixture
def register(api: Api) -> Callable[..., dict[str, Any]]:
    def make(level: int = 3, *, zone: str = "markt", faskey: str | None = None, **extra: Any) -> dict[str, Any]:
        body = {"name": f"Markt Node L{level}", "vendor": "opennds", "zone": zone, "session_minutes": 120,
                "upload_kbps": 500, "download_kbps": 2000, "upload_quota_kb": 100000, "download_quota_kb": 500000,
                "opennds": {"security_level": level, "faskey": faskey or os.urandom(16).hex()}}
        body.update(extra)
        created = api.json("POST", "/api/v1/gateways", body, ADMIN_TOKEN, expect=201)
        created["_faskey"] = body["opennds"]["faskey"]
        return created
    return make


@pytest.fixture
def opennds(client: Any, register: Callable[..., dict[str, Any]]) -> Callable[..., SimulatedOpenNDS]:
    def make(level: int, **kwargs: Any) -> SimulatedOpenNDS:
        sim_kwargs = {k: kwargs.pop(k) for k in ("gatewayname", "address") if k in kwargs}
        gw = register(level, **kwargs)
        return SimulatedOpenNDS(client, gw["gateway_id"], gw["_faskey"], level, **sim_kwargs)
    return make

"""The domains' business metrics, emitted once per business event (EMF lines captured at the facade)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest

from chalicelib.core import metrics
from devstack.opennds_sim import SimulatedOpenNDS
from tests.payments.conftest import Shop, event, localstripe, shop  # noqa: F401 - fixtures
from tests.wlan.conftest import _wlan_caches, opennds, register  # noqa: F401 - fixtures
from tests.wlan.test_opennds_flow import go_online


@pytest.fixture
def emitted(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    monkeypatch.setattr(metrics, "_write", lambda line: lines.append(json.loads(line)))
    return lines


def test_a_paid_order_counts_its_vouchers_once(shop: Shop, emitted: list) -> None:  # noqa: F811
    order = shop.paid_order(2500, 2)
    again = shop.deliver(event("payment_intent.succeeded", shop.intent(order)))  # Stripe retries
    assert again.status_code == 200
    sold = [doc for doc in emitted if "VouchersSold" in doc]
    assert [(d["VouchersSold"], d["VouchersSoldEuros"]) for d in sold] == [(2, 50.0)]


def test_a_wlan_grant_is_counted_once(opennds: Callable[..., SimulatedOpenNDS], emitted: list) -> None:  # noqa: F811
    sim = opennds(3)
    guest = sim.capture("80:ad:16:8a:38:b9", "192.168.8.20")
    go_online(sim, guest)
    assert [doc["WlanGrants"] for doc in emitted if "WlanGrants" in doc] == [1]
    assert "80:ad:16" not in json.dumps(emitted)


def test_a_meraki_grant_is_counted_too(api: Any, client: Any, emitted: list) -> None:
    from devstack.opennds_sim import FORM, form_of, text
    from tests.wlan.test_meraki_capport_privacy import meraki_gateway, meraki_query

    gw = meraki_gateway(api)
    page = client.http.get(f"/wlan/meraki/{gw['gateway_id']}?{meraki_query()}")
    action, fields = form_of(text(page))
    assert client.http.post(action, headers=FORM, body=urlencode(fields)).status_code == 303
    assert [doc["WlanGrants"] for doc in emitted if "WlanGrants" in doc] == [1]


def test_ingested_footfall_records_are_counted(api: Any, emitted: list) -> None:
    from tests.footfall.conftest import Footfall, records, utc

    ff = Footfall(api)
    key = ff.sensor(ff.zone())["ingest_key"]
    batch = records(utc(2026, 5, 4, 8), 8) + [{"timestamp": "kaputt", "interval_minutes": 15, "count": 1}]
    assert ff.ingest(key, batch)["accepted"] == 8
    assert [doc["FootfallRecordsIngested"] for doc in emitted if "FootfallRecordsIngested" in doc] == [8]

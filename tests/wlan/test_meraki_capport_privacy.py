"""Meraki click-through, RFC 8908 field by field, and privacy after a simulated day."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from chalicelib.core import clock
from chalicelib.store.tables import all_models
from devstack.opennds_sim import FORM, SimulatedOpenNDS, form_of, text
from tests.conftest import ADMIN_TOKEN, Api
from tests.wlan.test_opennds_flow import go_online

GRANT = "https://n143.network-auth.com/splash/grant"


def meraki_gateway(api: Api, zone: str = "markt") -> dict[str, Any]:
    return api.json("POST", "/api/v1/gateways", {
        "name": "Meraki Rathaus", "vendor": "meraki", "zone": zone, "session_minutes": 45,
        "meraki": {"grant_hosts": ["n143.network-auth.com"]}, "wifi4eu_network_id": "abc-123"}, ADMIN_TOKEN, expect=201)


def meraki_query(base: str = GRANT, mac: str = "02:11:22:33:44:55", ip: str = "10.5.0.9") -> str:
    return urlencode({"base_grant_url": base, "user_continue_url": "http://example.org/news", "node_id": "123",
                      "node_mac": "00:18:0a:00:00:01", "gateway_id": "999", "client_ip": ip, "client_mac": mac})


def test_meraki_redirect_and_foreign_grant_url(api: Api, client: Any) -> None:
    gw = meraki_gateway(api)
    assert gw["fas_url"].endswith(f"/wlan/meraki/{gw['gateway_id']}") and gw["meraki"]["grant_hosts"]
    page = client.http.get(f"/wlan/meraki/{gw['gateway_id']}?{meraki_query()}")
    assert page.status_code == 200 and "wifi4euNetworkIdentifier='abc-123'" in text(page)
    action, fields = form_of(text(page))
    done = client.http.post(action, headers=FORM, body=urlencode(fields))
    assert done.status_code == 303
    target = urlsplit(done.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == GRANT
    query = dict(parse_qsl(target.query))
    assert query["duration"] == str(45 * 60)
    assert query["continue_url"].startswith(f"https://gutschein.billerbeck.de/wlan/sessions/{fields['s']}")
    assert "to=http%3A%2F%2Fexample.org%2Fnews" in query["continue_url"]
    status = json.loads(client.http.get(f"/capport/{fields['s']}").body)
    assert status["captive"] is False and 44 * 60 < status["seconds-remaining"] <= 45 * 60
    # foreign base_grant_url: in the splash query, or swapped into the form
    for foreign in ("https://evil.example/splash/grant", "http://n143.network-auth.com/splash/grant"):
        assert client.http.get(f"/wlan/meraki/{gw['gateway_id']}?{meraki_query(foreign)}").status_code == 403
        swapped = client.http.post(action, headers=FORM, body=urlencode({**fields, "base_grant_url": foreign}))
        assert swapped.status_code == 403 and "Location" not in swapped.headers
    # a signed ticket for one grant URL does not carry over to another allowed one
    other = {**fields, "base_grant_url": "https://n143.network-auth.com/other"}
    assert client.http.post(action, headers=FORM, body=urlencode(other)).status_code == 403


def test_capport_field_by_field(opennds: Callable[..., SimulatedOpenNDS], client: Any) -> None:
    unknown = client.http.get("/capport/ws_doesnotexist0000")
    assert unknown.status_code == 200
    assert unknown.headers["Content-Type"] == "application/captive+json"
    assert unknown.headers["Cache-Control"] == "private"
    assert json.loads(unknown.body) == {
        "captive": True, "user-portal-url": "https://gutschein.billerbeck.de/wlan/sessions/ws_doesnotexist0000?lang=de"}
    assert json.loads(client.http.get("/capport/" + "x" * 300).body)["captive"] is True

    sim = opennds(3)
    guest = sim.capture("02:12:00:00:00:01", "10.0.1.1")
    splash = client.http.get(sim.redirect_path(guest))
    action, fields = form_of(text(splash))
    assert f"/capport/{fields['s']}" in text(splash)  # handed out on the portal page
    client.http.post(action, headers=FORM, body=urlencode(fields))
    waiting = client.http.get(f"/capport/{fields['s']}")
    assert json.loads(waiting.body) == {"captive": True, "user-portal-url":
                                        f"https://gutschein.billerbeck.de/wlan/sessions/{fields['s']}?lang=de"}
    sim.authmon_cycle()
    online = client.http.get(f"/capport/{fields['s']}")
    body = json.loads(online.body)
    assert set(body) == {"captive", "user-portal-url", "seconds-remaining", "can-extend-session"}
    assert body["captive"] is False and body["can-extend-session"] is False
    assert isinstance(body["seconds-remaining"], int) and 119 * 60 < body["seconds-remaining"] <= 120 * 60
    assert body["user-portal-url"].startswith("https://")
    assert online.headers["Content-Type"] == "application/captive+json" and online.headers["Cache-Control"] == "private"
    clock.shift(30 * 60)
    assert json.loads(client.http.get(f"/capport/{fields['s']}").body)["seconds-remaining"] <= 90 * 60
    clock.shift(91 * 60)
    assert json.loads(client.http.get(f"/capport/{fields['s']}").body)["captive"] is True


MAC_FORMS = (str.lower, str.upper, lambda m: m.replace(":", ""), lambda m: m.replace(":", "-"),
             lambda m: m.replace(":", "").upper())


def test_privacy_after_a_simulated_day(opennds: Callable[..., SimulatedOpenNDS], api: Api, client: Any,
                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    app_logger = logging.getLogger("marktplatz")  # Chalice stops this one propagating to the root logger
    app_logger.addHandler(caplog.handler)
    app_logger.setLevel(logging.DEBUG)
    macs = [f"02:7a:{i:02x}:3c:4d:{i + 16:02x}" for i in range(4)]
    ips = [f"10.77.{i}.{i + 100}" for i in range(4)]
    zone = f"privacy-{uuid.uuid4().hex[:6]}"
    sims = [opennds(level, zone=zone, gatewayname=f"Privacy%20L{level}") for level in (1, 2, 3, 4)]
    for sim, mac, ip in zip(sims, macs, ips, strict=True):
        guest = sim.capture(mac, ip)
        go_online(sim, guest)
        if sim.level in (3, 4):
            now = int(clock.now().timestamp())
            sim.deauth(guest, "timeout_deauth", now - 600, now)
    gw = meraki_gateway(api, zone)
    action, fields = form_of(text(client.http.get(f"/wlan/meraki/{gw['gateway_id']}?"
                                                  f"{meraki_query(mac='02:7a:99:3c:4d:99', ip='10.77.9.9')}")))
    client.http.post(action, headers=FORM, body=urlencode(fields))
    macs.append("02:7a:99:3c:4d:99")
    ips.append("10.77.9.9")

    from chalicelib.wlan.models import DailyKey, DeviceDay, Grant, WlanHourlyCount, WlanSession

    for session in WlanSession.scan():  # session records carry a TTL of at most 7 days
        assert session.expires_at.timestamp() - int(session.granted_at) <= 7 * 24 * 3600
    for grant in Grant.scan():
        assert grant.expires_at is None or grant.expires_at.timestamp() - clock.now().timestamp() <= 7 * 24 * 3600

    hours = list(WlanHourlyCount.query(zone))
    assert sum(int(h.sessions) for h in hours) == 5 and sum(int(h.devices) for h in hours) == 5
    assert sum(int(h.dwell_minutes) for h in hours) == 20
    assert any(True for _ in DailyKey.scan()) and any(True for _ in DeviceDay.scan())

    clock.shift(26 * 3600)  # the day is over: the hourly job destroys its key and device markers
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=[])
    result = client.lambda_.invoke("destroy_wlan_day_keys", event)
    assert result.payload["keys_destroyed"] >= 1
    assert [k.day for k in DailyKey.scan() if k.day < clock.now().strftime("%Y-%m-%d")] == []
    assert list(DeviceDay.scan()) == []

    needles = {form(mac) for mac in macs for form in MAC_FORMS} | set(ips)
    dumped = []
    for model in all_models():
        for item in model.scan():
            dumped.append(json.dumps(item.to_simple_dict(), default=str))
    everything = "\n".join(dumped)
    assert zone in everything  # the scan really saw our data
    leaks = sorted(n for n in needles if re.search(re.escape(n), everything, re.IGNORECASE))
    assert leaks == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "wlan grant" in logged
    assert sorted(n for n in needles if n.lower() in logged.lower()) == []
    app_logger.removeHandler(caplog.handler)

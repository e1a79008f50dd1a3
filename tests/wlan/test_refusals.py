"""Everything that is not an honest gateway is refused with the same plain 403 page (or 4xx), never a 500."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from chalicelib.wlan import fas_query
from devstack.opennds_sim import FORM, SimulatedOpenNDS, form_of, text
from tests.conftest import ADMIN_TOKEN, Api


def refused(response: Any) -> bool:
    return response.status_code == 403 and "Zugriff verweigert" in text(response) and "reason" not in text(response)


def test_arrivals_refused(opennds: Callable[..., SimulatedOpenNDS], client: Any, api: Api) -> None:
    sim3 = opennds(3)
    sim1 = opennds(1)
    guest = sim3.capture("02:dd:00:00:00:01", "10.0.0.8")
    good = sim3.redirect_path(guest)
    fas = good.split("fas=")[1].split("&")[0]
    iv = good.split("iv=")[1]
    gw = sim3.gateway_id
    cases = {
        "wrong faskey": f"/wlan/fas/{gw}?fas={fas_query.encrypt(sim3.payload(guest), iv, 'wrong-key-123')}&iv={iv}",
        "tampered fas": f"/wlan/fas/{gw}?fas={fas[:40]}{'A' if fas[40] != 'A' else 'B'}{fas[41:]}&iv={iv}",
        "truncated fas": f"/wlan/fas/{gw}?fas={fas[:-12]}&iv={iv}",
        "missing iv": f"/wlan/fas/{gw}?fas={fas}",
        "bad iv": f"/wlan/fas/{gw}?fas={fas}&iv=short",
        "level 1 query at level 3": f"/wlan/fas/{gw}?fas={fas_query.encode_plain(sim3.payload(guest))}",
        "level 3 query at level 1": f"/wlan/fas/{sim1.gateway_id}?fas={fas}&iv={iv}",
        "unknown gateway": f"/wlan/fas/gw_doesnotexist?fas={fas}&iv={iv}",
        "huge": f"/wlan/fas/{gw}?fas={'A' * 20000}&iv={iv}",
        "malformed": f"/wlan/fas/{gw}?fas=%%%%&iv=%00%01",
        "no fas": f"/wlan/fas/{gw}",
        "level 0": f"/wlan/fas/{gw}?authaction=http://192.168.8.1:2050/opennds_auth/&tok=abcd1234&redir=x",
        "long gateway id": f"/wlan/fas/{'g' * 300}?fas={fas}&iv={iv}",
    }
    for name, path in cases.items():
        response = client.http.get(path)
        assert refused(response), (name, response.status_code, text(response)[:200])
    # another gatewayname at a level-3 gateway whose hash is pinned already
    assert client.http.get(good).status_code == 200
    sim3.gatewayname = "Somebody%20Else"
    assert refused(client.http.get(sim3.redirect_path(sim3.capture("02:dd:00:00:00:02", "10.0.0.9"))))
    # disabled gateway: arrivals, acceptance and authmon all refused at once
    sim3.gatewayname = SimulatedOpenNDS.gatewayname
    splash = client.http.get(sim3.redirect_path(guest))
    action, fields = form_of(text(splash))
    api.json("POST", f"/api/v1/gateways/{gw}/disable", None, ADMIN_TOKEN, expect=200)
    assert refused(client.http.get(good))
    assert refused(client.http.post(action, headers=FORM, body=urlencode(fields)))
    assert sim3.authmon_cycle()[0] == ""
    assert sim3.log[-2].endswith("-> 200 ''") and sim3.log[-1].endswith("-> 200 ''")  # nothing for a disabled one


def test_acceptance_forgeries_refused(opennds: Callable[..., SimulatedOpenNDS], client: Any) -> None:
    sim = opennds(4)
    guest = sim.capture("02:ee:00:00:00:01", "10.0.0.10")
    action, fields = form_of(text(client.http.get(sim.redirect_path(guest))))
    other = sim.capture("02:ee:00:00:00:02", "10.0.0.11")
    forged = [
        {**fields, "sig": "0" * 32},
        {**fields, "t": str(int(fields["t"]) - 3600)},
        {**fields, "s": "ws_aaaaaaaaaaaaaaaa"},
        {**fields, "fas": sim.redirect_path(other).split("fas=")[1]},  # someone else's arrival with this ticket
        {k: v for k, v in fields.items() if k != "sig"},
    ]
    for body in forged:
        assert refused(client.http.post(action, headers=FORM, body=urlencode(body))), body
    assert refused(client.http.post(action, headers=FORM, body="x=" + "A" * 20000))
    assert refused(client.http.post(action, headers=FORM, body="\xff\xfe=%%%"))
    assert client.http.post(action, headers=FORM, body=urlencode(fields)).status_code == 303


def test_level_1_grant_never_redirects_off_the_lan(opennds: Callable[..., SimulatedOpenNDS], client: Any) -> None:
    sim = opennds(1, address="203.0.113.9:2050")  # a public address: an open redirect in disguise
    guest = sim.capture("02:ef:00:00:00:01", "10.0.0.12")
    action, fields = form_of(text(client.http.get(sim.redirect_path(guest))))
    assert refused(client.http.post(action, headers=FORM, body=urlencode(fields)))


def test_authmon_refusals(opennds: Callable[..., SimulatedOpenNDS], client: Any) -> None:
    sim3 = opennds(3)
    sim4 = opennds(4, gatewayname="Vier%20Node")
    for sim in (sim3, sim4):
        client.http.get(sim.redirect_path(sim.capture("02:f0:00:00:00:01", "10.0.0.13")))  # pins the hash
        assert sim.authmon_cycle() == ("*", "ack")
    ua = {"User-Agent": sim3.user_agent}
    unknown = hashlib.sha256(b"nobody").hexdigest()
    none = base64.b64encode(b"none").decode()
    # unknown gatewayhash, wrong level for the method, unknown gateway: nothing for you (empty 200)
    unanswered = [
        ("POST", sim3.gateway_id, {"auth_get": "view", "gatewayhash": unknown, "payload": none}),
        ("GET", sim3.gateway_id, {"auth_get": "view", "gatewayhash": sim3.gatewayhash, "payload": none}),
        ("POST", sim4.gateway_id, {"auth_get": "view", "gatewayhash": sim4.gatewayhash, "payload": none}),
        ("POST", sim4.gateway_id, {"auth_get": "view", "gatewayhash": sim3.gatewayhash, "payload": none}),
        ("POST", sim3.gateway_id, {"auth_get": "clear", "gatewayhash": unknown, "payload": none}),
        ("POST", "gw_unknown", {"auth_get": "view", "gatewayhash": sim3.gatewayhash, "payload": none}),
    ]
    # not authmon's format at all: refused
    malformed = [
        ("POST", sim3.gateway_id, {"auth_get": "list!", "gatewayhash": sim3.gatewayhash}),
        ("POST", sim3.gateway_id, {"auth_get": "view", "gatewayhash": "short"}),
        ("POST", sim3.gateway_id, {"auth_get": "view", "gatewayhash": sim3.gatewayhash, "payload": "A" * 9000}),
    ]
    for status, cases in ((200, unanswered), (403, malformed)):
        for method, gateway_id, params in cases:
            if method == "POST":
                r = client.http.post(f"/wlan/fas/{gateway_id}", headers={**ua, **FORM}, body=urlencode(params))
            else:
                r = client.http.get(f"/wlan/fas/{gateway_id}?{urlencode(params)}", headers=ua)
            assert r.status_code == status and text(r) == "", (method, params, r.status_code, text(r))
    # acking an rhid that was never granted changes nothing and still answers ack
    assert sim3.request("view", "* " + "c" * 64) == (200, "ack")
    assert sim3.request("custom", "aGVsbG8=") == (200, "ack")


def test_admin_validation_never_500(api: Api) -> None:
    bad_bodies = [
        {}, {"name": "x", "vendor": "unifi", "zone": "markt"},
        {"name": "x", "vendor": "opennds", "zone": "m" * 65, "opennds": {"security_level": 3, "faskey": "k" * 10}},
        {"name": "x", "vendor": "opennds", "zone": "markt", "opennds": {"security_level": 5, "faskey": "k" * 10}},
        {"name": "x", "vendor": "opennds", "zone": "markt", "opennds": {"security_level": 3, "faskey": "short"}},
        {"name": "x", "vendor": "opennds", "zone": "markt", "opennds": {"security_level": 3}},
        {"name": "x", "vendor": "opennds", "zone": "markt", "session_minutes": 0,
         "opennds": {"security_level": 3, "faskey": "k" * 10}},
        {"name": "x", "vendor": "meraki", "zone": "markt", "meraki": {"grant_hosts": ["not a host"]}},
        {"name": "x", "vendor": "meraki", "zone": "markt"},
    ]
    for body in bad_bodies:
        err = api.json("POST", "/api/v1/gateways", body, ADMIN_TOKEN, expect=400)
        assert err["error"]["code"] == "invalid_request", body
    api.json("POST", "/api/v1/gateways", {"name": "x"}, None, expect=401)
    assert api.call("POST", "/api/v1/gateways", raw="{nope", token=ADMIN_TOKEN).status_code == 400
    api.json("GET", "/api/v1/gateways/gw_nothing", None, ADMIN_TOKEN, expect=404)


def test_gateway_admin_never_shows_the_faskey(api: Api, register: Callable[..., dict[str, Any]]) -> None:
    gw = register(2, faskey="SuperSecretFaskey")
    answers = [gw, api.json("GET", f"/api/v1/gateways/{gw['gateway_id']}", None, ADMIN_TOKEN, expect=200),
               api.json("GET", "/api/v1/gateways", None, ADMIN_TOKEN, expect=200),
               api.json("PATCH", f"/api/v1/gateways/{gw['gateway_id']}", {"session_minutes": 30, "zone": "kirchplatz",
                        "opennds": {"gatewayname": "Node%201"}}, ADMIN_TOKEN, expect=200)]
    assert gw["fas_url"] == f"https://gutschein.billerbeck.de/wlan/fas/{gw['gateway_id']}"
    for answer in answers:
        assert "SuperSecretFaskey" not in str({k: v for k, v in answer.items() if k != "_faskey"})
    changed = answers[-1]
    assert changed["session_minutes"] == 30 and changed["zone"] == "kirchplatz"
    assert {k: v for k, v in changed["opennds"].items() if k != "router_settings"} == {
        "security_level": 2, "faskey_set": True, "gatewayhash": hashlib.sha256(b"Node%201").hexdigest()}
    assert changed["opennds"]["router_settings"]["sessiontimeout"] == 30
    disabled = api.json("POST", f"/api/v1/gateways/{gw['gateway_id']}/disable", None, ADMIN_TOKEN, expect=200)
    assert disabled["status"] == "disabled"
    assert api.json("POST", f"/api/v1/gateways/{gw['gateway_id']}/enable", None, ADMIN_TOKEN, expect=200)["status"] \
        == "active"

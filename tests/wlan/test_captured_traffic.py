"""The simulated gateway against what Debian's real openNDS 9.10 sent (devstack/captured/, recorded by tests/opennds):
the simulator must produce the same bytes, and the FAS must read the real ones."""

from __future__ import annotations

import base64
from collections.abc import Callable
from urllib.parse import parse_qsl

from chalicelib.wlan import authmon, fas_query
from devstack.opennds_sim import CapturedClient, SimulatedOpenNDS, captured, php_http_build_query, php_openssl_encrypt


def items(text: str) -> list[str]:
    return [token.split("=", 1)[0] for token in text.split(", ")]


def test_simulated_aes_is_the_real_gateways_ciphertext() -> None:
    real = captured()["level3"]
    sealed = base64.b64encode(php_openssl_encrypt(real["text"], real["faskey"], real["iv"]).encode()).decode()
    assert sealed == real["fas"]


def test_the_fas_reads_what_the_real_gateway_sent() -> None:
    for level, encrypted in (("level1", False), ("level3", True)):
        real = captured()[level]
        query = fas_query.read(real["fas"], real["iv"], real["faskey"], encrypted)
        client = real["ndsctl_json"] if level == "level3" else captured()["level1"]["ndsctl_json"]
        assert query.get("clientmac") == client["mac"] and query.get("clientip") == client["ip"]
        assert query.gatewayname_raw == client["gatewayname"]
        assert (query.get("authdir") == "opennds_auth") == encrypted  # level 1 has no authdir
        assert query.get("themespec") == "" and query.get("gatewayurl") == "http://192.168.77.1"
    tok = captured()["level1"]["accept_location"].split("tok=")[1].split("&")[0]
    hid = fas_query.read(captured()["level1"]["fas"], None, "", False).hid
    assert fas_query.rhid(hid, captured()["level1"]["faskey"]) == tok


def test_simulated_arrival_is_the_captured_payload(opennds: Callable[..., SimulatedOpenNDS]) -> None:
    for level, name in ((1, "level1"), (3, "level3")):
        real = captured()[name]
        sim = opennds(level, gatewayname=real["ndsctl_json"]["gatewayname"], address="192.168.77.1:2050")
        hid = fas_query.parse(real["text"]).hid
        guest = CapturedClient(real["ndsctl_json"]["mac"], real["ndsctl_json"]["ip"], "", hid, "")
        text = sim.payload(guest, originurl="http://10.77.0.9/")
        assert items(text) == items(real["text"])
        expected = real["text"].replace("mpl23015", "wlan1").replace("06c1405abe05", "3ccd575265eb")
        assert text == expected.replace("Node%3a3ccd575265eb", "Node%3a06c1405abe05")


def test_simulated_authmon_requests_are_the_captured_ones() -> None:
    for request in captured()["level3"]["authmon"]:
        fields = dict(parse_qsl(request["body"]))
        payload = base64.b64decode(fields["payload"]).decode()
        body = php_http_build_query([("auth_get", fields["auth_get"]), ("gatewayhash", fields["gatewayhash"]),
                                     ("payload", base64.b64encode(payload.encode()).decode())])
        assert body == request["body"]
        assert set(request["headers"]) == {"Host", "Connection", "User-Agent", "Content-type", "Content-Length"}
        parsed = authmon.parse_request(fields)
        if parsed.action == "deauthed":
            notice = authmon.parse_deauth(parsed.payload)
            assert notice.method == "ndsctl_deauth" and len(notice.token) == 8
            assert notice.session_end is not None and notice.session_start is not None
            assert request["headers"]["User-Agent"] == "openNDS(libopennds;NDS:9.10.0;)"
        else:
            assert request["headers"]["User-Agent"] == "openNDS(authmon;NDS:9.10.0;)"
    actions = [authmon.parse_request(dict(parse_qsl(r["body"]))) for r in captured()["level3"]["authmon"]]
    assert [(a.action, a.payload.split(" ")[0]) for a in actions] == [
        ("clear", "none"), ("view", "none"), ("view", "*"), ("deauthed", "method=ndsctl_deauth,")]

"""A guest with curl, behind Debian's real openNDS 9.10, gets online through our FAS at levels 1, 2 and 3."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from chalicelib.wlan import fas_query
from chalicelib.wlan.portal import custom_b64
from devstack.opennds_sim import captured, form_of
from tests.opennds.gateway import FAS_IP, GATEWAY_LAN_IP, GUEST_MAC, INTERNET_IP, Http, Network, RealOpenNDS, wait_for
from tests.opennds.upstream import INTERNET_BODY

pytestmark = [pytest.mark.opennds, pytest.mark.xdist_group("opennds")]
INTERNET = f"http://{INTERNET_IP}/"


def arrive(net: Network, gw: RealOpenNDS, lang: str = "de") -> tuple[str, Http]:
    """The guest opens any web page: the real gateway answers 307 to our FAS; the guest follows to the splash."""
    first = net.curl(INTERNET)
    for _retry in range(3):  # openNDS 9.10's dhcp check of a new client fails now and then (its SIGCHLD handler
        if first.status != 403:  # reaps the check's shell first): a phone's captive-portal check simply asks again
            break
        time.sleep(1)
        first = net.curl(INTERNET)
    assert first.status == 307, (first.status, first.body[:300])
    fas_url = first.location
    expected = f"https://{FAS_IP}:443{gw.faspath}?fas=" if gw.level == 3 else f"http://{FAS_IP}:80{gw.faspath}?fas="
    assert fas_url.startswith(expected), fas_url
    assert ("&iv=" in fas_url) == (gw.level in (2, 3))
    # the live payload still has the shape of the captured one the simulated gateway replays
    raw = dict(part.split("=", 1) for part in urlsplit(fas_url).query.split("&"))
    text = fas_query.decrypt(raw["fas"], raw["iv"], gw.faskey) if "iv" in raw else fas_query.decode_plain(raw["fas"])
    template = captured()["level3" if gw.level in (2, 3) else "level1"]["text"]
    assert [t.split("=")[0] for t in text.split(", ")] == [t.split("=")[0] for t in template.split(", ")]
    splash = net.curl(fas_url, headers={"Accept-Language": "en-GB,en;q=0.9"} if lang == "en" else None)
    assert splash.status == 200, splash.body[:500]
    return fas_url, splash


def accept(net: Network, fas_url: str, splash: Http) -> tuple[Http, str]:
    action, fields = form_of(splash.body)
    answer = net.curl(urljoin(fas_url, action), data=fields)
    assert answer.status == 303, (answer.status, answer.body[:500])
    return answer, fields["s"]


def wait_online(net: Network, page_url: str, timeout: float = 40) -> Http:
    """The waiting page without JavaScript: the guest taps "Check now" until the gateway acked."""
    def check() -> Http | None:
        page = net.curl(page_url)
        return page if page.status == 200 and ("Sie sind online" in page.body or "You are online" in page.body) \
            else None
    return wait_for(check, timeout, "the online page", interval=1.0)


def assert_authenticated(gw: RealOpenNDS, session_id: str, seconds: int) -> dict[str, Any]:
    client = wait_for(lambda: next((c for c in gw.clients().values() if c.get("mac") == GUEST_MAC
                                    and c.get("state") == "Authenticated"), None), 20, "ndsctl json: Authenticated")
    assert client["custom"] == custom_b64(session_id)
    assert base64.b64decode(client["custom"]).decode().strip() == f"marktplatz {session_id}"
    assert int(client["session_end"]) - int(client["session_start"]) == seconds
    return client


@pytest.mark.parametrize("level", [1, 2])
def test_levels_1_and_2_through_the_auth_dir(gateway: Callable[..., RealOpenNDS], net: Network, level: int) -> None:
    gw = gateway(level, session_minutes=120, sessiontimeout=30)
    lang = "en" if level == 2 else "de"
    fas_url, splash = arrive(net, gw, lang)
    assert ('<html lang="en">' in splash.body) == (lang == "en")  # Accept-Language: en is honoured
    answer, session_id = accept(net, fas_url, splash)
    auth = urlsplit(answer.location)
    assert (auth.scheme, auth.netloc, auth.path) == ("http", f"{GATEWAY_LAN_IP}:2050", "/opennds_auth/")
    assert set(parse_qs(auth.query)) == {"tok", "redir", "custom"}
    at_gateway = net.curl(answer.location)  # the guest's browser lets itself in at the gateway
    assert at_gateway.status == 307 and at_gateway.location.startswith(f"https://{FAS_IP}/wlan/sessions/{session_id}")
    online = net.curl(at_gateway.location)
    assert online.status == 200 and ("You are online" if lang == "en" else "Sie sind online") in online.body
    # levels 1-2 take the session length from the gateway's sessiontimeout (30 min), not from our 120 minutes
    assert_authenticated(gw, session_id, 30 * 60)
    assert net.curl(INTERNET).body == INTERNET_BODY.decode()
    # an authenticated guest who opens the auth dir again (the back button) is sent to us with its tok and
    # status=authenticated; without a query openNDS 9.10 glues `&status=authenticated` to the path
    for url in (answer.location, f"http://{GATEWAY_LAN_IP}:2050/opennds_auth/"):
        again = net.curl(url)
        assert again.status == 307 and "status=authenticated" in again.location, again.location
        back = net.curl(again.location)
        assert back.status == 200 and "online" in back.body, (again.location, back.body[:400])
    gw.ndsctl("deauth", GUEST_MAC)
    assert net.curl(INTERNET).status == 307  # captured again


def test_level_3_quiet_until_the_first_guest_then_online_and_deauth(gateway: Callable[..., RealOpenNDS],
                                                                   net: Network) -> None:
    gw = gateway(3, session_minutes=120)
    # before any guest the gatewayhash is unknown: authmon's clear and first view/ack get empty 200s, no errors
    wait_for(lambda: sum(1 for r in net.requests() if r["at"] >= gw.started_at
                         and "auth_get=view" in r["body"]) >= 2, 30, "authmon's first view and ack")
    polls = [r for r in net.requests() if r["at"] >= gw.started_at and "auth_get=" in r["body"]]
    assert [r["headers"]["User-Agent"] for r in polls][:1] == ["openNDS(authmon;NDS:9.10.0;)"]
    assert set(polls[0]["headers"]) == set(captured()["level3"]["authmon"][0]["headers"])
    log = gw.log()
    assert "authmon - action clear, response []" in log
    assert "ERROR" not in log and "Failed_to_open_stream" not in log, log[-3000:]

    assert net.curl(INTERNET).status == 307
    fas_url, splash = arrive(net, gw)
    answer, session_id = accept(net, fas_url, splash)
    assert answer.location.startswith(f"https://{FAS_IP}/wlan/sessions/{session_id}")
    waiting = net.curl(answer.location)
    assert waiting.status == 200 and "Einen Moment" in waiting.body and "http-equiv" not in waiting.body
    wait_online(net, answer.location)
    assert_authenticated(gw, session_id, 120 * 60)  # level 3: our grant's session_minutes
    assert net.curl(INTERNET).body == INTERNET_BODY.decode()

    gw.ndsctl("deauth", GUEST_MAC)  # binauth_log.sh tells the FAS (auth_get=deauthed)
    wait_for(lambda: "Nicht verbunden" in net.curl(answer.location).body, 20, "the FAS session to end")
    assert net.curl(INTERNET).status == 307
    deauth = [r for r in net.requests() if "auth_get=deauthed" in r["body"]]
    assert deauth and deauth[-1]["headers"]["User-Agent"] == "openNDS(libopennds;NDS:9.10.0;)"
    assert "ERROR" not in gw.log()


def test_level_3_guest_who_accepts_before_authmon_starts(gateway: Callable[..., RealOpenNDS], net: Network) -> None:
    """authmon sleeps ~5 s after the gateway starts, then sends `clear`: a guest who arrived and accepted in those
    seconds must still get online. The relay holds authmon's requests until the guest has accepted, so the order
    is certain however loaded the machine is."""
    gw = gateway(3, session_minutes=60, hold_authmon=True)
    fas_url, splash = arrive(net, gw)
    answer, session_id = accept(net, fas_url, splash)
    accepted_at = time.time()
    assert not any("auth_get=" in r["body"] for r in net.requests() if r["at"] >= gw.started_at)
    net.hold_file.touch()  # authmon's first request (`clear`) reaches the FAS only now
    wait_online(net, answer.location)
    assert_authenticated(gw, session_id, 60 * 60)
    polls = [r for r in net.requests() if r["at"] >= gw.started_at and "auth_get=" in r["body"]]
    assert "auth_get=clear" in polls[0]["body"] and polls[0]["at"] > accepted_at
    assert net.curl(INTERNET).body == INTERNET_BODY.decode()

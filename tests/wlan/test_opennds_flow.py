"""The simulated openNDS gateway drives the app through capture, splash, acceptance and authmon, for every level."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from chalicelib.core import clock
from chalicelib.wlan.models import WlanHourlyCount, WlanSession
from chalicelib.wlan.portal import hour_of
from devstack.opennds_sim import FORM, CapturedClient, SimulatedOpenNDS, form_of, text

LIMITS = ["120", "500", "2000", "100000", "500000"]


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def accept(sim: SimulatedOpenNDS, guest: CapturedClient, lang: str = "de") -> tuple[str, str]:
    """Guest opens the splash from the 307 and taps the button; returns (Location, session page path)."""
    splash = sim.client.http.get(sim.redirect_path(guest) + ("&lang=en" if lang == "en" else ""))
    assert splash.status_code == 200, text(splash)[:300]
    html = text(splash)
    assert ("Zustimmen und lossurfen" if lang == "de" else "Agree and go online") in html
    assert "Set-Cookie" not in splash.headers and "<script" not in html
    action, fields = form_of(html)
    response = sim.client.http.post(action, headers=FORM, body=urlencode(fields))
    assert response.status_code == 303, text(response)
    return response.headers["Location"], fields["s"]


def go_online(sim: SimulatedOpenNDS, guest: CapturedClient) -> str:
    location, session_id = accept(sim, guest)
    if sim.level in (1, 2):
        landing = sim.auth_dir(location)
    else:
        landing = location
        waiting = sim.client.http.get(local(landing))
        assert waiting.status_code == 200 and 'id="check"' in text(waiting)  # "Check now" works without JS
        assert sim.authenticated.get(guest.rhid) is None
        authlist, ack = sim.authmon_cycle()
        assert authlist.startswith("* ") and ack == "ack", sim.log
    page = sim.client.http.get(local(landing))
    assert page.status_code == 200 and "Sie sind online" in text(page), text(page)
    assert f"/capport/{session_id}" in text(page)
    return session_id


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_guest_gets_online_with_configured_limits(opennds: Callable[..., SimulatedOpenNDS], level: int) -> None:
    sim = opennds(level)
    if level in (3, 4):
        # before any arrival the gatewayhash is unknown: an empty 200, as the reference FAS, nothing leaks
        assert sim.authmon_start() == (200, "")
    guest = sim.capture("80:ad:16:8a:38:b9", "192.168.8.20")
    session_id = go_online(sim, guest)
    args = sim.authenticated[guest.rhid]
    if level in (3, 4):
        assert args[1:7] == [guest.rhid, *LIMITS]
        assert sim.authmon_start() == (200, "")
        assert sim.authmon_cycle() == ("*", "ack")  # nothing pending any more
    else:
        assert args[1] == guest.rhid
    cap = sim.client.http.get(f"/capport/{session_id}")
    body = json.loads(cap.body)
    assert body["captive"] is False and 0 < body["seconds-remaining"] <= 120 * 60


def test_several_gateways_and_guests_at_once(opennds: Callable[..., SimulatedOpenNDS]) -> None:
    tag = uuid.uuid4().hex[:8]
    zones = [f"markt-{tag}", f"kirchplatz-{tag}", f"bahnhof-{tag}"]
    sims = [opennds(3, zone=zones[0]), opennds(4, zone=zones[1], gatewayname="Kirchplatz%20Node"),
            opennds(3, zone=zones[2], gatewayname="Bahnhof%20Node")]
    guests: dict[int, list[CapturedClient]] = {}
    for n, sim in enumerate(sims):
        guests[n] = [sim.capture(f"02:00:00:00:{n:02x}:{i:02x}", f"10.1.{n}.{i + 10}") for i in range(5)]
        for guest in guests[n]:
            accept(sim, guest)
    for n, sim in enumerate(sims):
        authlist, ack = sim.authmon_cycle()  # authmon takes at most 4 per poll
        assert authlist.count(" ") == 4 and ack == "ack"
        authlist, ack = sim.authmon_cycle()
        assert authlist.count(" ") == 1
        assert set(sim.authenticated) == {g.rhid for g in guests[n]}, sim.log
        assert sim.authmon_cycle()[0] == "*"
    hour = hour_of(clock.now())
    for zone in zones:
        count = WlanHourlyCount.get(zone, hour)
        assert (int(count.sessions), int(count.devices)) == (5, 5)


def test_grants_expire_unpolled_and_double_submit_is_one_session(opennds: Callable[..., SimulatedOpenNDS]) -> None:
    sim = opennds(3)
    guest = sim.capture("02:aa:00:00:00:01", "10.0.0.5")
    splash = sim.client.http.get(sim.redirect_path(guest))
    action, fields = form_of(text(splash))
    first = sim.client.http.post(action, headers=FORM, body=urlencode(fields))
    second = sim.client.http.post(action, headers=FORM, body=urlencode(fields))
    assert first.headers["Location"] == second.headers["Location"]
    assert sum(1 for s in WlanSession.scan() if s.gateway_id == sim.gateway_id) == 1
    clock.shift(301)
    assert sim.authmon_cycle()[0] == "*"
    page = sim.client.http.get(local(first.headers["Location"]))
    assert "Sie sind online" not in text(page) and "refresh" not in text(page)


def test_deauth_books_dwell_once_and_replayed_rhid_grants_nothing(opennds: Callable[..., SimulatedOpenNDS]) -> None:
    zone = f"rathaus-{uuid.uuid4().hex[:8]}"
    sim = opennds(3, zone=zone)
    guest = sim.capture("02:bb:00:00:00:01", "10.0.0.6")
    splash = sim.client.http.get(sim.redirect_path(guest))
    old_form = form_of(text(splash))
    response = sim.client.http.post(old_form[0], headers=FORM, body=urlencode(old_form[1]))
    session_id = old_form[1]["s"]
    sim.authmon_cycle()
    assert guest.rhid in sim.authenticated
    now = int(clock.now().timestamp())
    for extra_b64 in (False, True):  # the same notice twice: counted once
        assert sim.deauth(guest, "idle_deauth", now - 1500, now, extra_b64=extra_b64) == (200, "ack")
    count = WlanHourlyCount.get(zone, hour_of(clock.now()))
    assert int(count.dwell_minutes) == 25 and int(count.sessions) == 1
    session = WlanSession.get(session_id)
    assert session.status == "ended" and session.end_method == "idle_deauth"
    assert json.loads(sim.client.http.get(f"/capport/{session_id}").body)["captive"] is True
    # replaying the old acceptance form after deauth grants nothing; a fresh arrival does
    clock.shift(2)
    replay = sim.client.http.post(old_form[0], headers=FORM, body=urlencode(old_form[1]))
    assert replay.status_code == 403 and response.status_code == 303
    assert sim.authmon_cycle()[0] == "*"
    go_online(sim, guest)
    assert int(WlanHourlyCount.get(zone, hour_of(clock.now())).sessions) == 2


def test_status_authenticated_and_english(opennds: Callable[..., SimulatedOpenNDS], client: Any) -> None:
    sim = opennds(2)
    guest = sim.capture("02:cc:00:00:00:01", "10.0.0.7")
    location, _ = accept(sim, guest, lang="en")
    landing = sim.auth_dir(location)
    assert "You are online" in text(sim.client.http.get(local(landing)))
    again = client.http.get(f"/wlan/fas/{sim.gateway_id}?status=authenticated&redir=http%3a%2f%2fstatus.client")
    assert again.status_code == 200 and "Sie sind online" in text(again)


def test_clear_forgets_pending_grants_and_pages_stay_small(opennds: Callable[..., SimulatedOpenNDS]) -> None:
    sim = opennds(4)
    guest = sim.capture("02:dd:10:00:00:01", "10.0.3.1")
    splash = sim.client.http.get(sim.redirect_path(guest))
    assert len(splash.body) < 6000 and "<link rel=\"stylesheet" not in text(splash) and "<img" not in text(splash)
    # one request, a few kB, nothing to fetch (the only <link> names the RFC 8908 API)
    assert 'lang="de"' in text(splash) and "<main" in text(splash) and "<button" in text(splash)
    action, fields = form_of(text(splash))
    sim.client.http.post(action, headers=FORM, body=urlencode(fields))
    clock.shift(31)  # openNDS restarted half a minute later: grants from before are stale and forgotten
    assert sim.authmon_start() == (200, "")
    assert sim.authmon_cycle() == ("*", "ack")
    assert guest.rhid not in sim.authenticated


def test_rate_limits_per_gateway(opennds: Callable[..., SimulatedOpenNDS], monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.core import settings

    monkeypatch.setenv("MARKTPLATZ_WLAN_ARRIVALS_PER_MINUTE", "3")
    monkeypatch.setenv("MARKTPLATZ_WLAN_GRANTS_PER_MINUTE", "1")
    settings.reset()
    busy, calm = opennds(2), opennds(2)
    guests = [busy.capture(f"02:ee:10:00:00:{i:02x}", f"10.0.4.{i}") for i in range(4)]
    pages = [busy.client.http.get(busy.redirect_path(g)) for g in guests]
    assert [p.status_code for p in pages] == [200, 200, 200, 429]
    assert pages[3].headers["Retry-After"] == "60"
    assert calm.client.http.get(calm.redirect_path(calm.capture("02:ee:20:00:00:01", "10.0.5.1"))).status_code == 200
    accepted = [busy.client.http.post(*[form_of(text(p))[0]], headers=FORM, body=urlencode(form_of(text(p))[1]))
                for p in pages[:2]]
    assert [a.status_code for a in accepted] == [303, 429]


def test_level_2_guest_with_the_same_token_comes_back(opennds: Callable[..., SimulatedOpenNDS]) -> None:
    """Levels 1-2 never hear of a deauth: a returning guest is sent through the auth dir again, counted once."""
    zone = f"rueck-{uuid.uuid4().hex[:6]}"
    sim = opennds(2, zone=zone)
    guest = sim.capture("02:ab:10:00:00:01", "10.0.6.1")
    first = go_online(sim, guest)
    sim.authenticated.clear()
    clock.shift(20 * 60)
    location, _ = accept(sim, guest)
    landing = sim.auth_dir(location)
    assert guest.rhid in sim.authenticated and f"/wlan/sessions/{first}" in landing
    assert sum(int(h.sessions) for h in WlanHourlyCount.query(zone)) == 1


def test_legacy_list_hands_out_and_takes(opennds: Callable[..., SimulatedOpenNDS]) -> None:
    sim = opennds(3)
    guest = sim.capture("02:ac:10:00:00:01", "10.0.7.1")
    location, _ = accept(sim, guest)
    status, listed = sim.request("list", "none")
    assert status == 200 and listed.startswith(f"* {guest.rhid}%20120%20500%20")
    assert sim.request("view", "none") == (200, "*")
    assert "Sie sind online" in text(sim.client.http.get(local(location)))


def test_view_costs_one_query_however_long_the_history(opennds: Callable[..., SimulatedOpenNDS]) -> None:
    from chalicelib.wlan.gateways import queue_of
    from chalicelib.wlan.models import Grant
    from devstack.ddb_calls import count_dynamodb_calls

    sim = opennds(3)
    for i in range(6):
        go_online(sim, sim.capture(f"02:ad:10:00:00:{i:02x}", f"10.0.8.{i}"))
    waiting = list(Grant.waiting_grants.query(queue_of(sim.gateway_id, sim.gatewayhash)))
    assert [g.rhid for g in waiting] == ["~gateway"]  # acked grants left the sparse index
    with count_dynamodb_calls() as calls:
        assert sim.request("view", "none") == (200, "*")
    assert list(calls) == ["Query"]
    for i in range(4):
        accept(sim, sim.capture(f"02:ad:20:00:00:{i:02x}", f"10.0.9.{i}"))
    with count_dynamodb_calls() as calls:
        authlist, ack = sim.authmon_cycle()
    assert authlist.count(" ") == 4 and ack == "ack" and list(calls) == ["Query", "TransactWriteItems"]

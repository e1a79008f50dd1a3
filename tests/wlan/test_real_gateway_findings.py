"""What running against the real openNDS 9.10 taught us (issue 14), pinned down in the fast tier.

Each finding also has a test against the real gateway in tests/opennds/ where the real gateway can show it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from html import unescape
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core import clock
from chalicelib.core.errors import DomainError
from chalicelib.wlan import authmon
from chalicelib.wlan.portal import custom_b64
from devstack.opennds_sim import FORM, SimulatedOpenNDS, form_of, text
from tests.conftest import ADMIN_TOKEN, Api
from tests.wlan.test_opennds_flow import accept, local


def visible_text(html: str) -> str:
    body = re.sub(r"<(script|style|head)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", body))


# --- 1. authmon's `clear` at gateway start-up ------------------------------------------------------------------
def test_clear_at_start_up_keeps_grants_made_since_the_gateway_started(opennds: Callable[..., SimulatedOpenNDS]) \
        -> None:
    sim = opennds(3)
    guest = sim.capture("02:11:00:00:00:01", "192.168.8.21")
    accept(sim, guest)  # the guest accepted in the ~5 s before authmon's first poll
    assert sim.authmon_start() == (200, "")  # authmon starts: `clear`
    authlist, ack = sim.authmon_cycle()
    assert authlist.startswith("* ") and ack == "ack" and guest.rhid in sim.authenticated, sim.log


def test_clear_still_forgets_grants_from_before_the_gateway_restarted(opennds: Callable[..., SimulatedOpenNDS]) \
        -> None:
    sim = opennds(3)
    stale = sim.capture("02:11:00:00:00:02", "192.168.8.22")
    accept(sim, stale)
    clock.shift(31)  # the gateway went down before it could poll; it restarts half a minute later
    fresh = sim.capture("02:11:00:00:00:03", "192.168.8.23")
    accept(sim, fresh)
    assert sim.authmon_start() == (200, "")
    authlist, _ = sim.authmon_cycle()
    assert fresh.rhid in authlist and stale.rhid not in authlist


# --- 2. one answer for a gatewayhash we do not know ------------------------------------------------------------
def test_unknown_gatewayhash_gets_an_empty_200_for_every_action(opennds: Callable[..., SimulatedOpenNDS],
                                                                 client: Any) -> None:
    sim = opennds(3)  # no guest arrived yet: the gatewayhash is not pinned
    for action, payload in [("clear", "none"), ("view", "none"), ("view", "*"), ("view", "* " + "c" * 64),
                            ("custom", "aGVsbG8="), ("deauthed", 'method="ndsctl_deauth", token=abcd1234')]:
        assert sim.request(action, payload) == (200, ""), (action, sim.log[-1])
    malformed = client.http.post(f"/wlan/fas/{sim.gateway_id}", headers={**FORM, "User-Agent": sim.user_agent},
                                 body=urlencode({"auth_get": "view", "gatewayhash": "short"}))
    assert malformed.status_code == 403 and text(malformed) == ""


# --- 3. faskey characters ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("faskey", ["abc%sdefgh", "abc\\ndefgh", "abc'defgh", 'abc"defgh', "abc$defgh", "abc defgh",
                                    "abcdéfgh12", "abc-defgh", "short7"])
def test_faskey_must_be_letters_and_digits(api: Api, faskey: str) -> None:
    body = {"name": "x", "vendor": "opennds", "zone": "markt", "opennds": {"security_level": 3, "faskey": faskey}}
    err = api.json("POST", "/api/v1/gateways", body, ADMIN_TOKEN, expect=400)
    assert err["error"]["code"] == "invalid_request" and "letters and digits" in err["error"]["message"]


def test_alphanumeric_faskey_accepted(api: Api) -> None:
    body = {"name": "x", "vendor": "opennds", "zone": "markt",
            "opennds": {"security_level": 3, "faskey": "Ab3" * 21 + "Z"}}
    assert api.json("POST", "/api/v1/gateways", body, ADMIN_TOKEN, expect=201)["opennds"]["faskey_set"] is True


# --- 4. an authenticated guest sent back with tok and status -----------------------------------------------------
@pytest.mark.parametrize("level", [1, 2])
def test_authenticated_guest_back_from_the_gateway_sees_online(opennds: Callable[..., SimulatedOpenNDS],
                                                               client: Any, level: int) -> None:
    sim = opennds(level)
    query = urlencode({"tok": "a" * 64, "redir": "https://gutschein.billerbeck.de/wlan/sessions/ws_x",
                       "custom": custom_b64("ws_abcdefghijklmnop"), "status": "authenticated"})
    page = client.http.get(f"/wlan/fas/{sim.gateway_id}?{query}")
    assert page.status_code == 200 and "Sie sind online" in text(page), text(page)[:400]
    glued = client.http.get(f"/wlan/fas/{sim.gateway_id}&status=authenticated")  # openNDS 9.10, no query
    assert glued.status_code == 200 and "Sie sind online" in text(glued)
    level0 = client.http.get(f"/wlan/fas/{sim.gateway_id}?tok=12345678&authaction=http://192.168.8.1:2050/x")
    assert level0.status_code == 403


# --- 5. the grant's custom field, for both gateway generations -------------------------------------------------
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz234567", min_size=16, max_size=32))
def test_custom_reads_the_same_whether_or_not_url_decoded_again(suffix: str) -> None:
    custom = custom_b64(f"ws_{suffix}")
    assert custom.isalnum() and authmon.rawurlencode(custom) == custom
    assert base64.b64decode(custom).decode().rstrip() == f"marktplatz ws_{suffix}"


def test_grant_line_is_the_reference_fas_line() -> None:
    rhid = "21dfe61ded9b9d8522a374dbae03544b6260025151612f7b2b8a774743950c56"
    custom = custom_b64("ws_abcdefghijklmnop")
    entry = authmon.grant_entry(rhid, 120, 500, 2000, 0, 0, custom)
    assert entry == f"{rhid} 120 500 2000 0 0 {custom}"
    assert authmon.view_reply([entry]) == "* " + entry.replace(" ", "%20")
    with pytest.raises(authmon.AuthmonError):
        authmon.grant_entry(rhid, 120, 0, 0, 0, 0, "YQ==")


# --- 6. what the router must be configured with ----------------------------------------------------------------
def test_admin_answer_shows_the_router_settings(api: Api, register: Callable[..., dict[str, Any]]) -> None:
    three, one = register(3), register(1)
    assert three["opennds"]["router_settings"] == {
        "fas_secure_enabled": 3, "fasremotefqdn": "gutschein.billerbeck.de", "fasport": 443,
        "faspath": f"/wlan/fas/{three['gateway_id']}", "faskey": "<the faskey you registered>",
        "sessiontimeout": 120, "binauth": "/usr/lib/opennds/binauth_log.sh"}
    settings_one = api.json("GET", f"/api/v1/gateways/{one['gateway_id']}", None, ADMIN_TOKEN, expect=200)
    assert settings_one["opennds"]["router_settings"]["sessiontimeout"] == 120
    assert "binauth" not in settings_one["opennds"]["router_settings"]


# --- 7. levels 1-2 need plain http, which the AWS deployment does not serve ---------------------------------------
@pytest.mark.parametrize("level", [1, 2])
def test_levels_1_and_2_refused_on_aws(monkeypatch: pytest.MonkeyPatch, level: int) -> None:
    from chalicelib.core import settings
    from chalicelib.core.http import status_of
    from chalicelib.wlan import gateway_settings

    monkeypatch.setenv("MARKTPLATZ_MODE", "aws")
    settings.reset()
    body = {"name": "x", "vendor": "opennds", "zone": "markt", "opennds": {"security_level": level,
                                                                            "faskey": "abcdefgh12"}}
    with pytest.raises(DomainError) as refused:
        gateway_settings.parse_new(body)
    assert status_of(refused.value) == 400 and refused.value.code == "level_needs_http"
    assert "Use level 3" in refused.value.message


# --- the guest's pages -----------------------------------------------------------------------------------------
def test_pages_carry_no_developer_text_and_waiting_needs_no_meta_refresh(opennds: Callable[..., SimulatedOpenNDS],
                                                                          client: Any) -> None:
    sim = opennds(3)
    guest = sim.capture("02:11:00:00:00:09", "192.168.8.29")
    splash = client.http.get(sim.redirect_path(guest))
    location, session_id = accept(sim, guest)
    waiting = client.http.get(local(location))
    sim.authmon_cycle()
    online = client.http.get(local(location))
    capport = f"https://gutschein.billerbeck.de/capport/{session_id}"
    for page in (waiting, online):
        html = text(page)
        assert f'<link rel="captive-portal" href="{capport}">' in html
        assert page.headers["Link"] == f'<{capport}>; rel="captive-portal"'
    for page in (splash, waiting, online):
        shown = visible_text(text(page))
        assert "RFC" not in shown and "capport" not in shown and "://" not in shown, shown
    assert "http-equiv" not in text(waiting).lower() and "Refresh" not in waiting.headers
    assert 'id="check"' in text(waiting) and "Jetzt prüfen" in text(waiting)  # works without JavaScript
    assert "Sie sind online" in text(online)


def test_online_page_points_guests_to_the_town(opennds: Callable[..., SimulatedOpenNDS], client: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKTPLATZ_WLAN_EVENTS_URL", "https://www.billerbeck.de/veranstaltungen")
    sim = opennds(1)
    guest = sim.capture("02:11:00:00:00:0a", "192.168.8.30")
    location, _ = accept(sim, guest)
    online = text(client.http.get(local(sim.auth_dir(location))))
    assert 'href="/?lang=de#shops-h"' in online and "Geschäfte in der Innenstadt" in online
    assert 'href="/?lang=de"' in online and "Gutschein" in online
    assert 'href="https://www.billerbeck.de/veranstaltungen"' in online and "Veranstaltungen" in online


@pytest.mark.parametrize(("header", "lang"), [("en", "en"), ("en-GB,en;q=0.9", "en"), ("de-DE,de;q=0.9,en;q=0.8", "de"),
                                              ("fr-FR,fr;q=0.9,en;q=0.5,de;q=0.4", "en"), ("fr", "de"), ("", "de"),
                                              ("en;q=0.2, de;q=0.8", "de"), ("en;q=bad, de", "de"),
                                              ("fr, en;q=0.5, de;q=0.5", "en"), ("en;q=0, fr", "de")])
def test_accept_language_is_honoured(opennds: Callable[..., SimulatedOpenNDS], client: Any, header: str,
                                     lang: str) -> None:
    sim = opennds(3)
    guest = sim.capture("02:11:00:00:00:0b", "192.168.8.31")
    splash = client.http.get(sim.redirect_path(guest), headers={"Accept-Language": header})
    html = text(splash)
    assert f'<html lang="{lang}">' in html and splash.headers["Content-Language"] == lang
    _, fields = form_of(html)
    assert fields["lang"] == lang  # the acceptance and the session page keep the guest's language
    explicit = client.http.get(sim.redirect_path(guest) + "&lang=de", headers={"Accept-Language": header})
    assert '<html lang="de">' in text(explicit)


def test_custom_is_what_ndsctl_gets_at_level_3(opennds: Callable[..., SimulatedOpenNDS]) -> None:
    sim = opennds(3)
    guest = sim.capture("02:11:00:00:00:0c", "192.168.8.32")
    _, session_id = accept(sim, guest)
    sim.authmon_cycle()
    assert sim.authenticated[guest.rhid][-1] == custom_b64(session_id)
    assert hashlib.sha256(guest.token.encode()).hexdigest() == guest.hid

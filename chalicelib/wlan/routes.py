"""Guest-facing HTTP: the openNDS FAS URL (arrivals, acceptance, authmon), Meraki splash, session pages, RFC 8908."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl

from chalice import Blueprint, Response

from chalicelib.core import settings
from chalicelib.core.errors import DomainError
from chalicelib.core.lazy import lazy

# The WLAN's services load on the first guest or gateway request: a Lambda redeeming vouchers never pays for them.
authmon = lazy("chalicelib.wlan.authmon")
capport = lazy("chalicelib.wlan.capport")
meraki = lazy("chalicelib.wlan.meraki")
pages = lazy("chalicelib.wlan.pages")
polls = lazy("chalicelib.wlan.polls")
portal = lazy("chalicelib.wlan.portal")

bp = Blueprint(__name__)
log = logging.getLogger("marktplatz.wlan")

FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain", "application/json",
              "application/octet-stream"]
MAX_FORM_BYTES = 16384
TEXT = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


def _lang(params: dict[str, str]) -> str:
    return "en" if params.get("lang") == "en" else "de"


def _form() -> dict[str, str]:
    raw = bp.current_request.raw_body or b""
    if len(raw) > MAX_FORM_BYTES:
        raise portal.Refused("form too large")
    try:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=32))
    except (UnicodeDecodeError, ValueError):
        raise portal.Refused("malformed form") from None


def _params() -> dict[str, str]:
    params = dict(bp.current_request.query_params or {})
    if sum(len(k) + len(v) for k, v in params.items()) > MAX_FORM_BYTES:
        raise portal.Refused("query too large")
    return params


def _session_urls(session_id: str, lang: str, origin: str | None = None) -> tuple[str, str]:
    base = settings.get().base_url
    page = pages.with_query(f"{base}/wlan/sessions/{session_id}", {"lang": lang, "to": origin or ""})
    return page, f"{base}/capport/{session_id}"


def _guarded(handler: Any) -> Response:
    """Refusals are one plain 403 page; rate limits a plain 429 page (guests' browsers get no JSON)."""
    try:
        return handler()
    except portal.Refused as err:
        log.info("wlan refused reason=%s", err.reason)
        return pages.refused()
    except polls.PollRefused as err:
        log.info("wlan poll refused reason=%s", err)
        return Response(body="", status_code=403, headers=TEXT)
    except DomainError as err:
        if err.code == "rate_limited":
            return pages.too_many()
        raise


@bp.route("/wlan/fas/{gateway_id}", methods=["GET", "POST"], content_types=FORM_TYPES)
def opennds_fas(gateway_id: str):
    """openNDS FAS (public): a guest's arrival (GET), their acceptance (POST) and authmon's polls."""
    request = bp.current_request
    user_agent = request.headers.get("user-agent")

    def handle() -> Response:
        if request.method == "GET":
            params = _params()
            if authmon.is_authmon(params, user_agent):
                return _poll(gateway_id, "GET", params)
            if "authaction" in params or "tok" in params:
                raise portal.Refused("level 0")
            if params.get("status") == "authenticated":
                portal.active_gateway(gateway_id, "opennds")
                return pages.online(_lang(params), None, None)
            return _splash(gateway_id, params)
        form = _form()
        if authmon.is_authmon(form, user_agent):
            return _poll(gateway_id, "POST", form)
        return _accept(gateway_id, form)

    return _guarded(handle)


def _poll(gateway_id: str, method: str, params: dict[str, str]) -> Response:
    answer = polls.poll_authmon(gateway_id, method, params)
    return Response(body=answer.body, status_code=200, headers=TEXT)


def _splash(gateway_id: str, params: dict[str, str]) -> Response:
    lang = _lang(params)
    arrival = portal.arrive(gateway_id, params.get("fas"), params.get("iv"))
    fields = {"fas": params.get("fas", ""), "iv": params.get("iv", ""), "s": arrival.session_id,
              "t": str(arrival.issued), "sig": arrival.signature, "lang": lang}
    other = "en" if lang == "de" else "de"
    switch = pages.with_query(f"/wlan/fas/{gateway_id}", {"fas": params.get("fas", ""), "iv": params.get("iv", ""),
                                                          "lang": other})
    _, capport_url = _session_urls(arrival.session_id, lang)
    return pages.splash(lang, f"/wlan/fas/{gateway_id}", fields, switch,
                        wifi4eu_id=arrival.gateway.wifi4eu_network_id, capport_url=capport_url)


def _accept(gateway_id: str, form: dict[str, str]) -> Response:
    lang = _lang(form)
    arrival = portal.arrive(gateway_id, form.get("fas"), form.get("iv"), count=False)
    issued = portal.check_ticket(gateway_id, arrival.rhid, form.get("s", ""), form.get("t", ""), form.get("sig", ""))
    arrival = arrival._replace(session_id=form["s"])
    origin = portal.safe_web_url(arrival.query.get("originurl"))
    landing, _ = _session_urls(arrival.session_id, lang, origin)
    outcome = portal.grant_access(arrival, issued, landing)
    target = outcome.redirect or _session_urls(outcome.session_id, lang, origin)[0]
    return Response(body="", status_code=303, headers={"Location": target, "Cache-Control": "no-store"})


@bp.route("/wlan/sessions/{session_id}", methods=["GET"])
def wlan_session_page(session_id: str):
    """A guest's session page (public): waits for the gateway's ack, then says "you are online"."""
    params = dict(bp.current_request.query_params or {})
    lang = _lang(params)
    state = portal.session_state(session_id)
    origin = portal.safe_web_url(params.get("to", ""))
    page_url, capport_url = _session_urls(session_id, lang, origin)
    if state.waiting:
        return pages.waiting(lang, page_url, capport_url)
    if state.online:
        minutes = (state.seconds_remaining or 0) // 60 if state.seconds_remaining is not None else None
        return pages.online(lang, origin, capport_url, minutes)
    return pages.ended(lang, 200 if state.known else 404)


@bp.route("/capport/{session_id}", methods=["GET"])
def capport_api(session_id: str):
    """RFC 8908 Captive Portal API (public) for one guest session."""
    state = portal.session_state(session_id)
    page_url, _ = _session_urls(session_id, "de")
    if state.online:
        body = capport.status_body(captive=False, portal_url=page_url, seconds_remaining=state.seconds_remaining,
                                   can_extend=False)
    else:
        body = capport.status_body(captive=True, portal_url=page_url)
    return Response(body=json.dumps(body, separators=(",", ":")), status_code=200, headers=capport.HEADERS)


@bp.route("/wlan/meraki/{gateway_id}", methods=["GET", "POST"], content_types=FORM_TYPES)
def meraki_splash(gateway_id: str):
    """Cisco Meraki click-through splash (public): the page (GET) and the acceptance (POST)."""
    request = bp.current_request

    def handle() -> Response:
        gateway = portal.active_gateway(gateway_id, "meraki")
        hosts = list(gateway.grant_hosts or [])
        if request.method == "GET":
            params = _params()
            lang = _lang(params)
            try:
                found = meraki.parse_arrival(params, hosts)
            except meraki.MerakiError:
                raise portal.Refused("meraki arrival") from None
            from chalicelib.core.ratelimit import hit
            from chalicelib.wlan import config

            hit("wlan-arrival", gateway.gateway_id, config.arrivals_per_minute())
            session_id, issued, signature = portal.meraki_ticket(gateway_id, found.base_grant_url)
            fields = {"base_grant_url": found.base_grant_url, "user_continue_url": found.user_continue_url,
                      "client_mac": found.client_mac, "s": session_id, "t": str(issued), "sig": signature,
                      "lang": lang}
            other = "en" if lang == "de" else "de"
            switch = pages.with_query(f"/wlan/meraki/{gateway_id}", {**params, "lang": other})
            _, capport_url = _session_urls(session_id, lang)
            return pages.splash(lang, f"/wlan/meraki/{gateway_id}", fields, switch,
                                wifi4eu_id=gateway.wifi4eu_network_id, capport_url=capport_url)
        form = _form()
        lang = _lang(form)
        base = form.get("base_grant_url", "")
        if not meraki.host_allowed(base, hosts):
            raise portal.Refused("foreign base_grant_url")
        portal.check_ticket(gateway_id, base, form.get("s", ""), form.get("t", ""), form.get("sig", ""))
        portal.grant_meraki(gateway, form.get("client_mac", ""), form["s"])
        origin = portal.safe_web_url(form.get("user_continue_url", ""))
        continue_url, _ = _session_urls(form["s"], lang, origin)
        target = meraki.grant_url(base, continue_url, int(gateway.session_minutes) * 60, hosts)
        return Response(body="", status_code=303, headers={"Location": target, "Cache-Control": "no-store"})

    return _guarded(handle)

"""A simulated openNDS gateway, written from openNDS's behaviour (src/http_microhttpd.c, libs/authmon.sh,
libs/post-request.php): it captures clients, redirects them with the FAS query of its security level, lets them in
through the auth dir (levels 1-2) or through authmon's clear/view/ack/deauthed loop (levels 3-4).

The tests drive it in-process (chalice.test.Client) and over HTTP; `devstack/gateway.py` puts it on loopback for
people, so that `make run` lets a newcomer log into the town's WLAN from a browser."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from chalicelib.wlan import fas_query

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
ACTION = re.compile(r'<form method="post" action="([^"]+)">')


@dataclass
class CapturedClient:
    mac: str
    ip: str
    token: str
    hid: str
    rhid: str


@dataclass
class SimulatedOpenNDS:
    client: Any  # chalice.test.Client
    gateway_id: str
    faskey: str
    level: int
    gatewayname: str = "Billerbeck%20Markt%20Node%3a3ccd575265eb%20"
    address: str = "192.168.8.1:2050"
    authdir: str = "opennds_auth"
    version: str = "10.2.0"
    clients: dict[str, CapturedClient] = field(default_factory=dict)  # by token
    authenticated: dict[str, list[str]] = field(default_factory=dict)  # rhid -> ndsctl auth arguments
    log: list[str] = field(default_factory=list)

    @property
    def gatewayhash(self) -> str:
        return hashlib.sha256(self.gatewayname.encode()).hexdigest()

    @property
    def user_agent(self) -> str:
        return f"openNDS(authmon;NDS:{self.version};)"

    # --- capture and redirect -------------------------------------------------------------------------------
    def capture(self, mac: str, ip: str) -> CapturedClient:
        token = os.urandom(4).hex()
        hid = hashlib.sha256(token.encode()).hexdigest()
        rhid = hashlib.sha256((hid + self.faskey).encode()).hexdigest()
        captured = CapturedClient(mac, ip, token, hid, rhid)
        self.clients[token] = captured
        return captured

    def payload(self, c: CapturedClient, originurl: str = "http://connectivitycheck.gstatic.com/generate_204") -> str:
        items = [("hid", c.hid), ("clientip", c.ip), ("clientmac", c.mac), ("client_type", "cpd_can"),
                 ("cpi_query", ""), ("gatewayname", self.gatewayname),
                 ("gatewayurl", quote("http://status.client", safe="").lower()), ("version", self.version),
                 ("gatewayaddress", self.address), ("gatewaymac", "3ccd575265eb")]
        if self.level in (2, 3):
            items.append(("authdir", self.authdir))
        items += [("originurl", quote(originurl, safe="").lower()), ("clientif", "wlan1"), ("themespec", "(null)"),
                  ("location", "Marktplatz%201")]
        return fas_query.build_payload(items)

    def redirect_path(self, c: CapturedClient, **kwargs: str) -> str:
        """The 307 Location's path and query (base64 left un-URL-encoded, as openNDS sends it)."""
        text = self.payload(c, **kwargs)
        if self.level in (2, 3):
            iv = hashlib.sha256(os.urandom(8)).hexdigest()[:16]
            return f"/wlan/fas/{self.gateway_id}?fas={fas_query.encrypt(text, iv, self.faskey)}&iv={iv}"
        return f"/wlan/fas/{self.gateway_id}?fas={fas_query.encode_plain(text)}"

    # --- levels 1-2: the client's browser calls the auth dir ---------------------------------------------------
    def auth_dir(self, location: str) -> str:
        parts = urlsplit(location)
        assert parts.scheme == "http" and parts.netloc == self.address, location
        assert parts.path == f"/{self.authdir}/", location
        query = dict(parse_qsl(parts.query))
        rhid = query["tok"]
        if rhid not in {c.rhid for c in self.clients.values()}:
            raise AssertionError("unknown tok")
        self.authenticated[rhid] = ["auth", rhid, "0", "0", "0", "0", "0", query.get("custom", "")]
        return query["redir"]  # openNDS answers 307 to redir

    # --- levels 3-4: authmon ------------------------------------------------------------------------------------
    def request(self, action: str, payload: str) -> tuple[int, str]:
        params = {"auth_get": action, "gatewayhash": self.gatewayhash,
                  "payload": base64.b64encode(payload.encode()).decode()}
        headers = {"User-Agent": self.user_agent}
        if self.level == 3:  # post-request.php: form POST
            r = self.client.http.post(f"/wlan/fas/{self.gateway_id}", headers={**headers, **FORM},
                                      body=urlencode(params))
        else:  # level 4: wget GET
            r = self.client.http.get(f"/wlan/fas/{self.gateway_id}?{urlencode(params)}", headers=headers)
        body = r.body.decode() if isinstance(r.body, bytes) else (r.body or "")
        self.log.append(f"{action} {payload!r} -> {r.status_code} {body!r}")
        return r.status_code, body

    def authmon_start(self) -> tuple[int, str]:
        return self.request("clear", "none")

    def authmon_cycle(self) -> tuple[str, str]:
        """One loop of authmon.sh: view, ndsctl auth each entry (at most 4), send the ack list."""
        status, authlist = self.request("view", "none")
        acklist = "*"
        if status == 200 and authlist[:1] == "*":
            rest = authlist[2:1026]
            if len(rest) >= 3:
                for entry in rest.split()[:4]:
                    params = unquote(entry).split(" ")  # printf "${authparams_enc//%/\\x}"
                    rhid = params[0]
                    if rhid in {c.rhid for c in self.clients.values()}:
                        self.authenticated[rhid] = ["auth", *params]
                        acklist += f" {rhid}"
        _, ack = self.request("view", acklist)
        return authlist, ack

    def deauth(self, c: CapturedClient, method: str = "timeout_deauth", start: int = 0, end: int = 0,
               extra_b64: bool = False) -> tuple[int, str]:
        notice = (f'method="{method}", clientmac="{c.mac}", timestamp={end}, bytes_incoming=1234, '
                  f'bytes_outgoing=567, session_start={start}, session_end={end}, token={c.token}, '
                  f'custom="bWFya3RwbGF0eg=="')
        if extra_b64:
            notice = base64.b64encode(notice.encode()).decode()
        self.authenticated.pop(c.rhid, None)
        return self.request("deauthed", notice)


class _Response:
    def __init__(self, r: Any) -> None:
        self.status_code, self.headers, self.body = r.status_code, r.headers, r.content


class HttpClient:
    """The slice of chalice.test's client the simulated gateway uses, over a real socket to a running app."""

    class _Http:
        def __init__(self, base: str) -> None:
            self.base = base

        def get(self, path: str, headers: dict[str, str] | None = None) -> _Response:
            import requests

            return _Response(requests.get(self.base + path, headers=headers, timeout=10, allow_redirects=False))

        def post(self, path: str, headers: dict[str, str] | None = None, body: str = "") -> _Response:
            import requests

            return _Response(requests.post(self.base + path, headers=headers, data=body, timeout=10,
                                           allow_redirects=False))

    def __init__(self, base: str) -> None:
        self.http = self._Http(base)


def form_of(html: str) -> tuple[str, dict[str, str]]:
    action = ACTION.search(html)
    assert action, html[:500]
    from html import unescape

    return unescape(action.group(1)), {unescape(k): unescape(v) for k, v in HIDDEN.findall(html)}


def text(response: Any) -> str:
    body = response.body
    return body.decode() if isinstance(body, bytes) else (body or "")

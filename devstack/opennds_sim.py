"""A simulated openNDS gateway for the demo and the fast tests: it captures clients, redirects them with the FAS
query of its security level, lets them in through the auth dir (levels 1-2) or through authmon's
clear/view/ack/deauthed loop (levels 3-4).

Its traffic follows what the real gateway sent, not the project's own encoders: the arrival payload is the captured
openNDS 9.10 payload (`devstack/captured/opennds-9.10.0.json`, recorded by tests/opennds) with this client's values
put in; the AES layer is PHP's `openssl_encrypt` rule written out here (a test checks it reproduces the captured
ciphertext byte for byte); authmon's requests carry the captured headers and PHP's `http_build_query` body.

The tests drive it in-process (chalice.test.Client) and over HTTP; `devstack/gateway.py` puts it on loopback for
people, so that `make run` lets a newcomer log into the town's WLAN from a browser."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlsplit

CAPTURED = Path(__file__).resolve().parent / "captured" / "opennds-9.10.0.json"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
ACTION = re.compile(r'<form method="post" action="([^"]+)">')


@cache
def captured() -> dict[str, Any]:
    return json.loads(CAPTURED.read_text(encoding="utf-8"))


def gateway_quote(text: str) -> str:
    """How openNDS URL-encodes values in the payload: everything but letters and digits (and -_.~), lowercase hex
    (`http%3a%2f%2f192.168.77.1` in the capture)."""
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(text, safe="-_.~"))


def with_values(template: str, values: dict[str, str]) -> str:
    """The captured payload with some items' values replaced; order, other items and the junk tail stay as sent."""
    out = template
    for name, value in values.items():
        out, count = re.subn(rf"(^|, ){name}=[^,]*", lambda m, v=value, n=name: f"{m.group(1)}{n}={v}", out)
        if not count:
            raise ValueError(f"the captured payload has no {name}")
    return out


def php_openssl_encrypt(text: str, faskey: str, iv: str) -> str:
    """PHP's openssl_encrypt(text, "AES-256-CBC", faskey, 0, iv): key zero-padded/cut to 32 bytes, PKCS#7, base64."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    padder = padding.PKCS7(128).padder()
    data = padder.update(text.encode("utf-8")) + padder.finalize()
    key = faskey.encode("utf-8")[:32].ljust(32, b"\0")
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv.encode("ascii"))).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode("ascii")


def php_http_build_query(fields: list[tuple[str, str]]) -> str:
    """PHP's http_build_query: urlencode (space as '+', '=' as %3D)."""
    return "&".join(f"{quote_plus(k, safe='-_.')}={quote_plus(v, safe='-_.')}" for k, v in fields)


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
    version: str = field(default_factory=lambda: captured()["version"])
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
        token = os.urandom(4).hex()  # openNDS: 8 lowercase hex characters; hid = sha256(token)
        hid = hashlib.sha256(token.encode()).hexdigest()
        rhid = hashlib.sha256((hid + self.faskey).encode()).hexdigest()
        captured_client = CapturedClient(mac, ip, token, hid, rhid)
        self.clients[token] = captured_client
        return captured_client

    def payload(self, c: CapturedClient, originurl: str = "http://connectivitycheck.gstatic.com/generate_204") -> str:
        """The captured arrival payload of this level (levels 2-3 carry authdir) with this client's values."""
        template = captured()["level3" if self.level in (2, 3) else "level1"]["text"]
        host = self.address.split(":")[0]
        values = {"hid": c.hid, "clientip": c.ip, "clientmac": c.mac, "gatewayname": self.gatewayname,
                  "gatewayurl": gateway_quote(f"http://{host}"), "version": self.version,
                  "gatewayaddress": self.address, "gatewaymac": "3ccd575265eb", "originurl": gateway_quote(originurl),
                  "clientif": "wlan1"}
        if self.level in (2, 3):
            values["authdir"] = self.authdir
        return with_values(template, values)

    def redirect_path(self, c: CapturedClient, **kwargs: str) -> str:
        """The 307 Location's path and query (base64 left un-URL-encoded, as openNDS sends it)."""
        text = self.payload(c, **kwargs)
        if self.level in (2, 3):
            iv = os.urandom(8).hex()  # 16 lowercase hex characters, as captured
            sealed = base64.b64encode(php_openssl_encrypt(text, self.faskey, iv).encode()).decode()
            return f"/wlan/fas/{self.gateway_id}?fas={sealed}&iv={iv}"
        return f"/wlan/fas/{self.gateway_id}?fas={base64.b64encode(text.encode()).decode()}"

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
    def request(self, action: str, payload: str, user_agent: str | None = None) -> tuple[int, str]:
        """post-request.php (level 3): the captured headers, PHP's form body with the payload base64-encoded."""
        body = php_http_build_query([("auth_get", action), ("gatewayhash", self.gatewayhash),
                                     ("payload", base64.b64encode(payload.encode()).decode())])
        headers = {"Connection": "close", "User-Agent": user_agent or self.user_agent}
        if self.level == 3:
            r = self.client.http.post(f"/wlan/fas/{self.gateway_id}",
                                      headers={**headers, "Content-type": FORM["Content-Type"]}, body=body)
        else:  # level 4 (openNDS >= 10.2, not captured): libopennds's wget sends the same fields as a GET query
            r = self.client.http.get(f"/wlan/fas/{self.gateway_id}?{body}", headers=headers)
        text_ = r.body.decode() if isinstance(r.body, bytes) else (r.body or "")
        self.log.append(f"{action} {payload!r} -> {r.status_code} {text_!r}")
        return r.status_code, text_

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
        """binauth_log.sh's notice through libopennds (its User-Agent), in the captured format."""
        notice = [r for r in captured()["level3"]["authmon"] if "auth_get=deauthed" in r["body"]][0]
        payload = base64.b64decode(unquote(dict(parse_qsl(notice["body"]))["payload"].replace(" ", "+"))).decode()
        text_ = with_values(payload, {"method": method, "clientmac": c.mac, "session_start": str(start),
                                      "session_end": str(end), "token": c.token,
                                      "custom": base64.b64encode(b"marktplatz").decode()})
        if extra_b64:
            text_ = base64.b64encode(text_.encode()).decode()
        self.authenticated.pop(c.rhid, None)
        return self.request("deauthed", text_, user_agent=notice["headers"]["User-Agent"].replace(
            "NDS:9.10.0", f"NDS:{self.version}"))


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

"""The openNDS authmon protocol (levels 3 and 4), byte for byte as the reference FAS speaks it.

authmon polls the FAS URL with `auth_get=<action>&gatewayhash=<64 hex>&payload=<base64>` (form POST at level 3,
GET query at level 4; openNDS before 9.0 sent the payload unencoded, so both are accepted).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import NamedTuple
from urllib.parse import quote

ACTIONS = ("clear", "view", "list", "deauthed", "custom")
USER_AGENT_MARK = "openNDS(authmon"
ACK = "ack"
NOTHING = "*"
MAX_GRANTS_PER_VIEW = 4  # authmon applies at most 4 per poll and reads at most 1024 characters of the reply
MAX_PAYLOAD_CHARS = 4096
HEX64 = re.compile(r"^[0-9a-f]{64}$")
B64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
DEAUTH_ITEM = re.compile(r'([A-Za-z_]+)=(?:"([^"]*)"|([^,\s]*))')
DEAUTH_METHODS = ("idle_deauth", "timeout_deauth", "downquota_deauth", "upquota_deauth", "ndsctl_deauth",
                  "shutdown_deauth")


class AuthmonError(ValueError):
    """Not a well-formed authmon request."""


class AuthmonRequest(NamedTuple):
    action: str
    gatewayhash: str
    payload: str  # decoded

    @property
    def is_ack(self) -> bool:
        return self.action == "view" and self.payload != "none"


def is_authmon(params: dict[str, str], user_agent: str | None) -> bool:
    return "auth_get" in params or (user_agent or "").startswith(USER_AGENT_MARK)


def decode_payload(raw: str | None) -> str:
    if raw is None or raw == "" or raw == "none":
        return "none"
    candidate = raw.strip().replace(" ", "+")
    if B64.match(candidate) and len(candidate) % 4 == 0:
        try:
            text = base64.b64decode(candidate, validate=True).decode("utf-8")
            if text.isprintable() or all(c.isprintable() or c in "\n\t" for c in text):
                return text
        except (binascii.Error, UnicodeDecodeError):
            pass
    return raw  # pre-9.0 authmon: the payload as is


def parse_request(params: dict[str, str]) -> AuthmonRequest:
    action = params.get("auth_get", "")
    gatewayhash = params.get("gatewayhash", "")
    raw = params.get("payload")
    if action not in ACTIONS or not HEX64.match(gatewayhash) or (raw is not None and len(raw) > MAX_PAYLOAD_CHARS):
        raise AuthmonError("malformed")
    return AuthmonRequest(action, gatewayhash, decode_payload(raw))


def acked_rhids(payload: str) -> list[str]:
    """`* <rhid> <rhid> ...` (space or newline separated) -> the rhids, once each, in order."""
    seen: list[str] = []
    for token in payload.replace("*", " ").split():
        if HEX64.match(token) and token not in seen:
            seen.append(token)
    return seen


def rawurlencode(text: str) -> str:
    """PHP's rawurlencode: everything but A-Z a-z 0-9 - _ . ~ as %XX."""
    return quote(text, safe="-_.~")


def grant_entry(rhid: str, minutes: int, upload_kbps: int, download_kbps: int, upload_quota_kb: int,
                download_quota_kb: int, custom_b64: str) -> str:
    """One line of the auth list, exactly as the reference FAS (fas-aes-https.php, 9.x to 10.x) writes it: the
    custom base64 as is. `view_reply` rawurlencodes the whole line once and authmon decodes it once, so `ndsctl auth`
    receives these very words."""
    if not custom_b64.isalnum():
        raise AuthmonError("custom must be letters and digits only")  # see portal.custom_b64
    return f"{rhid} {minutes} {upload_kbps} {download_kbps} {upload_quota_kb} {download_quota_kb} {custom_b64}"


def view_reply(entries: list[str]) -> str:
    """`*` then, per pending grant, a space and the rawurlencoded entry; just `*` when nothing is pending."""
    return NOTHING + "".join(" " + rawurlencode(entry) for entry in entries[:MAX_GRANTS_PER_VIEW])


def parse_view_reply(reply: str) -> list[list[str]]:
    """authmon's side (for the simulated gateway): what `ndsctl auth` would receive for each entry."""
    from urllib.parse import unquote

    if not reply.startswith(NOTHING):
        raise AuthmonError("not an auth list")
    return [unquote(token).split(" ") for token in reply[2:1026].split()][:MAX_GRANTS_PER_VIEW]


class Deauth(NamedTuple):
    method: str
    token: str
    session_start: int | None
    session_end: int | None


def parse_deauth(payload: str) -> Deauth:
    """`method="timeout_deauth", clientmac="..", ..., session_start=<unix>, session_end=<unix>, token=..`;
    sometimes base64 once more."""
    text = payload
    if "method=" not in text:
        text = decode_payload(text.strip())
    if "method=" not in text:
        raise AuthmonError("not a deauth notice")
    items: dict[str, str] = {}
    for match in DEAUTH_ITEM.finditer(text):
        name = match.group(1)
        if name not in items:
            items[name] = match.group(2) if match.group(2) is not None else match.group(3)
    return Deauth(method=items.get("method", ""), token=items.get("token", ""),
                  session_start=_int(items.get("session_start")), session_end=_int(items.get("session_end")))


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) <= 12 else None

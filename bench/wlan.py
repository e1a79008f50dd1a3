"""WLAN benchmarks: DynamoDB requests per authmon `view` poll (nothing pending / four pending, plus the ack),
and arrival handling (decrypt + parse + render, in-process through the app) next to a bare AES decrypt."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import statistics
import time
from typing import Any
from urllib.parse import urlencode

from bench.common import local_aws

ADMIN = {"Authorization": "Bearer local-admin-token", "Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
GATEWAYNAME = "Bench%20Markt%20Node"
UA = {"User-Agent": "openNDS(authmon;NDS:10.2.0;)"}


def _client() -> Any:
    from chalice.test import Client

    from app import app

    return Client(app, stage_name="local")


def _payload(mac: str, ip: str) -> tuple[str, str]:
    from chalicelib.wlan import fas_query

    token = os.urandom(4).hex()
    hid = hashlib.sha256(token.encode()).hexdigest()
    return token, fas_query.build_payload([
        ("hid", hid), ("clientip", ip), ("clientmac", mac), ("client_type", "cpd_can"), ("cpi_query", ""),
        ("gatewayname", GATEWAYNAME), ("gatewayurl", "http%3a%2f%2fstatus.client"), ("version", "10.2.0"),
        ("gatewayaddress", "192.168.8.1:2050"), ("gatewaymac", "3ccd575265eb"), ("authdir", "opennds_auth"),
        ("originurl", "http%3a%2f%2fconnectivitycheck.gstatic.com%2fgenerate_204"), ("clientif", "wlan1"),
        ("themespec", "(null)")])


def _arrival_path(gateway_id: str, faskey: str, mac: str, ip: str) -> tuple[str, str, str]:
    from chalicelib.wlan import fas_query

    _, text = _payload(mac, ip)
    iv = os.urandom(8).hex()
    fas = fas_query.encrypt(text, iv, faskey)
    return f"/wlan/fas/{gateway_id}?fas={fas}&iv={iv}", fas, iv


def _poll(client: Any, gateway_id: str, payload: str) -> str:
    body = urlencode({"auth_get": "view", "gatewayhash": hashlib.sha256(GATEWAYNAME.encode()).hexdigest(),
                      "payload": base64.b64encode(payload.encode()).decode()})
    r = client.http.post(f"/wlan/fas/{gateway_id}", headers={**UA, **FORM}, body=body)
    return r.body.decode() if isinstance(r.body, bytes) else r.body


def _accept(client: Any, path: str) -> None:
    import re
    from html import unescape

    html = client.http.get(path).body
    html = html.decode() if isinstance(html, bytes) else html
    fields = {unescape(k): unescape(v) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                                                               html)}
    action = re.search(r'<form method="post" action="([^"]+)">', html).group(1)  # type: ignore[union-attr]
    assert client.http.post(action, headers=FORM, body=urlencode(fields)).status_code == 303


def authmon_polls(client: Any, polls: int = 50) -> dict[str, Any]:
    from devstack.ddb_calls import count_dynamodb_calls

    faskey = os.urandom(16).hex()
    r = client.http.post("/api/v1/gateways", headers=ADMIN, body=json.dumps({
        "name": "Bench", "vendor": "opennds", "zone": "bench", "session_minutes": 60,
        "opennds": {"security_level": 3, "faskey": faskey, "gatewayname": GATEWAYNAME}}))
    gateway_id = json.loads(r.body)["gateway_id"]
    with count_dynamodb_calls() as calls:
        for _ in range(polls):
            assert _poll(client, gateway_id, "none") == "*"
    idle = {"polls": polls, "calls": len(calls), "per_poll": len(calls) / polls,
            "by_operation": dict(calls.by_operation())}
    rounds = []
    for round_no in range(5):
        for i in range(4):
            _accept(client, _arrival_path(gateway_id, faskey, f"02:be:00:00:{round_no:02x}:{i:02x}",
                                          f"10.9.{round_no}.{i}")[0])
        with count_dynamodb_calls() as view_calls:
            reply = _poll(client, gateway_id, "none")
        rhids = [part.split("%20")[0] for part in reply[2:].split(" ")]
        assert len(rhids) == 4
        with count_dynamodb_calls() as ack_calls:
            assert _poll(client, gateway_id, "* " + " ".join(rhids)) == "ack"
        rounds.append((len(view_calls), len(ack_calls), dict(view_calls.by_operation()),
                       dict(ack_calls.by_operation())))
    return {
        "view_nothing_pending": idle,
        "view_four_pending": {"view_calls": statistics.mean(r[0] for r in rounds),
                              "ack_calls": statistics.mean(r[1] for r in rounds),
                              "view_plus_ack": statistics.mean(r[0] + r[1] for r in rounds),
                              "view_by_operation": rounds[-1][2], "ack_by_operation": rounds[-1][3]},
        "gateway_id": gateway_id, "faskey": faskey,
    }


def arrivals(client: Any, gateway_id: str, faskey: str, n: int = 300) -> dict[str, Any]:
    from chalicelib.wlan import fas_query
    from devstack.ddb_calls import count_dynamodb_calls

    path, fas, iv = _arrival_path(gateway_id, faskey, "02:aa:bb:cc:dd:ee", "10.9.9.9")
    client.http.get(path)  # warm: gateway cache, day key
    with count_dynamodb_calls() as calls:
        start = time.perf_counter()
        for _ in range(n):
            assert client.http.get(path).status_code == 200
        app_seconds = (time.perf_counter() - start) / n
    from chalicelib.wlan import portal

    limiter = portal.hit
    portal.hit = lambda *args, **kwargs: None  # the same arrival without its rate-limit write: CPU only
    try:
        start = time.perf_counter()
        for _ in range(n):
            client.http.get(path)
        cpu_only = (time.perf_counter() - start) / n
    finally:
        portal.hit = limiter
    start = time.perf_counter()
    for _ in range(n * 10):
        fas_query.decrypt(fas, iv, faskey)
    bare = (time.perf_counter() - start) / (n * 10)
    start = time.perf_counter()
    for _ in range(n * 10):
        fas_query.parse(fas_query.decrypt(fas, iv, faskey))
    parsed = (time.perf_counter() - start) / (n * 10)
    return {"arrival_in_process_ms": round(app_seconds * 1000, 3), "bare_aes_decrypt_us": round(bare * 1e6, 2),
            "arrival_without_rate_limit_write_ms": round(cpu_only * 1000, 3),
            "ratio_without_rate_limit_to_bare": round(cpu_only / bare, 1),
            "decrypt_and_parse_us": round(parsed * 1e6, 2), "ratio_arrival_to_bare": round(app_seconds / bare, 1),
            "dynamodb_calls_per_arrival": len(calls) / n, "by_operation": dict(calls.by_operation()),
            "note": "each arrival also counts one per-gateway rate-limit UpdateItem against moto"}


def run() -> dict[str, Any]:
    local_aws()
    import logging

    logging.getLogger("marktplatz").setLevel(logging.WARNING)
    client = _client()
    polls = authmon_polls(client)
    gateway_id, faskey = polls.pop("gateway_id"), polls.pop("faskey")
    return {"authmon": polls, "arrival": arrivals(client, gateway_id, faskey)}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))

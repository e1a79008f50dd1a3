"""docs/wlan.md promises that no MAC or IP address is stored or logged anywhere. Proved over the running local stack:
guests log in through openNDS levels 1 and 3 (the simulator) and Meraki, and through the demo gateway `make run`
starts; then every log file of every server and every item of every table is searched for their addresses."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import boto3
import pytest
import requests

from devstack.opennds_sim import FORM, HttpClient, SimulatedOpenNDS, form_of
from tests.conftest import ADMIN_TOKEN
from tests.wlan.test_opennds_flow import go_online

pytestmark = [pytest.mark.stack, pytest.mark.xdist_group("stack")]
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _gateway(stack: Any, body: dict[str, Any]) -> dict[str, Any]:
    created = requests.post(f"{stack.app_url}/api/v1/gateways", headers=ADMIN, timeout=10, json={
        "name": "Privacy Node", "zone": "markt", "session_minutes": 60, **body})
    assert created.status_code == 201, created.text
    return created.json()


def _spellings(mac: str) -> set[str]:
    """A MAC in every spelling a log or table might use."""
    plain = mac.replace(":", "").lower()
    pairs = [plain[i:i + 2] for i in range(0, 12, 2)]
    spellings = {sep.join(pairs) for sep in (":", "-", "")} | {".".join([plain[0:4], plain[4:8], plain[8:12]])}
    return {s for m in spellings for s in (m, m.upper())}


def _meraki_login(stack: Any, gateway_id: str, mac: str, ip: str) -> None:
    query = urlencode({"base_grant_url": "https://n143.network-auth.com/splash/grant", "user_continue_url":
                       "http://example.org/", "node_id": "123", "node_mac": "00:18:0a:00:00:01", "gateway_id": "9",
                       "client_ip": ip, "client_mac": mac})
    page = requests.get(f"{stack.app_url}/wlan/meraki/{gateway_id}?{query}", timeout=10)
    assert page.status_code == 200, page.text[:300]
    action, fields = form_of(page.text)
    done = requests.post(f"{stack.app_url}{action}", data=urlencode(fields), headers=FORM, timeout=10,
                         allow_redirects=False)
    assert done.status_code == 303 and urlsplit(done.headers["Location"]).netloc == "n143.network-auth.com"


def _table_dump(aws_url: str) -> str:
    dynamodb = boto3.client("dynamodb", endpoint_url=aws_url, region_name="eu-central-1",
                            aws_access_key_id="local", aws_secret_access_key="local")
    dumps = []
    for table in dynamodb.list_tables()["TableNames"]:
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            dumps.append(repr(page["Items"]))
    return "\n".join(dumps)


def test_no_mac_or_ip_in_any_log_or_table(stack: Any) -> None:
    guests: list[tuple[str, str]] = []
    for level in (1, 3):
        faskey = os.urandom(16).hex()
        gw = _gateway(stack, {"vendor": "opennds", "opennds": {"security_level": level, "faskey": faskey}})
        sim = SimulatedOpenNDS(HttpClient(stack.app_url), gw["gateway_id"], faskey, level)
        for i in range(2):
            mac, ip = f"02:5b:{level:02x}:7e:a1:{i:02x}", f"10.{40 + level}.7.{i + 11}"
            go_online(sim, sim.capture(mac, ip))
            guests.append((mac, ip))
    meraki = _gateway(stack, {"vendor": "meraki", "meraki": {"grant_hosts": ["n143.network-auth.com"]}})
    for i in range(2):
        mac, ip = f"02:5b:4d:7e:a2:{i:02x}", f"10.45.7.{i + 21}"
        _meraki_login(stack, meraki["gateway_id"], mac, ip)
        guests.append((mac, ip))
    # The demo gateway of `make run` (its own simulated clients; their addresses are on its status page only).
    assert stack.gateway_url, "the seeded stack starts the demo gateway"
    assert requests.get(stack.gateway_url, timeout=10).status_code == 200
    demo = requests.get(f"{stack.gateway_url}/status", timeout=10).text
    demo_macs = set(re.findall(r"(?:[0-9a-f]{2}:){5}[0-9a-f]{2}", demo))
    assert demo_macs
    needles = {s for mac in demo_macs for s in _spellings(mac)}
    for mac, ip in guests:
        # ...and the start of a level-1 FAS payload, which is plain base64 of "clientip=<ip>,clientmac=...".
        needles |= _spellings(mac) | {ip, base64.b64encode(f"clientip={ip}".encode()).decode()[:12]}

    logs = {path.name: path.read_text(errors="replace") for path in Path(stack.log_dir).glob("*.log")}
    assert {"app.log", "aws.log", "stripe.log", "gateway.log"} <= set(logs)
    assert "/wlan/fas/" in logs["app.log"] and "/wlan/meraki/" in logs["app.log"]  # the requests were logged...
    tables = _table_dump(stack.aws_url)
    assert "wlan" in tables.lower()
    found = []
    for needle in sorted(needles):
        found += [f"{needle} in {name}" for name, content in logs.items() if needle in content]
        if needle in tables:
            found.append(f"{needle} in a table")
    # ...but never with their query strings: no FAS payload, no Meraki client fields, no client address.
    for name, content in logs.items():
        for marker in ("fas=", "client_mac", "client_ip", "127.0.0.1 - -"):
            if marker in content:
                found.append(f"{marker!r} in {name}")
    assert found == []


def test_the_demo_faskey_is_on_no_command_line(stack: Any) -> None:
    faskey = stack.demo["gateway"]["faskey"]
    for proc in stack.procs:
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode(errors="replace")
        assert faskey not in cmdline, cmdline
    key_file = Path(stack.data_dir) / "demo-gateway.faskey"
    assert key_file.read_text() == faskey and key_file.stat().st_mode & 0o077 == 0

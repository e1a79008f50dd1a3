"""`make run`'s simulated openNDS router: a person opens it, accepts the terms, and is online — real HTTP only."""

from __future__ import annotations

import re
import time
from html import unescape
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

from tests.conftest import ADMIN_TOKEN

pytestmark = [pytest.mark.stack, pytest.mark.xdist_group("stack")]


def test_a_guest_logs_in_through_the_simulated_gateway(stack: Any) -> None:
    assert stack.gateway_url, "the stack starts the simulated gateway when it seeds demo data"
    browser = requests.Session()  # follows redirects like the phone's captive mini-browser
    splash = browser.get(f"{stack.gateway_url}/", timeout=10)
    assert splash.status_code == 200 and splash.url.startswith(stack.app_url + "/wlan/fas/")
    assert "Zustimmen und lossurfen" in splash.text
    action = unescape(re.search(r'<form method="post" action="([^"]+)">', splash.text).group(1))
    fields = {unescape(k): unescape(v) for k, v in
              re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', splash.text)}
    waiting = browser.post(urljoin(splash.url, action), data=fields, timeout=10)
    assert waiting.status_code == 200  # online at once or after authmon's next poll, depending on the machine's load
    deadline = time.monotonic() + 30
    page = waiting
    while time.monotonic() < deadline and "Sie sind online" not in page.text:
        time.sleep(1)  # the page refreshes itself (no JavaScript); authmon polls every 2 s
        page = browser.get(page.url, timeout=10)
    assert "Sie sind online" in page.text, page.text[:800]
    status = requests.get(f"{stack.gateway_url}/status", timeout=10).text
    assert "online" in status
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    gateways = requests.get(f"{stack.app_url}/api/v1/gateways", headers=admin, timeout=10).json()
    assert any(g["gateway_id"] == stack.demo["gateway"]["gateway_id"] for g in gateways["gateways"])

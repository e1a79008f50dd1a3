"""The voucher page shows the balance and its QR costs CPU: both are limited per client like the balance API
(before, 40 of 40 page views showed the balance while the API already said 429)."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.conftest import Api


@pytest.fixture
def three_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three lookups a minute, from one client address of this test's own (counters live for the minute)."""
    from chalicelib.core import settings

    monkeypatch.setenv("MARKTPLATZ_BALANCE_LOOKUPS_PER_MINUTE", "3")
    settings.reset()
    address = f"2001:db8::{uuid.uuid4().hex[:4]}"
    for module in ("chalicelib.vouchers.routes", "chalicelib.vouchers.pages"):
        monkeypatch.setattr(f"{module}.client_address", lambda request: address)


def test_the_voucher_page_shares_the_balance_limit(api: Api, three_a_minute: None) -> None:
    [v] = api.vouchers(2500)
    token = v["token"]
    assert api.call("GET", f"/api/v1/vouchers/balance?token={token}").status_code == 200
    pages = [api.client.http.get(f"/v/{token}") for _ in range(3)]
    assert [p.status_code for p in pages] == [200, 200, 429]
    assert "25,00" in pages[0].body.decode() and "25,00" not in pages[2].body.decode()
    assert pages[2].headers["Retry-After"] == "60" and "text/html" in pages[2].headers["Content-Type"]
    assert api.client.http.get(f"/V/{token.upper()}").status_code == 429  # the QR's upper-case URL too
    assert api.call("GET", f"/api/v1/vouchers/balance?token={token}").status_code == 429


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_qr_images_are_limited(api: Api, three_a_minute: None, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    [v] = api.vouchers(2500)
    url, accept = f"/v/{v['token']}/qr.{kind}", {"Accept": f"image/{kind}"}
    codes = [api.client.http.get(url, headers=accept).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = api.client.http.get(url, headers=accept)
    assert json.loads(refused.body)["error"]["code"] == "rate_limited"
    other = f"2001:db8::1:{uuid.uuid4().hex[:4]}"  # another client is not affected
    monkeypatch.setattr("chalicelib.vouchers.pages.client_address", lambda request: other)
    assert api.client.http.get(url, headers=accept).status_code == 200

"""End to end against the real local stack (moto server + `chalice local` as processes), over HTTP."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.conftest import ADMIN_TOKEN
from tests.support.qr import decode_png

pytestmark = [pytest.mark.stack, pytest.mark.xdist_group("stack")]


def test_issue_scan_redeem_twice_check_balance(stack) -> None:  # type: ignore[no-untyped-def]
    base = stack.app_url
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    shop = requests.post(f"{base}/api/v1/retailers", json={"name": "Eisdiele", "address": "Markt 2",
                                                            "email": "eis@example.org", "zone": "markt"},
                         headers=admin, timeout=10)
    assert shop.status_code == 201
    key = shop.json()["api_key"]
    issued = requests.post(f"{base}/api/v1/vouchers", json={"amount_cents": 5000, "quantity": 1}, headers=admin,
                           timeout=10)
    assert issued.status_code == 201
    voucher = issued.json()["vouchers"][0]

    qr = requests.get(f"{voucher['url']}/qr.png", timeout=10)
    assert qr.status_code == 200 and qr.headers["Content-Type"] == "image/png"
    text, _ = decode_png(qr.content)
    assert text == voucher["url"].upper()
    scanned_token = text.rsplit("/", 1)[1]

    # The phone camera opens the upper-case URL from the QR: the voucher page answers it.
    page = requests.get(text.replace("HTTP://127.0.0.1", "http://127.0.0.1"), timeout=10)
    assert page.status_code == 200 and "50,00 €" in page.text

    retailer = {"Authorization": f"Bearer {key}"}
    for amount, left in ((1250, 3750), (3000, 750)):
        r = requests.post(f"{base}/api/v1/redemptions", json={"token": scanned_token, "amount_cents": amount},
                          headers={**retailer, "Idempotency-Key": uuid.uuid4().hex}, timeout=10)
        assert r.status_code == 201, r.text
        assert r.json()["balance_cents"] == left
    balance = requests.get(f"{base}/api/v1/vouchers/balance", params={"token": scanned_token}, timeout=10).json()
    assert balance["balance_cents"] == 750 and balance["status"] == "active"

"""The voucher page in real Chromium: big QR, balance, expiry, shops, A6 print, German and English."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from tests.conftest import ADMIN_TOKEN
from tests.support.qr import decode_png
from tests.web.browser_checks import SHOTS as ARTIFACTS
from tests.web.browser_checks import assert_accessible, assert_no_external_requests, screenshots

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("stack")]


def test_voucher_page_shows_qr_balance_expiry_shops_and_prints_a6(page: Any, web: Any) -> None:
    voucher = web.demo["vouchers"][0]
    page.goto(voucher["url"].replace(web.app_url, ""))
    assert page.get_attribute("html", "lang") == "de"
    balance = requests.get(f"{web.app_url}/api/v1/vouchers/balance", params={"token": voucher["token"]},
                           timeout=10).json()
    euros = f"{balance['balance_cents'] // 100},{balance['balance_cents'] % 100:02d} €"
    assert page.text_content("[data-testid=balance]").replace("\xa0", " ") == euros
    y, m, d = balance["expires_at"][:10].split("-")
    assert page.text_content("[data-testid=expiry]") == f"{d}.{m}.{y}"
    qr = page.locator("img.qr")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    assert qr.bounding_box()["width"] >= 300
    for shop in web.demo["retailers"]:
        assert page.locator(".shops li", has_text=shop["name"]).count() == 1
    # What the page shows is what a phone camera reads: the QR decodes to this voucher's URL.
    text, _ = decode_png(qr.screenshot())
    assert text == voucher["url"].upper()
    screenshots(page, "voucher")
    assert_no_external_requests(page)

    page.emulate_media(media="print")
    assert page.locator(".shops").is_hidden() and page.locator("#print").is_hidden()
    assert page.locator(".print-only").is_visible()
    page.set_viewport_size({"width": 397, "height": 559})  # A6 at 96 dpi
    page.screenshot(path=str(ARTIFACTS / "voucher-print-a6.png"))
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (ARTIFACTS / "voucher-a6.pdf").write_bytes(pdf)
    # A6 is 105 x 148 mm = 297.6 x 419.5 pt, on one page.
    boxes = re.findall(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", pdf)
    assert len(boxes) == 1, boxes
    width, height = (float(v) for v in boxes[0])
    assert abs(width - 297.6) < 1.5 and abs(height - 419.5) < 1.5, boxes
    page.emulate_media(media="screen")


def test_voucher_page_in_english_and_unknown_token(page: Any, web: Any) -> None:
    voucher = web.demo["vouchers"][1]
    page.goto(voucher["url"].replace(web.app_url, "") + "?lang=en")
    assert page.get_attribute("html", "lang") == "en"
    assert page.text_content("h1") == "City voucher"
    assert page.locator("#shops-h").text_content() == "Where to spend it"
    assert_accessible(page, "voucher page (en)")
    response = page.goto("/v/" + "A" * 122)
    assert response.status == 404
    assert "Gutschein nicht gefunden" in page.text_content("h1")
    assert_accessible(page, "voucher not found")


def test_blocked_voucher_says_so(page: Any, web: Any) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    voucher = requests.post(f"{web.app_url}/api/v1/vouchers", json={"amount_cents": 1000, "quantity": 1},
                            headers=admin, timeout=10).json()["vouchers"][0]
    r = requests.post(f"{web.app_url}/api/v1/vouchers/{voucher['voucher_id']}/block", json={"reason": "lost"},
                      headers=admin, timeout=10)
    assert r.status_code == 200
    page.goto(f"/v/{voucher['token']}")
    assert "kann nicht eingelöst werden" in page.text_content(".notice")
    assert page.text_content("[data-testid=status]") == "gesperrt"
    assert_accessible(page, "blocked voucher")

"""The voucher page in real Chromium: big QR, balance, expiry, shops, A6 print, German and English."""

from __future__ import annotations

import re
import uuid
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
    assert page.locator(".print-only").first.is_visible() and page.locator(".print-only").nth(1).is_visible()
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


def _spend(base: str, token: str, amounts: list[int], shop_name: str) -> dict[str, Any]:
    shop = requests.post(f"{base}/api/v1/retailers", json={"name": shop_name, "address": "Markt 9",
                                                           "email": "privat@example.org", "zone": "markt"},
                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10).json()
    answers = []
    for i, amount in enumerate(amounts):
        headers = {"Authorization": f"Bearer {shop['api_key']}", "Idempotency-Key": f"{uuid.uuid4().hex}-{i}"}
        r = requests.post(f"{base}/api/v1/redemptions", json={"token": token, "amount_cents": amount},
                          headers=headers, timeout=10)
        assert r.status_code == 201, r.text
        answers.append(r.json())
    shop["redemptions"] = answers
    return shop


def test_spent_voucher_says_fully_spent_and_lists_where_it_was_spent(page: Any, web: Any) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    voucher = requests.post(f"{web.app_url}/api/v1/vouchers", json={"amount_cents": 2550, "quantity": 1},
                            headers=admin, timeout=10).json()["vouchers"][0]
    shop = _spend(web.app_url, voucher["token"], [1000, 500, 1050], "Eisdiele Venezia")
    # The shop undoes the 5 € charge and takes 5 € again: the undone one is listed once, marked.
    undo = requests.post(f"{web.app_url}/api/v1/redemptions/{shop['redemptions'][1]['redemption_id']}/reversal",
                         headers={"Authorization": f"Bearer {shop['api_key']}"}, timeout=10)
    assert undo.status_code == 201, undo.text
    r = requests.post(f"{web.app_url}/api/v1/redemptions", json={"token": voucher["token"], "amount_cents": 500},
                      headers={"Authorization": f"Bearer {shop['api_key']}", "Idempotency-Key": "again-1"},
                      timeout=10)
    assert r.status_code == 201 and r.json()["balance_cents"] == 0

    page.goto(f"/v/{voucher['token']}")
    assert page.text_content("[data-testid=spent]") == "Vollständig eingelöst"
    assert page.text_content("[data-testid=status]") == "vollständig eingelöst"
    assert "gültig" not in page.text_content("[data-testid=status]")
    assert "Zeigen Sie diesen Code" not in page.text_content("article")
    rows = page.locator("[data-testid=spent-row]")
    assert rows.count() == 4
    texts = [" ".join(rows.nth(i).text_content().replace("\xa0", " ").split()) for i in range(4)]
    assert all("Eisdiele Venezia" in t for t in texts)
    assert "10,00 €" in texts[0] and "5,00 € (storniert)" in texts[1] and "10,50 €" in texts[2]
    assert "storniert" not in texts[3]
    body = page.content()
    assert "privat@example.org" not in body and "Markt 9" not in body  # the shop's public name only
    color = page.evaluate("getComputedStyle(document.querySelector('[data-testid=spent]')).backgroundColor")
    assert color == "rgb(90, 90, 90)"  # grey, not the green of a valid voucher
    screenshots(page, "voucher-spent")

    page.goto(f"/v/{voucher['token']}?lang=en")
    assert page.text_content("[data-testid=spent]") == "Fully spent"
    assert page.locator("#spent-h").text_content() == "Spent"
    assert_accessible(page, "spent voucher (en)")

    history = requests.get(f"{web.app_url}/api/v1/vouchers/spending", params={"token": voucher["token"]},
                           timeout=10).json()
    assert [(h["amount_cents"], h["shop"], h["reversed"]) for h in history["redemptions"]] == [
        (1000, "Eisdiele Venezia", False), (500, "Eisdiele Venezia", True), (1050, "Eisdiele Venezia", False),
        (500, "Eisdiele Venezia", False)]
    assert_no_external_requests(page)


def test_print_card_shows_value_and_how_to_check_not_a_live_balance(page: Any, web: Any) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    voucher = requests.post(f"{web.app_url}/api/v1/vouchers", json={"amount_cents": 2550, "quantity": 1},
                            headers=admin, timeout=10).json()["vouchers"][0]
    _spend(web.app_url, voucher["token"], [1000], "Optik am Dom")
    page.goto(f"/v/{voucher['token']}")
    page.emulate_media(media="print")
    visible = " ".join(page.locator("article").inner_text().replace("\xa0", " ").split())
    assert "Wert 25,50 €" in visible
    assert "Guthaben prüfen" in visible
    assert "15,50 €" not in visible and "Status" not in visible and "gültig" not in visible.replace("Gültig", "")
    assert page.locator(".spent").is_hidden() and page.locator("footer.legal-links").is_hidden()
    page.set_viewport_size({"width": 397, "height": 559})
    page.screenshot(path=str(ARTIFACTS / "voucher-print-a6-card.png"))
    page.emulate_media(media="screen")
    assert "15,50 €" in page.text_content("[data-testid=balance]").replace("\xa0", " ")

"""The voucher shop in real Chromium. The purchase runs through the Payment Element at localstripe (the payments
issue's local stack); the rest needs only the voucher core."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.web.browser_checks import assert_accessible, assert_no_external_requests, screenshots

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("stack")]


def _text(page: Any, selector: str) -> str:
    return (page.text_content(selector) or "").replace("\xa0", " ")


def test_buy_two_vouchers_with_a_test_card(page: Any, web: Any) -> None:
    page.goto("/")
    screenshots(page, "shop")
    page.click("label.preset:has-text('25 €')")
    page.fill("#quantity", "2")
    page.fill("#email", "kunde@example.org")
    assert _text(page, "#total") == "50,00 €"
    page.click("#to-payment")
    page.wait_for_selector("#pay:not([hidden])")
    page.wait_for_selector("#payment-element input")
    assert "2 × 25,00 € = 50,00 €" in _text(page, "#pay-summary")
    page.get_by_label("Kartennummer").fill("4242 4242 4242 4242")
    page.get_by_label("Gültig bis (MM/JJ)").fill("12/34")
    page.get_by_label("Prüfnummer (CVC)").fill("123")
    screenshots(page, "shop-payment")
    page.click("#pay-now")
    page.wait_for_selector("#done:not([hidden])")
    page.wait_for_function("document.querySelectorAll('[data-testid=voucher]').length === 2", timeout=30000)
    assert "kunde@example.org" in _text(page, "#done-sent")
    cards = page.locator("[data-testid=voucher]")
    page.wait_for_function("[...document.querySelectorAll('[data-testid=voucher] img')]"
                           ".every(img => img.complete && img.naturalWidth > 0)")
    for i in range(2):
        card = cards.nth(i)
        assert "25,00 €" in _text(page, f"[data-testid=voucher] >> nth={i}")
        href = card.locator("a").get_attribute("href")
        token = href.split("/v/")[1].split("?")[0]
        balance = requests.get(f"{web.app_url}/api/v1/vouchers/balance", params={"token": token}, timeout=10).json()
        assert balance["balance_cents"] == 2500 and balance["status"] == "active"
    screenshots(page, "shop-success")
    assert_no_external_requests(page)


def test_declined_card_shows_the_error_and_issues_nothing(page: Any, web: Any) -> None:
    page.goto("/")
    page.click("label.preset:has-text('10 €')")
    page.fill("#email", "abgelehnt@example.org")
    page.click("#to-payment")
    page.wait_for_selector("#payment-element input")
    page.get_by_label("Kartennummer").fill("4000 0000 0000 0341")  # attaches, then the charge is declined
    page.get_by_label("Gültig bis (MM/JJ)").fill("12/34")
    page.get_by_label("Prüfnummer (CVC)").fill("123")
    page.click("#pay-now")
    page.wait_for_function("document.getElementById('pay-error').textContent.length > 0")
    assert page.is_hidden("#done")
    order = page.evaluate("JSON.parse(sessionStorage.getItem('mp.order'))")
    status = requests.get(f"{web.app_url}/api/v1/orders/{order['id']}", headers={"X-Order-Secret": order["secret"]},
                          timeout=10).json()
    assert status["status"] != "paid" and status["vouchers"] == []
    assert_accessible(page, "shop payment declined")


def test_amount_limits_and_quantity_are_checked_before_ordering(page: Any, web: Any) -> None:
    page.goto("/")
    orders: list[str] = []
    page.on("request", lambda r: orders.append(r.url) if "/api/v1/orders" in r.url else None)
    page.click("label.preset:has-text('Anderer Betrag')")
    page.fill("#amount", "3")
    page.fill("#email", "kein-at-zeichen")
    page.fill("#quantity", "21")
    page.click("#to-payment")
    assert "zwischen 5,00 € und 250,00 €" in _text(page, "#amount-err")
    assert "1 bis 20" in _text(page, "#quantity-err")
    assert "E-Mail" in _text(page, "#email-err")
    assert page.get_attribute("#amount", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "amount"
    page.fill("#amount", "37,50")
    page.fill("#quantity", "2")
    assert _text(page, "#total") == "75,00 €"
    assert orders == []
    assert_accessible(page, "shop with errors")


def test_shops_by_zone_and_balance_check(page: Any, web: Any) -> None:
    page.goto("/?lang=en")
    assert page.get_attribute("html", "lang") == "en"
    for shop in web.demo["retailers"]:
        assert page.locator(".shops li", has_text=shop["name"]).count() == 1
    zones = page.locator(".shops h3").all_text_contents()
    assert zones == sorted(zones) and "Markt" in zones
    voucher = web.demo["vouchers"][2]
    page.fill("#check-code", voucher["url"].upper())
    page.click("#check-form button[type=submit]")
    page.wait_for_selector("#check-result.ok")
    balance = requests.get(f"{web.app_url}/api/v1/vouchers/balance", params={"token": voucher["token"]},
                           timeout=10).json()
    assert f"€{balance['balance_cents'] / 100:.2f}" in _text(page, "#check-result")
    page.fill("#check-code", "NOT-A-VOUCHER")
    page.click("#check-form button[type=submit]")
    page.wait_for_selector("#check-result.bad")
    screenshots(page, "shop-en")
    assert_no_external_requests(page)


def test_bonus_code_shows_the_bonus_while_the_budget_lasts(page: Any, web: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from tests.conftest import ADMIN_TOKEN

    now = datetime.now(UTC)
    r = requests.post(f"{web.app_url}/api/v1/campaigns", json={
        "name": "Herbstbonus", "percent": 20, "budget_cents": 100000, "code": "HERBST20",
        "starts_at": (now - timedelta(hours=1)).isoformat(), "ends_at": (now + timedelta(days=7)).isoformat()},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10)
    assert r.status_code == 201, r.text
    page.goto("/")
    page.click("label.preset:has-text('50 €')")
    page.fill("#bonus-code", "FALSCH")
    page.click("#bonus-check")
    page.wait_for_selector("#bonus.none")
    page.fill("#bonus-code", "HERBST20")
    page.click("#bonus-check")
    page.wait_for_selector("#bonus:has-text('+20 %')")
    assert "Herbstbonus" in _text(page, "#bonus")
    assert _text(page, "#total") == "50,00 €"
    assert "60,00 €" in _text(page, "#total-bonus")
    assert_accessible(page, "shop with bonus")


def test_card_needing_3d_secure_completes_through_localstripes_step(page: Any, web: Any) -> None:
    page.goto("/")
    page.click("label.preset:has-text('10 €')")
    page.fill("#email", "dreids@example.org")
    page.click("#to-payment")
    page.wait_for_selector("#payment-element input")
    page.get_by_label("Kartennummer").fill("4000 0025 0000 3155")
    page.get_by_label("Gültig bis (MM/JJ)").fill("12/34")
    page.get_by_label("Prüfnummer (CVC)").fill("123")
    page.click("#pay-now")
    page.click("text=Complete authentication")
    page.wait_for_function("document.querySelectorAll('[data-testid=voucher]').length === 1", timeout=30000)
    assert "10,00 €" in _text(page, "[data-testid=voucher]")

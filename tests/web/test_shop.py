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
    page.check("#terms")
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
    page.check("#terms")
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
    page.check("#terms")
    page.click("#pay-now")
    page.click("text=Complete authentication")
    page.wait_for_function("document.querySelectorAll('[data-testid=voucher]').length === 1", timeout=30000)
    assert "10,00 €" in _text(page, "[data-testid=voucher]")


def _to_payment(page: Any, email: str, preset: str = "10 €", lang: str = "de") -> None:
    page.goto("/" if lang == "de" else "/?lang=en")
    page.click(f"label.preset:has-text('{preset}')")
    page.fill("#email", email)
    page.click("#to-payment")
    page.wait_for_selector("#payment-element input")


def _card(page: Any, number: str, expiry: str = "12/34", cvc: str = "123", lang: str = "de") -> None:
    labels = (("Kartennummer", "Gültig bis (MM/JJ)", "Prüfnummer (CVC)") if lang == "de"
              else ("Card number", "Expiry (MM/YY)", "Security code (CVC)"))
    for label, value in zip(labels, (number, expiry, cvc), strict=True):
        page.get_by_label(label).fill(value)


def _pay(page: Any) -> None:
    page.check("#terms")
    page.click("#pay-now")


def test_declined_card_then_a_good_card_in_the_same_form(page: Any, web: Any) -> None:
    created: list[str] = []
    page.on("request", lambda r: created.append(r.url) if r.method == "POST" and r.url.endswith("/api/v1/orders")
            else None)
    _to_payment(page, "zweiter-versuch@example.org")
    _card(page, "4000 0000 0000 0341")  # attaches, then the charge is declined
    _pay(page)
    page.wait_for_function("document.getElementById('pay-error').textContent.length > 0")
    assert _text(page, "#pay-error") == ("Ihre Karte wurde abgelehnt. Bitte wenden Sie sich an Ihre Bank oder "
                                         "verwenden Sie eine andere Karte.")
    assert "declined" not in _text(page, "#pay-error")
    screenshots(page, "shop-payment-declined")
    # Mistyped details are named in German, before anything is sent.
    _card(page, "4242 4242 4242 4241")
    page.click("#pay-now")
    page.wait_for_selector("#pay-error:has-text('Kartennummer ist ungültig')")
    _card(page, "4242 4242 4242 4242", expiry="01/20")
    page.click("#pay-now")
    page.wait_for_selector("#pay-error:has-text('Ablaufdatum liegt in der Vergangenheit')")
    # The same form, the same order: a good card now goes through.
    _card(page, "4242 4242 4242 4242")
    page.click("#pay-now")
    page.wait_for_function("document.querySelectorAll('[data-testid=voucher]').length === 1", timeout=30000)
    assert len(created) == 1
    order_id = page.evaluate("JSON.parse(sessionStorage.getItem('mp.order') || 'null')") or {}
    assert _text(page, "[data-testid=order-no]").startswith("Bestellnummer: ord_")
    assert order_id == {} or order_id.get("id") in _text(page, "[data-testid=order-no]")
    assert_no_external_requests(page)


def test_declined_card_in_english(page: Any, web: Any) -> None:
    _to_payment(page, "declined-en@example.org", preset="€10", lang="en")
    _card(page, "4000 0000 0000 0341", lang="en")
    page.check("#terms")
    page.click("#pay-now")
    page.wait_for_function("document.getElementById('pay-error').textContent.length > 0")
    assert _text(page, "#pay-error") == "Your card was declined. Please contact your bank or use another card."
    assert_accessible(page, "shop payment declined (en)")


def test_payment_waits_for_consent_to_the_terms(page: Any, web: Any) -> None:
    confirms: list[str] = []
    page.on("request", lambda r: confirms.append(r.url) if "/stripe-local/confirm" in r.url else None)
    _to_payment(page, "agb@example.org")
    links = {a.text_content(): a.get_attribute("href") for a in page.locator("#pay .consent a").all()}
    assert links == {"AGB": "/agb", "Widerrufsbelehrung": "/widerruf", "Datenschutzerklärung": "/datenschutz"}
    _card(page, "4242 4242 4242 4242")
    page.click("#pay-now")
    page.wait_for_selector("#terms-err:has-text('AGB')")
    assert page.evaluate("document.activeElement.id") == "terms"
    assert page.get_attribute("#terms", "aria-invalid") == "true"
    page.wait_for_timeout(300)
    assert confirms == [] and page.is_hidden("#done")
    screenshots(page, "shop-payment-terms")
    _pay(page)
    page.wait_for_selector("#done:not([hidden])")
    assert len(confirms) == 1
    assert _text(page, "#terms-err") == ""


def test_total_only_for_a_valid_amount(page: Any, web: Any) -> None:
    page.goto("/")
    page.click("label.preset:has-text('Anderer Betrag')")
    for amount, quantity, total in (("3", "1", "–"), ("300", "1", "–"), ("abc", "1", "–"), ("25", "0", "–"),
                                    ("25", "21", "–"), ("25", "2.5", "–"), ("25,50", "2", "51,00 €")):
        page.fill("#amount", amount)
        page.fill("#quantity", quantity)
        assert _text(page, "#total") == total, (amount, quantity)


def test_order_page_survives_a_reload_and_shows_the_vouchers_again(page: Any, web: Any) -> None:
    _to_payment(page, "lesezeichen@example.org", preset="25 €")
    _card(page, "4242 4242 4242 4242")
    _pay(page)
    page.wait_for_function("document.querySelectorAll('[data-testid=voucher]').length === 1", timeout=30000)
    url = page.url
    assert "/bestellung/ord_" in url and "#" in url
    order_no = _text(page, "[data-testid=order-no]")
    token = page.locator("[data-testid=voucher] a").get_attribute("href").split("/v/")[1].split("?")[0]
    page.reload()
    page.wait_for_function("document.querySelectorAll('[data-testid=voucher]').length === 1", timeout=30000)
    assert _text(page, "[data-testid=order-no]") == order_no
    assert token in page.locator("[data-testid=voucher] a").get_attribute("href")
    assert page.is_hidden("#buy") and page.is_hidden("#pay")
    screenshots(page, "shop-order-page")
    # A fresh browser with the link (from a bookmark) sees the same; without the secret, nothing.
    other = page.context.browser.new_context(base_url=web.app_url, locale="en-GB")
    fresh = other.new_page()
    fresh.goto(url.replace(web.app_url, "").replace("#", "?lang=en#"))
    fresh.wait_for_function("document.querySelectorAll('[data-testid=voucher]').length === 1", timeout=30000)
    assert "Order number: ord_" in _text(fresh, "[data-testid=order-no]")
    fresh.goto(url.split("#")[0].replace(web.app_url, "") + "?lang=en")
    fresh.wait_for_selector("#done-wait:has-text('not found')")
    assert fresh.locator("[data-testid=voucher]").count() == 0
    other.close()

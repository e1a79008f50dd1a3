"""The retailer till in real Chromium: the camera is fed a Y4M made from a real voucher's QR code."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import ADMIN_TOKEN
from tests.web.browser_checks import assert_accessible, assert_no_external_requests, screenshots
from tests.web.camera import write_y4m
from tests.web.conftest import guard_external_requests

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("stack")]

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _retailer(base: str, name: str) -> dict[str, Any]:
    r = requests.post(f"{base}/api/v1/retailers", json={"name": name, "address": "Markt 5", "email": "k@example.org",
                                                        "zone": "markt"}, headers=ADMIN, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def _voucher(base: str, cents: int) -> dict[str, Any]:
    r = requests.post(f"{base}/api/v1/vouchers", json={"amount_cents": cents, "quantity": 1}, headers=ADMIN,
                      timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["vouchers"][0]


def _balance(base: str, token: str) -> int:
    return requests.get(f"{base}/api/v1/vouchers/balance", params={"token": token}, timeout=10).json()["balance_cents"]


def _type_amount(page: Any, digits: str) -> None:
    for d in digits:
        page.click(f'#keypad button[data-key="{d}"]')


def _scan(page: Any) -> None:
    """Scan with the camera; after "Nächster Gutschein" it is already running again, so no tap is needed."""
    if page.is_hidden("#camera") and page.is_visible("#scan-step"):
        page.click("#camera-btn")
    page.wait_for_selector("#amount-step:not([hidden])", timeout=20000)


@pytest.fixture
def till(launch: Any, web: Any, tmp_path: Path) -> Any:
    """A phone-sized till whose camera sees one real voucher's QR, and that voucher's data."""
    base = web.app_url
    voucher = _voucher(base, 5000)
    qr = requests.get(f"{voucher['url']}/qr.png", timeout=10)
    assert qr.status_code == 200
    video = write_y4m(qr.content, tmp_path / "voucher.y4m")
    browser = launch("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                     f"--use-file-for-fake-video-capture={video}")
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="de-DE",
                                  timezone_id="Europe/Berlin", base_url=base, permissions=["camera"])
    page = context.new_page()
    guard_external_requests(page, base)
    yield page, voucher
    context.close()


def test_scan_redeem_refuse_retry_undo(till: Any, web: Any) -> None:
    page, voucher = till
    base = web.app_url
    shop = _retailer(base, "Blumen Kerkhoff")

    page.goto("/haendler")
    page.wait_for_selector("#login:not([hidden])")
    screenshots(page, "haendler-login")
    page.fill("#key", "mpk_wrong")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#login-error:has-text('nicht angenommen')")
    page.fill("#key", shop["api_key"])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#till:not([hidden])")
    assert page.text_content("#shop-name") == "Blumen Kerkhoff"
    assert page.evaluate("localStorage.getItem('mp.retailerKey')") == shop["api_key"]

    # 1) scan, key in 12,50 €, confirm with a double tap: charged once.
    _scan(page)
    assert page.text_content("#v-balance").replace("\xa0", " ") == "50,00 €"
    _type_amount(page, "1250")
    assert page.text_content("#amount").replace("\xa0", " ") == "12,50 €"
    screenshots(page, "haendler-amount")
    page.click("#charge")
    page.dblclick("#confirm")
    page.wait_for_selector("#result.ok")
    assert "12,50 € abgebucht" in page.text_content("#result-head").replace("\xa0", " ")
    assert "Restguthaben 37,50 €" in page.text_content("#result-detail").replace("\xa0", " ")
    screenshots(page, "haendler-result-ok")
    assert _balance(base, voucher["token"]) == 3750
    page.wait_for_function("document.getElementById('today-total').textContent.replace('\\u00a0', ' ') === '12,50 €'")

    # 2) more than is left: said before confirming, with the rest offered (not taken here), nothing charged.
    page.click("#next")
    _scan(page)
    _type_amount(page, "4000")
    page.click("#charge")
    page.wait_for_selector("#charge-rest:not([hidden])")
    assert page.is_hidden("#confirm-step")
    assert "höher als das Guthaben von 37,50 €" in page.text_content("#amount-msg").replace("\xa0", " ")
    screenshots(page, "haendler-over-balance")
    assert _balance(base, voucher["token"]) == 3750
    page.click("#cancel")

    # 3) a flaky network: the first answer is lost after the server booked it; the retry reuses the key.
    keys: list[str] = []

    def lose_first_answer(route: Any) -> None:
        keys.append(route.request.headers.get("idempotency-key", ""))
        response = route.fetch()
        if len(keys) == 1:
            assert response.status == 201
            route.abort("connectionreset")
        else:
            route.fulfill(response=response)

    page.route("**/api/v1/redemptions", lambda route: lose_first_answer(route)
               if route.request.method == "POST" else route.continue_())
    _scan(page)
    _type_amount(page, "500")
    page.click("#charge")
    page.click("#confirm")
    page.wait_for_selector("#result.ok")
    page.unroute("**/api/v1/redemptions")
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0]
    assert "Restguthaben 32,50 €" in page.text_content("#result-detail").replace("\xa0", " ")
    assert _balance(base, voucher["token"]) == 3250

    # 4) undo the last one: the balance comes back, the list shows it once, struck through; the total follows.
    page.click("#undo")
    page.wait_for_selector("#result-head:has-text('storniert')")
    assert "Restguthaben 37,50 €" in page.text_content("#result-detail").replace("\xa0", " ")
    assert _balance(base, voucher["token"]) == 3750
    page.wait_for_selector("#today-list li.is-reversed")
    page.wait_for_function("document.querySelectorAll('#today-list li').length === 2")
    undone = page.locator("#today-list li.is-reversed")
    assert "5,00 € (storniert)" in undone.text_content().replace("\xa0", " ")
    assert page.locator("#today-list li.reversal").count() == 0
    refs = page.locator("[data-testid=today-voucher]").all_text_contents()
    assert refs == [f"Gutschein {voucher['voucher_id']}"] * 2
    history = requests.get(f"{base}/api/v1/redemptions", headers={"Authorization": f"Bearer {shop['api_key']}"},
                           timeout=10).json()["items"]
    assert sorted((i["kind"], i["amount_cents"]) for i in history) == [
        ("redemption", -1250), ("redemption", -500), ("reversal", 500)]
    assert page.text_content("#today-total").replace("\xa0", " ") == "12,50 €"
    screenshots(page, "haendler-today")
    assert_no_external_requests(page)


def test_offline_checks_signature_but_never_redeems(till: Any, web: Any) -> None:
    page, voucher = till
    shop = _retailer(web.app_url, "Hofladen")
    page.goto("/haendler")
    page.fill("#key", shop["api_key"])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#till:not([hidden])")
    # Installable: manifest linked, service worker active for /haendler, keys stored for offline checks.
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)").endswith("/haendler")
    manifest = requests.get(f"{web.app_url}/haendler.webmanifest", timeout=10).json()
    assert manifest["start_url"] == "/haendler" and manifest["display"] == "standalone"
    page.wait_for_function("localStorage.getItem('mp.voucherKeys') !== null")

    page.context.set_offline(True)
    page.wait_for_selector("#net:not([hidden])")
    assert "Offline" in page.text_content("#net")
    page.fill("#code", voucher["url"].upper())
    page.click("#code-form button[type=submit]")
    page.wait_for_selector("#scan-msg.ok")
    assert "Echt" in page.text_content("#scan-msg") and voucher["voucher_id"] in page.text_content("#scan-msg")
    assert page.is_hidden("#amount-step")
    screenshots(page, "haendler-offline")

    token = voucher["token"]
    flipped = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]
    page.fill("#code", flipped)
    page.click("#code-form button[type=submit]")
    page.wait_for_selector("#scan-msg.bad")
    assert "Ungültig" in page.text_content("#scan-msg")

    # The page itself comes from the service worker's cache when the network is gone.
    page.reload()
    page.wait_for_selector("#till:not([hidden])")
    page.wait_for_selector("#net:not([hidden])")
    assert page.text_content("#shop-name") == "Hofladen"

    # The camera offline: still only a check, no keypad, no redemption.
    page.click("#camera-btn")
    page.wait_for_selector("#scan-msg.ok")
    assert page.is_hidden("#amount-step")
    page.context.set_offline(False)
    page.wait_for_selector("#net", state="hidden")
    assert _balance(web.app_url, token) == 5000
    assert_accessible(page, "haendler offline")


def test_till_in_english(page: Any) -> None:
    page.goto("/haendler?lang=en")
    page.wait_for_selector("#login:not([hidden])")
    assert page.get_attribute("html", "lang") == "en"
    assert page.text_content("#login-h") == "Redeem vouchers"
    assert_accessible(page, "haendler (en)")
    assert_no_external_requests(page)


def test_idempotency_keys_differ_between_attempts(till: Any, web: Any) -> None:
    """Two separate charges are two attempts: each gets its own key (a reused key would replay the first)."""
    page, voucher = till
    shop = _retailer(web.app_url, "Metzgerei")
    keys: list[str] = []
    page.goto("/haendler")
    page.fill("#key", shop["api_key"])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#till:not([hidden])")
    page.on("request", lambda r: keys.append(r.headers.get("idempotency-key", ""))
            if r.method == "POST" and r.url.endswith("/api/v1/redemptions") else None)
    for _ in range(2):
        page.fill("#code", voucher["token"].lower())
        page.click("#code-form button[type=submit]")
        page.wait_for_selector("#amount-step:not([hidden])")
        _type_amount(page, "100")
        page.click("#charge")
        page.click("#confirm")
        page.wait_for_selector("#result.ok")
        page.click("#next")
    assert len(keys) == 2 and keys[0] != keys[1] and all(uuid.UUID(k) for k in keys)
    assert _balance(web.app_url, voucher["token"]) == 4800


def _login(page: Any, key: str) -> None:
    page.goto("/haendler")
    page.fill("#key", key)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#till:not([hidden])")


def test_over_balance_offers_the_rest_and_takes_it_in_one_tap(till: Any, web: Any) -> None:
    page, voucher = till
    base = web.app_url
    shop = _retailer(base, "Schuhhaus Bröker")
    spent = requests.post(f"{base}/api/v1/redemptions", json={"token": voucher["token"], "amount_cents": 2450},
                          headers={"Authorization": f"Bearer {shop['api_key']}", "Idempotency-Key": uuid.uuid4().hex},
                          timeout=10)
    assert spent.status_code == 201
    _login(page, shop["api_key"])
    _scan(page)
    assert page.text_content("#v-balance").replace("\xa0", " ") == "25,50 €"  # known before anything is confirmed
    _type_amount(page, "3000")
    page.click("#charge")
    rest = page.locator("#charge-rest")
    rest.wait_for()
    assert rest.text_content().replace("\xa0", " ") == "Restguthaben 25,50 € abbuchen?"
    assert page.evaluate("document.activeElement.id") == "charge-rest"
    screenshots(page, "haendler-offer-rest")
    rest.click()  # one tap: this is the confirmation
    page.wait_for_selector("#result.ok")
    assert "25,50 € abgebucht" in page.text_content("#result-head").replace("\xa0", " ")
    detail = page.text_content("#result-detail").replace("\xa0", " ")
    assert "Restguthaben 0,00 €" in detail and "Noch zu zahlen: 4,50 €" in detail
    assert _balance(base, voucher["token"]) == 0

    # The camera is back by itself for the next customer; the same (now spent) voucher says so and takes no digits.
    page.click("#next")
    page.wait_for_selector("#amount-step:not([hidden])", timeout=20000)
    assert page.text_content("#v-status") == "Vollständig eingelöst"
    assert "vollständig eingelöst" in page.text_content("#amount-msg")
    assert page.is_disabled("#charge") and page.is_disabled('#keypad button[data-key="1"]')
    page.keyboard.press("5")
    assert page.text_content("#amount").replace("\xa0", " ") == "0,00 €"
    screenshots(page, "haendler-spent")
    assert_no_external_requests(page)


def test_balance_spent_elsewhere_meanwhile_offers_what_is_left(till: Any, web: Any) -> None:
    page, voucher = till
    base = web.app_url
    shop = _retailer(base, "Bäckerei Wiesmann")
    other = _retailer(base, "Kiosk am Bahnhof")
    _login(page, shop["api_key"])
    _scan(page)
    _type_amount(page, "4000")
    page.click("#charge")
    page.wait_for_selector("#confirm-step:not([hidden])")
    requests.post(f"{base}/api/v1/redemptions", json={"token": voucher["token"], "amount_cents": 2000},
                  headers={"Authorization": f"Bearer {other['api_key']}", "Idempotency-Key": uuid.uuid4().hex},
                  timeout=10).raise_for_status()
    page.click("#confirm")
    page.wait_for_selector("#charge-rest:not([hidden])")
    assert page.text_content("#charge-rest").replace("\xa0", " ") == "Restguthaben 30,00 € abbuchen?"
    page.click("#charge-rest")
    page.wait_for_selector("#result.ok")
    assert _balance(base, voucher["token"]) == 0


def test_till_spent_voucher_in_english(till: Any, web: Any) -> None:
    page, voucher = till
    base = web.app_url
    shop = _retailer(base, "Tea Room")
    requests.post(f"{base}/api/v1/redemptions", json={"token": voucher["token"], "amount_cents": 5000},
                  headers={"Authorization": f"Bearer {shop['api_key']}", "Idempotency-Key": uuid.uuid4().hex},
                  timeout=10).raise_for_status()
    page.goto("/haendler?lang=en")
    page.fill("#key", shop["api_key"])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#till:not([hidden])")
    page.fill("#code", voucher["token"])
    page.click("#code-form button[type=submit]")
    page.wait_for_selector("#amount-step:not([hidden])")
    assert page.text_content("#v-status") == "Fully spent"
    assert "fully spent" in page.text_content("#amount-msg")
    assert_accessible(page, "till spent voucher (en)")

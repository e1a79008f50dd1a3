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

    # 2) more than is left: the big red refusal with the balance left, nothing charged.
    page.click("#next")
    _scan(page)
    _type_amount(page, "4000")
    page.click("#charge")
    page.click("#confirm")
    page.wait_for_selector("#result.bad")
    assert "Guthaben reicht nicht" in page.text_content("#result-head")
    assert "Restguthaben 37,50 €" in page.text_content("#result-detail").replace("\xa0", " ")
    assert page.is_hidden("#undo")
    screenshots(page, "haendler-result-refused")
    assert _balance(base, voucher["token"]) == 3750

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
    page.click("#next")
    _scan(page)
    _type_amount(page, "500")
    page.click("#charge")
    page.click("#confirm")
    page.wait_for_selector("#result.ok")
    page.unroute("**/api/v1/redemptions")
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0]
    assert "Restguthaben 32,50 €" in page.text_content("#result-detail").replace("\xa0", " ")
    assert _balance(base, voucher["token"]) == 3250

    # 4) undo the last one: the balance comes back, the list shows the reversal, the total follows.
    page.click("#undo")
    page.wait_for_selector("#result-head:has-text('storniert')")
    assert "Restguthaben 37,50 €" in page.text_content("#result-detail").replace("\xa0", " ")
    assert _balance(base, voucher["token"]) == 3750
    page.wait_for_selector("#today-list li.reversal")
    page.wait_for_function("document.querySelectorAll('#today-list li').length === 3")
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

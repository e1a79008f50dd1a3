"""The back office (/verwaltung) in real Chromium against the running local stack: each role signs in; a retailer is
registered with an IBAN and its onboarding QR opens the till signed in on a phone; a voucher is found with the
laptop camera and blocked; a month is run, closed and paid out as a SEPA file checked against the schema and the
API; the audit log names the staff member of each step; axe-core on every page."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import requests

from chalicelib.staff.demo import DEMO_PASSWORD, DEMO_STAFF
from tests.conftest import ADMIN_TOKEN
from tests.support.qr import decode_png
from tests.web.browser_checks import TABLET, assert_accessible, assert_no_external_requests, screenshots
from tests.web.camera import write_y4m
from tests.web.conftest import guard_external_requests

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("stack")]

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
STAFF = {role: (email, name) for email, name, role in DEMO_STAFF}
SECTIONS = ["", "haendler", "gutscheine", "bestellungen", "aktionen", "abrechnung", "berichte", "wlan", "sensoren",
            "marketing", "protokoll", "mitarbeitende"]
ROLE_SECTIONS = {"admin": set(SECTIONS), "finance": {"", "haendler", "gutscheine", "bestellungen", "abrechnung",
                                                     "berichte"},
                 "support": {"", "haendler", "gutscheine", "bestellungen"}}
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


def _context(browser: Any, web: Any, width: int = 1280, height: int = 900, **extra: Any) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="de-DE",
                                  timezone_id="Europe/Berlin", base_url=web.app_url, accept_downloads=True, **extra)
    # Printing opens no dialog in headless Chromium, but keep the test independent of that: count the calls.
    context.add_init_script("window.__printed = 0; window.print = function () { window.__printed += 1; };")
    page = context.new_page()
    guard_external_requests(page, web.app_url)
    return context, page


def _base(web: Any) -> str:
    return web.env["MARKTPLATZ_BASE_URL"]


def _sign_in(page: Any, role: str, path: str = "/verwaltung") -> None:
    email, name = STAFF[role]
    page.goto(path)
    page.wait_for_selector("#login:not([hidden])")
    page.fill("#login-email", email)
    page.fill("#login-password", DEMO_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#office:not([hidden])")
    assert name in page.text_content("#who")


def _audit(web: Any, **params: str) -> list[dict[str, Any]]:
    r = requests.get(f"{web.app_url}/api/v1/audit", params=params, headers=ADMIN, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["entries"]


def test_each_role_signs_in_and_sees_its_sections(browser: Any, web: Any) -> None:
    context, page = _context(browser, web)
    page.goto("/verwaltung")
    page.wait_for_selector("#login:not([hidden])")
    screenshots(page, "verwaltung-anmeldung", TABLET)
    page.fill("#login-email", STAFF["finance"][0])
    page.fill("#login-password", "falsches-passwort-123")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#login-error:has-text('Passwort ist falsch')")
    cookie_names = {c["name"] for c in context.cookies()}
    assert "mp_staff" not in cookie_names
    for role in ("admin", "finance", "support"):
        _sign_in(page, role)
        [cookie] = [c for c in context.cookies() if c["name"] == "mp_staff"]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert page.evaluate("document.cookie").find("mp_staff") < 0  # invisible to scripts
        visible = {a.get_attribute("href").split("?")[0].removeprefix("/verwaltung").lstrip("/")
                   for a in page.query_selector_all(".office-nav li:not([hidden]) a")}
        assert visible == ROLE_SECTIONS[role], role
        page.wait_for_selector("#cards .card")
        if role == "finance":
            screenshots(page, "verwaltung-uebersicht", TABLET)
        page.goto("/verwaltung/protokoll")
        page.wait_for_selector("#office:not([hidden])")
        assert page.is_visible("#forbidden") == (role != "admin")
        page.click("#logout")
        page.wait_for_selector("#login:not([hidden])")
        assert requests.get(f"{web.app_url}/api/v1/staff/me", timeout=10,
                            cookies={"mp_staff": cookie["value"]}).status_code == 401
    assert_no_external_requests(page)
    context.close()


def test_register_retailer_print_sheet_and_open_the_till_from_its_qr(browser: Any, web: Any) -> None:
    context, page = _context(browser, web)
    _sign_in(page, "admin", "/verwaltung/haendler")
    page.wait_for_selector("#r-table tbody tr")
    name = f"Weinhandlung {uuid.uuid4().hex[:5]}"
    page.fill("#r-name", name)
    page.fill("#r-address", "Lange Straße 4, 48727 Billerbeck")
    page.fill("#r-email", "wein@example.org")
    page.fill("#r-zone", "markt")
    page.fill("#r-iban", "DE02 1203 0000 0000 2020 52")  # one digit off
    page.fill("#r-holder", "Weinhandlung Kemper e.K.")
    page.click("#r-submit")
    page.wait_for_selector("#r-msg.error:has-text('Die IBAN ist ungültig')")
    assert not any(r["name"] == name for r in requests.get(f"{web.app_url}/api/v1/retailers", headers=ADMIN,
                                                           timeout=10).json()["retailers"])
    page.fill("#r-iban", "DE02 1203 0000 0000 2020 51")
    page.click("#r-submit")
    page.wait_for_selector("#r-key:not([hidden])")
    api_key = page.text_content("#r-key-value")
    [shop] = [r for r in requests.get(f"{web.app_url}/api/v1/retailers", headers=ADMIN, timeout=10).json()["retailers"]
              if r["name"] == name]
    assert shop["iban"] == "DE02120300000000202051" and shop["account_holder"] == "Weinhandlung Kemper e.K."
    page.wait_for_selector(f"#r-table td:has-text('{name}')")
    screenshots(page, "verwaltung-haendler", TABLET)

    page.click("#r-print")
    page.wait_for_selector("#sheet:not([hidden])")
    page.wait_for_function("window.__printed === 1")
    assert page.text_content("#sheet-shop") == name
    page.emulate_media(media="print")
    shot = Path("test-artifacts/screenshots/verwaltung-onboarding-blatt-print.png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert page.is_visible("#sheet-qr") and not page.is_visible(".office-nav")
    page.emulate_media(media="screen")
    data_url = page.get_attribute("#sheet-qr", "src")
    assert data_url.startswith("data:image/png;base64,")
    till_url, _ = decode_png(base64.b64decode(data_url.split(",", 1)[1]))
    assert till_url == f"{_base(web)}/haendler#key={api_key}"

    phone = browser.new_context(viewport={"width": 360, "height": 780}, locale="de-DE", base_url=web.app_url,
                                is_mobile=True, has_touch=True)
    till = phone.new_page()
    guard_external_requests(till, web.app_url)
    till.goto(till_url.replace(_base(web), web.app_url))
    till.wait_for_selector("#till:not([hidden])")
    assert till.text_content("#shop-name") == name
    assert "#key" not in till.url  # the key left the address bar
    assert_no_external_requests(till)
    phone.close()
    entries = _audit(web, object_type="retailer", object_id=shop["retailer_id"])
    assert [(e["action"], e["actor"], e["role"]) for e in entries] == [
        ("retailer.register", STAFF["admin"][0], "admin")]
    assert_no_external_requests(page)
    context.close()


def test_find_a_voucher_with_the_laptop_camera_and_block_it(launch: Any, web: Any, tmp_path: Path) -> None:
    r = requests.post(f"{web.app_url}/api/v1/vouchers", json={"amount_cents": 4000, "quantity": 1}, headers=ADMIN,
                      timeout=10)
    voucher = r.json()["vouchers"][0]
    qr = requests.get(f"{voucher['url'].replace(_base(web), web.app_url)}/qr.png", timeout=10)
    video = write_y4m(qr.content, tmp_path / "voucher.y4m")
    browser = launch("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                     f"--use-file-for-fake-video-capture={video}")
    context, page = _context(browser, web, permissions=["camera"])
    _sign_in(page, "support", "/verwaltung/gutscheine")
    page.click("#v-camera")
    page.wait_for_selector("#v-detail:not([hidden])", timeout=20000)
    assert voucher["voucher_id"] in page.text_content("#v-detail-h")
    page.fill("#v-reason", "Kundin meldet Verlust")
    page.click("#v-block")
    page.wait_for_selector("#v-action-msg:has-text('Gutschein gesperrt')")
    page.wait_for_selector("#v-ledger td:has-text('Sperre')")
    screenshots(page, "verwaltung-gutscheine", TABLET)
    detail = requests.get(f"{web.app_url}/api/v1/vouchers/{voucher['voucher_id']}", headers=ADMIN, timeout=10).json()
    assert detail["status"] == "blocked" and detail["block_reason"] == "Kundin meldet Verlust"
    assert detail["ledger"][-1]["actor"] == STAFF["support"][0]
    assert page.is_disabled("#v-block") and page.is_enabled("#v-unblock")  # blocked once; now unblock or re-issue
    [entry] = _audit(web, object_type="voucher", object_id=voucher["voucher_id"])
    assert (entry["action"], entry["actor"], entry["role"]) == ("voucher.block", STAFF["support"][0], "support")
    assert_no_external_requests(page)
    context.close()


def _previous_month() -> tuple[str, str]:
    now = datetime.now(UTC)
    first = now.replace(day=1)
    last_month = first - timedelta(days=1)
    return last_month.strftime("%Y-%m"), last_month.replace(day=14, hour=10).isoformat(timespec="milliseconds")


def _book_redemption_last_month(web: Any, retailer: dict[str, Any], cents: int, at: str) -> None:
    """Last month's redemption, written straight into the stack's DynamoDB as the till would have written it then
    (the running app's clock cannot be moved), through the same voucher and ledger tables."""
    import boto3

    from chalicelib.vouchers import totals

    voucher = requests.post(f"{web.app_url}/api/v1/vouchers", json={"amount_cents": 10000, "quantity": 1},
                            headers=ADMIN, timeout=10).json()["vouchers"][0]
    ddb = boto3.client("dynamodb", endpoint_url=web.aws_url, region_name="eu-central-1",
                       aws_access_key_id="local", aws_secret_access_key="local")
    prefix = web.env.get("MARKTPLATZ_TABLE_PREFIX", "marktplatz-")
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": f"{prefix}ledger", "Item": {
            "voucher_id": {"S": voucher["voucher_id"]}, "entry_id": {"S": f"0{uuid.uuid4().hex}"},
            "kind": {"S": "redemption"}, "amount_cents": {"N": str(-cents)},
            "created_at": {"S": at.replace("+00:00", "Z")},
            "retailer_id": {"S": retailer["retailer_id"]}, "zone": {"S": retailer["zone"]},
            "actor": {"S": retailer["retailer_id"]}}}},
        {"Update": {"TableName": f"{prefix}vouchers", "Key": {"voucher_id": {"S": voucher["voucher_id"]}},
                    "UpdateExpression": "ADD balance_cents :d",
                    "ExpressionAttributeValues": {":d": {"N": str(-cents)}}}},
        # ...and the retailer's month total that the same redemption adds (docs/reports.md), which settlement reads
        {"Update": {"TableName": f"{prefix}voucher-month-totals", "Key": {
            "book": {"S": totals.BOOK},
            "key": {"S": totals.retailer_key(totals.month_of(at), retailer["retailer_id"])}},
                    "UpdateExpression": "ADD redeemed_n :one, redeemed_cents :c, redeemed_bonus :zero",
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":c": {"N": str(cents)}, ":zero": {"N": "0"}}}},
    ])


def test_run_close_and_pay_out_a_month(browser: Any, web: Any) -> None:
    month, at = _previous_month()
    shops = []
    for name, iban, cents in (("Hofladen Schulze", "DE89370400440532013000", 2350),
                              ("Fahrrad Wessels", "DE02500105170137075030", 7800)):
        r = requests.post(f"{web.app_url}/api/v1/retailers", headers=ADMIN, timeout=10, json={
            "name": name, "address": "Markt 1", "email": "s@example.org", "zone": "markt"})
        shop = r.json()
        shops.append((shop, iban, cents))
        _book_redemption_last_month(web, shop, cents, at)

    context, page = _context(browser, web)
    _sign_in(page, "finance", "/verwaltung/abrechnung")
    page.fill("#s-month", month)
    page.click("#s-form button[type=submit]")
    page.wait_for_selector("#s-msg:has-text('fehlt die IBAN')")
    page.click("#s-close")
    page.click("#s-close-yes")
    page.wait_for_selector("#s-msg.error:has-text('Hofladen Schulze')")
    still = requests.get(f"{web.app_url}/api/v1/settlements/{month}", headers=ADMIN, timeout=10).json()
    assert still["status"] == "open"
    from schwifty import IBAN

    ibans = {shop["retailer_id"]: iban for shop, iban, _ in shops}
    # Finance may not edit retailers; the admin token adds the IBANs (and for any demo shop owed money as well).
    for n, missing in enumerate(still["missing_iban"]):
        iban = ibans.get(missing["retailer_id"]) or str(IBAN.generate("DE", bank_code="37040044",
                                                                      account_code=f"{532013100 + n:010d}"))
        r = requests.patch(f"{web.app_url}/api/v1/retailers/{missing['retailer_id']}", headers=ADMIN, timeout=10,
                           json={"iban": iban, "account_holder": missing["name"] + " GmbH"})
        assert r.status_code == 200, r.text
    page.click("#s-form button[type=submit]")
    page.wait_for_selector("#s-status:has-text('Offen')")
    screenshots(page, "verwaltung-abrechnung-offen", TABLET)
    page.click("#s-close")
    page.click("#s-close-yes")
    page.wait_for_selector("#s-msg:has-text('Monat abgeschlossen')")
    assert "Abgeschlossen" in page.text_content("#s-status")
    screenshots(page, "verwaltung-abrechnung-abgeschlossen", TABLET)

    api = requests.get(f"{web.app_url}/api/v1/settlements/{month}", headers=ADMIN, timeout=10).json()
    assert api["status"] == "closed" and api["closed_by"] == STAFF["finance"][0]
    again = requests.post(f"{web.app_url}/api/v1/settlements/{month}/close", headers=ADMIN, timeout=10)
    assert again.status_code == 409 and again.json()["error"]["code"] == "month_closed"

    with page.expect_download() as info:
        page.click("#s-sepa")
    xml = Path(info.value.path()).read_bytes()
    import xmlschema
    from sepaxml import validation

    xmlschema.XMLSchema(str(Path(validation.__file__).parent / "schemas" / "pain.001.001.09.xsd")).validate(
        xml.decode())
    doc = ElementTree.fromstring(xml)
    paid = {t.find("p:CdtrAcct/p:Id/p:IBAN", NS).text: int(Decimal(t.find("p:Amt/p:InstdAmt", NS).text) * 100)
            for t in doc.findall(".//p:CdtTrfTxInf", NS)}
    expected = {r["iban"]: r["payout_cents"] for r in api["retailers"] if r["payout_cents"] > 0}
    assert paid == expected
    for _, iban, cents in shops:
        assert paid[iban] == cents - next(r["fee_cents"] for r in api["retailers"] if r["iban"] == iban)
    assert int(Decimal(doc.find(".//p:GrpHdr/p:CtrlSum", NS).text) * 100) == api["totals"]["payout_cents"]
    Path("test-artifacts").mkdir(exist_ok=True)
    Path(f"test-artifacts/sepa-{month}.xml").write_bytes(xml)

    actions = {(e["action"], e["actor"], e["role"]) for e in _audit(web, **{"from": month, "q": month})}
    assert ("settlement.close", STAFF["finance"][0], "finance") in actions
    assert ("settlement.sepa_export", STAFF["finance"][0], "finance") in actions
    assert_no_external_requests(page)
    context.close()


def test_audit_log_page_shows_who_did_what(browser: Any, web: Any) -> None:
    context, page = _context(browser, web)
    _sign_in(page, "support", "/verwaltung/gutscheine")
    r = requests.post(f"{web.app_url}/api/v1/vouchers", json={"amount_cents": 1500, "quantity": 1}, headers=ADMIN,
                      timeout=10)
    voucher_id = r.json()["vouchers"][0]["voucher_id"]
    page.select_option("#v-kind", "voucher_id")
    page.fill("#v-query", voucher_id)
    page.click("#v-form button[type=submit]")
    page.wait_for_selector("#v-detail:not([hidden])")
    page.click("#v-block")
    page.wait_for_selector("#v-action-msg:has-text('gesperrt')")
    page.click("#logout")
    page.wait_for_selector("#login:not([hidden])")
    _sign_in(page, "admin", "/verwaltung/protokoll")
    page.fill("#a-q", voucher_id)
    page.click("#a-form button[type=submit]")
    row = page.wait_for_selector(f"#a-table tr:has-text('{voucher_id}')")
    text = row.text_content()
    assert "voucher.block" in text and STAFF["support"][1] in text and "Support" in text
    screenshots(page, "verwaltung-protokoll", TABLET)
    with page.expect_download() as info:
        page.click("#a-csv")
    body = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert voucher_id in body and STAFF["support"][0] in body
    context.close()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_page_is_accessible_and_stays_local(browser: Any, web: Any, lang: str) -> None:
    context, page = _context(browser, web)
    _sign_in(page, "admin", f"/verwaltung?lang={lang}")
    for slug in SECTIONS:
        page.goto(f"/verwaltung/{slug}?lang={lang}" if slug else f"/verwaltung?lang={lang}")
        page.wait_for_selector("#office:not([hidden])")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == lang
        if lang == "de":
            screenshots(page, f"verwaltung-{slug or 'uebersicht'}-admin", TABLET)
        else:
            assert_accessible(page, f"/verwaltung/{slug} ({lang})")
    assert page.evaluate("document.querySelector('a.lang').textContent") == ("English" if lang == "de" else "Deutsch")
    assert_no_external_requests(page)
    context.close()


def test_unknown_section_is_a_404(web: Any) -> None:
    r = requests.get(f"{web.app_url}/verwaltung/geheim", timeout=10)
    assert r.status_code == 404 and json.loads(r.text)["error"]["code"] == "not_found"

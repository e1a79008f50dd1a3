"""The monthly payout run: settlement per retailer, closing a month, the SEPA file; and every way it can go wrong."""

from __future__ import annotations

import json
import random
from datetime import datetime
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from chalicelib.core import clock
from chalicelib.settlement.models import ClosedMonth
from tests.conftest import ADMIN_TOKEN, Api
from tests.staff.conftest import sign_in

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
IBANS = ["DE02120300000000202051", "DE02500105170137075030", "DE89370400440532013000"]


def _go_to(month: str, day: int = 15) -> None:
    """Move the app's clock to the middle of a month (an untouched month per test: the tables are shared)."""
    clock.reset()
    target = datetime.fromisoformat(f"{month}-{day:02d}T12:00:00+00:00")
    clock.shift((target - clock.now()).total_seconds())


def _month() -> str:
    return f"{random.randint(2031, 2099)}-{random.randint(1, 11):02d}"


def _next(month: str) -> str:
    return f"{month[:5]}{int(month[5:]) + 1:02d}"


def _shop(api: Api, name: str, iban: str | None = None) -> dict:
    body = {"name": name, "address": "Markt 1", "email": "laden@example.org", "zone": "markt"}
    if iban:
        body.update(iban=iban, account_holder=f"{name} e.K.")
    return api.json("POST", "/api/v1/retailers", body, ADMIN_TOKEN, expect=201)


def _spend(api: Api, shop: dict, cents: int) -> str:
    [voucher] = api.vouchers(10000)
    r = api.redeem(shop["api_key"], voucher["token"], cents)
    assert r.status_code == 201, r.body
    return json.loads(r.body)["redemption_id"]


def test_run_close_and_pay_a_month(api: Api, staff) -> None:
    month = _month()
    _go_to(month)
    a, b = _shop(api, "Bäckerei Süß", IBANS[0]), _shop(api, "Buchladen", " de02 5001 0517 0137 0750 30 ")
    _spend(api, a, 1250)
    _spend(api, a, 750)
    redemption = _spend(api, b, 3000)
    finance = staff("finance")
    live = finance.json("GET", f"/api/v1/settlements/{month}", expect=200)
    assert live["status"] == "open" and live["closable"] is False
    early = finance.call("POST", f"/api/v1/settlements/{month}/close")
    assert early.status_code == 409 and json.loads(early.body)["error"]["code"] == "month_not_over"
    assert finance.call("GET", f"/api/v1/settlements/{month}/sepa.xml").status_code == 409  # month_open

    _go_to(_next(month), 2)
    finance = sign_in(api, finance.email)[1]  # weeks later: the old session has long expired
    closed = finance.json("POST", f"/api/v1/settlements/{month}/close", expect=200)
    assert closed["status"] == "closed" and closed["closed_by"] == finance.email
    payouts = {r["retailer_id"]: r for r in closed["retailers"]}
    assert payouts[a["retailer_id"]]["payout_cents"] == 2000 and payouts[b["retailer_id"]]["payout_cents"] == 3000
    assert payouts[b["retailer_id"]]["iban"] == "DE02500105170137075030"
    again = finance.call("POST", f"/api/v1/settlements/{month}/close")
    assert again.status_code == 409 and json.loads(again.body)["error"]["code"] == "month_closed"

    r = finance.call("GET", f"/api/v1/settlements/{month}/sepa.xml")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/xml")
    xml = r.body if isinstance(r.body, bytes) else r.body.encode()
    import xmlschema
    from sepaxml import validation

    schema = xmlschema.XMLSchema(f"{validation.__file__.rsplit('/', 1)[0]}/schemas/pain.001.001.09.xsd")
    schema.validate(xml.decode())
    doc = ElementTree.fromstring(xml)
    txs = doc.findall(".//p:CdtTrfTxInf", NS)
    got = {t.find("p:CdtrAcct/p:Id/p:IBAN", NS).text: int(Decimal(t.find("p:Amt/p:InstdAmt", NS).text) * 100)
           for t in txs}
    assert got == {"DE02120300000000202051": 2000, "DE02500105170137075030": 3000}
    assert Decimal(doc.find(".//p:GrpHdr/p:CtrlSum", NS).text) == Decimal("50.00")
    assert doc.find(".//p:DbtrAcct/p:Id/p:IBAN", NS).text == "DE89370400440532013000"

    # A later reversal of a redemption in the closed month is booked in the open month; the closed one stays.
    reversal = api.call("POST", f"/api/v1/redemptions/{redemption}/reversal", token=ADMIN_TOKEN)
    assert reversal.status_code == 201, reversal.body
    frozen = finance.json("GET", f"/api/v1/settlements/{month}", expect=200)
    assert frozen["totals"]["payout_cents"] == 5000 and frozen["status"] == "closed"
    now_open = finance.json("GET", f"/api/v1/settlements/{_next(month)}", expect=200)
    row = next(r for r in now_open["retailers"] if r["retailer_id"] == b["retailer_id"])
    assert row["reversed_cents"] == 3000 and row["payout_cents"] == -3000

    audit = staff("admin").json("GET", f"/api/v1/audit?from={month}&to={_next(month)}&actor={finance.email}")
    assert {e["action"] for e in audit["entries"]} == {"settlement.close", "settlement.sepa_export"}


def test_a_payout_without_iban_refuses_to_close_and_writes_nothing(api: Api, staff) -> None:
    month = _month()
    _go_to(month)
    shop = _shop(api, "Ohne Konto")
    _spend(api, shop, 500)
    _go_to(_next(month), 3)
    finance = staff("finance")
    r = finance.call("POST", f"/api/v1/settlements/{month}/close")
    body = json.loads(r.body)
    assert r.status_code == 422 and body["error"]["code"] == "missing_iban"
    assert body["error"]["retailers"] == [{"retailer_id": shop["retailer_id"], "name": "Ohne Konto"}]
    assert ClosedMonth.count(month) == 0
    bad = staff("admin").call("PATCH", f"/api/v1/retailers/{shop['retailer_id']}",
                              {"iban": "DE02120300000000202052", "account_holder": "Ohne Konto"})
    assert bad.status_code == 400 and json.loads(bad.body)["error"]["code"] == "invalid_iban"
    staff("admin").json("PATCH", f"/api/v1/retailers/{shop['retailer_id']}",
                        {"iban": IBANS[2], "account_holder": "Ohne Konto GmbH"}, expect=200)
    assert finance.json("POST", f"/api/v1/settlements/{month}/close", expect=200)["status"] == "closed"


@pytest.mark.parametrize("month,status,code", [("2026-13", 400, "invalid_request"), ("2099-01", 404, "not_found"),
                                               ("1999-12", 404, "not_found"), ("letzte", 400, "invalid_request")])
def test_unknown_months(api: Api, month: str, status: int, code: str) -> None:
    for method, path in (("GET", f"/api/v1/settlements/{month}"), ("POST", f"/api/v1/settlements/{month}/close"),
                         ("GET", f"/api/v1/settlements/{month}/sepa.xml")):
        r = api.call(method, path, token=ADMIN_TOKEN)
        assert r.status_code == status and json.loads(r.body)["error"]["code"] == code


def test_wrong_iban_on_registration_writes_nothing(api: Api) -> None:
    before = len(api.json("GET", "/api/v1/retailers", token=ADMIN_TOKEN)["retailers"])
    r = api.call("POST", "/api/v1/retailers", {"name": "Falsch", "address": "A", "email": "a@b.de", "zone": "markt",
                                               "iban": "DE00 1234", "account_holder": "X"}, ADMIN_TOKEN)
    assert r.status_code == 400 and json.loads(r.body)["error"]["field"] == "iban"
    assert len(api.json("GET", "/api/v1/retailers", token=ADMIN_TOKEN)["retailers"]) == before


def test_sepa_needs_the_citys_account_in_production(monkeypatch) -> None:
    from chalicelib.core import settings
    from chalicelib.core.errors import DomainError
    from chalicelib.settlement.accounts import debtor_account

    monkeypatch.setenv("MARKTPLATZ_MODE", "aws")
    monkeypatch.setenv("MARKTPLATZ_ADMIN_TOKEN", "x" * 30)
    settings.reset()
    with pytest.raises(DomainError) as refused:
        debtor_account()
    assert refused.value.code == "sepa_not_configured"
    monkeypatch.setenv("MARKTPLATZ_SEPA_DEBTOR_NAME", "Stadt Münster")
    monkeypatch.setenv("MARKTPLATZ_SEPA_DEBTOR_IBAN", "DE02500105170137075030")
    settings.reset()
    assert debtor_account().iban == "DE02500105170137075030"
    settings.reset()

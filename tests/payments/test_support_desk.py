"""Support staff help a buyer: find the order and its vouchers by e-mail, see Stripe's view, resend the e-mail,
withdraw within the rules; each change in the audit log."""

from __future__ import annotations

import json
import uuid

from chalicelib.staff.models import AuditEntry
from tests.payments.conftest import Shop, sent_emails
from tests.staff.conftest import staff  # noqa: F401  (fixture)


def test_support_finds_resends_and_withdraws_an_order(shop: Shop, staff) -> None:  # noqa: F811
    address = f"Kundin.{uuid.uuid4().hex[:6]}@Example.org"
    order = shop.paid_order(2500, 2, email=address)
    support, finance = staff("support"), staff("finance")

    found = support.json("GET", f"/api/v1/orders?email={address}", expect=200)["orders"]
    assert [o["order_id"] for o in found] == [order["order_id"]]
    assert found[0]["email"] == address and len(found[0]["vouchers"]) == 2
    vouchers = support.json("GET", f"/api/v1/vouchers?email={address}", expect=200)["vouchers"]
    assert sorted(v["voucher_id"] for v in vouchers) == sorted(v["voucher_id"] for v in found[0]["vouchers"])
    token = found[0]["vouchers"][0]["token"]
    by_code = support.json("GET", f"/api/v1/vouchers?code={found[0]['vouchers'][0]['url'].upper()}", expect=200)
    assert by_code["vouchers"][0]["voucher_id"] == found[0]["vouchers"][0]["voucher_id"]
    assert support.call("GET", f"/api/v1/vouchers?code={token[:-2]}xx").status_code in (400, 404)

    stripe = finance.json("GET", f"/api/v1/orders/{order['order_id']}/stripe", expect=200)
    assert stripe["status"] == "succeeded" and stripe["amount"] == 5000 and stripe["currency"] == "eur"

    before = len(sent_emails(address))
    assert support.json("POST", f"/api/v1/orders/{order['order_id']}/resend", expect=200)["sent_to"] == address
    assert len(sent_emails(address)) == before + 1
    refused = finance.call("POST", f"/api/v1/orders/{order['order_id']}/withdrawal")
    assert refused.status_code == 403
    withdrawn = support.json("POST", f"/api/v1/orders/{order['order_id']}/withdrawal", expect=200)
    assert withdrawn["status"] == "refunded"
    entries = list(AuditEntry.by_object.query(f"order#{order['order_id']}"))
    assert sorted((e.action, e.actor) for e in entries) == [("order.resend", support.email),
                                                            ("order.withdraw", support.email)]
    withdraw = next(e for e in entries if e.action == "order.withdraw")
    assert "alone" not in json.loads(withdraw.details or "{}")  # written in the withdrawal's own transaction


def test_renaming_a_retailer_renames_its_key_holder_too(api, staff) -> None:  # noqa: F811
    shop = api.retailer(name="Alter Name", zone="markt")
    admin = staff("admin")
    admin.json("PATCH", f"/api/v1/retailers/{shop['retailer_id']}", {"name": "Neuer Name", "zone": "kirchplatz"},
               expect=200)
    me = api.json("GET", "/api/v1/retailers/me", token=shop["api_key"], expect=200)
    assert (me["name"], me["zone"]) == ("Neuer Name", "kirchplatz")
    from chalicelib.core.ids import key_hash
    from chalicelib.store.models import Credential

    cred = Credential.get(key_hash(shop["api_key"]))
    assert (cred.name, cred.zone) == ("Neuer Name", "kirchplatz")

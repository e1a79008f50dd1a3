"""Roles on the API (not only hidden in the page) and the audit log written with each change."""

from __future__ import annotations

import json

import pytest

from chalicelib.staff.models import AuditEntry
from tests.conftest import ADMIN_TOKEN, Api

# (method, path, body, roles allowed). Paths name unknown objects: a permitted call answers 4xx, never 401/403.
MATRIX = [
    ("GET", "/api/v1/staff", None, {"admin"}),
    ("POST", "/api/v1/staff", {"email": "x@y.de", "name": "X", "role": "tea", "password": "p"}, {"admin"}),
    ("PATCH", "/api/v1/staff/nobody@y.de", {"name": "N"}, {"admin"}),
    ("GET", "/api/v1/audit", None, {"admin"}),
    ("GET", "/api/v1/audit?format=csv", None, {"admin"}),
    ("GET", "/api/v1/settlements/2021-01", None, {"admin", "finance"}),
    ("POST", "/api/v1/settlements/2099-01/close", None, {"admin", "finance"}),
    ("GET", "/api/v1/settlements/2021-01/sepa.xml", None, {"admin", "finance"}),
    ("GET", "/api/v1/settlements?month=2021-01", None, {"admin", "finance"}),
    ("GET", "/api/v1/reports/liability", None, {"admin", "finance"}),
    ("GET", "/api/v1/overview", None, {"admin", "finance", "support"}),
    ("GET", "/api/v1/vouchers?voucher_id=nope", None, {"admin", "finance", "support"}),
    ("GET", "/api/v1/vouchers/nope", None, {"admin", "finance", "support"}),
    ("POST", "/api/v1/vouchers/nope/block", None, {"admin", "support"}),
    ("POST", "/api/v1/vouchers/nope/unblock", None, {"admin", "support"}),
    ("POST", "/api/v1/vouchers/nope/reissue", None, {"admin", "support"}),
    ("POST", "/api/v1/vouchers", {"amount_cents": 0, "quantity": 1}, {"admin"}),
    ("GET", "/api/v1/orders?email=a@b.de", None, {"admin", "finance", "support"}),
    ("GET", "/api/v1/orders/ord_nope/stripe", None, {"admin", "finance", "support"}),
    ("POST", "/api/v1/orders/ord_nope/resend", None, {"admin", "support"}),
    ("POST", "/api/v1/orders/ord_nope/withdrawal", None, {"admin", "support"}),
    ("GET", "/api/v1/retailers", None, {"admin", "finance", "support"}),
    ("POST", "/api/v1/retailers", {"name": "x"}, {"admin"}),
    ("PATCH", "/api/v1/retailers/ret_nope", {"iban": "DE00"}, {"admin"}),
    ("POST", "/api/v1/retailers/ret_nope/disable", None, {"admin"}),
    ("POST", "/api/v1/retailers/ret_nope/onboarding", {"api_key": "x"}, {"admin"}),
    ("POST", "/api/v1/campaigns", {"name": "x"}, {"admin"}),
    ("POST", "/api/v1/gateways", {}, {"admin"}),
    ("POST", "/api/v1/sensors", {}, {"admin"}),
    ("POST", "/api/v1/marketing-users", {}, {"admin"}),
]


@pytest.mark.parametrize("method,path,body,allowed", MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
def test_roles_are_enforced_on_the_api(api: Api, role_member, method: str, path: str, body,
                                       allowed: set[str]) -> None:
    # Without credentials: 401; the withdrawal is also the buyer's own route (order secret), so 404 there.
    assert api.call(method, path, body).status_code == (404 if path.endswith("/withdrawal") else 401)
    shop = api.retailer()
    assert api.call(method, path, body, token=shop["api_key"]).status_code == 403
    for role in ("admin", "finance", "support"):
        r = role_member(role).call(method, path, body)
        if role in allowed:
            assert r.status_code not in (401, 403) and r.status_code < 500, (role, r.status_code, r.body)
        else:
            assert r.status_code == 403, (role, r.status_code, r.body)
            assert json.loads(r.body)["error"]["code"] == "forbidden"
    assert api.call(method, path, body, token=ADMIN_TOKEN).status_code not in (401, 403)


def _entries(object_type: str, object_id: str) -> list[AuditEntry]:
    return list(AuditEntry.by_object.query(f"{object_type}#{object_id}"))


def test_block_writes_its_audit_entry_in_the_same_transaction(api: Api, staff, monkeypatch) -> None:
    from pynamodb.connection.base import Connection

    member = staff("support")
    [voucher] = api.vouchers(2000)
    calls: list[dict] = []
    original = Connection.transact_write_items

    def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append({group: [item["TableName"] for item in kwargs[group]] for group in ("put_items", "update_items")})
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Connection, "transact_write_items", spy)
    member.json("POST", f"/api/v1/vouchers/{voucher['voucher_id']}/block", {"reason": "verloren"}, expect=200)
    [call] = calls
    tables = call["put_items"] + call["update_items"]
    assert any(t.endswith("audit") for t in tables) and any(t.endswith("vouchers") for t in tables)
    [entry] = _entries("voucher", voucher["voucher_id"])
    assert (entry.actor, entry.role, entry.action) == (member.email, "support", "voucher.block")
    assert json.loads(entry.details) == {"reason": "verloren"}
    assert entry.actor_name == "Support Muster"


def test_a_refused_change_leaves_no_audit_entry(api: Api, staff) -> None:
    member = staff("support")
    [voucher] = api.vouchers(2000)
    member.json("POST", f"/api/v1/vouchers/{voucher['voucher_id']}/block", None, expect=200)
    r = member.call("POST", f"/api/v1/vouchers/{voucher['voucher_id']}/block")
    assert r.status_code == 409
    assert [e.action for e in _entries("voucher", voucher["voucher_id"])] == ["voucher.block"]


def test_if_the_audit_entry_cannot_be_written_the_change_is_not_either(api: Api, staff, monkeypatch) -> None:
    from chalicelib.staff import audit

    member = staff("support")
    [voucher] = api.vouchers(2000)
    existing = audit.new_entry(audit.Actor("x", None, "admin"), "test", "t", "1", None)
    existing.save()
    monkeypatch.setattr("chalicelib.staff.audit.time_ordered_id", lambda: existing.entry_id)
    monkeypatch.setattr("chalicelib.core.clock.now", lambda: __import__("datetime").datetime.now(
        __import__("datetime").UTC))
    r = member.call("POST", f"/api/v1/vouchers/{voucher['voucher_id']}/block")
    assert r.status_code >= 400
    assert member.json("GET", f"/api/v1/vouchers/{voucher['voucher_id']}")["status"] == "active"


def test_changes_without_a_named_action_are_audited_too(api: Api, staff) -> None:
    admin = staff("admin")
    zone = admin.json("POST", "/api/v1/zones", {"name": "Audit-Gasse"}, expect=201)
    [entry] = [e for e in _entries("zones", "-") if e.actor == admin.email]
    assert entry.role == "admin" and entry.action == "zones.post"
    assert json.loads(entry.details)["route"] == "POST /api/v1/zones"
    assert zone


def test_admin_token_actions_name_the_automation_credential(api: Api) -> None:
    shop = api.retailer(name="Token-Laden")
    [entry] = _entries("retailer", shop["retailer_id"])
    assert (entry.actor, entry.role, entry.action) == ("admin-token", "admin", "retailer.register")


def test_audit_log_search_and_csv(api: Api, staff) -> None:
    admin, support = staff("admin"), staff("support")
    [voucher] = api.vouchers(2000)
    support.json("POST", f"/api/v1/vouchers/{voucher['voucher_id']}/block", {"reason": "Suche;=1+1"}, expect=200)
    found = admin.json("GET", f"/api/v1/audit?actor={support.email}", expect=200)["entries"]
    assert [e["action"] for e in found] == ["voucher.block"]
    assert found[0]["object_id"] == voucher["voucher_id"] and found[0]["role"] == "support"
    by_text = admin.json("GET", "/api/v1/audit?q=Suche", expect=200)["entries"]
    assert any(e["object_id"] == voucher["voucher_id"] for e in by_text)
    by_object = admin.json("GET", f"/api/v1/audit?object_type=voucher&object_id={voucher['voucher_id']}",
                           expect=200)["entries"]
    assert [(e["action"], e["object_id"]) for e in by_object] == [("voucher.block", voucher["voucher_id"])]
    csv = admin.call("GET", f"/api/v1/audit?format=csv&actor={support.email}")
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    text = csv.body.decode() if isinstance(csv.body, bytes) else csv.body
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Zeitpunkt (UTC);Mitarbeiter/in") and len(lines) == 2
    assert support.email in lines[1] and "voucher.block" in lines[1]
    bad = admin.call("GET", "/api/v1/audit?from=2026-13")
    assert bad.status_code == 400


def test_the_audit_log_has_no_route_that_changes_it(api: Api) -> None:
    from app import app

    paths = {(path, m) for path, methods in app.routes.items() for m in methods if "audit" in path}
    assert paths == {("/api/v1/audit", "GET")}

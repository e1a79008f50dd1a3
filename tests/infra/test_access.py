"""The role is enough and not more: every DynamoDB call the voucher flows make is granted in infra/access.py, and
for the voucher core's tables every granted action is one the code makes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from infra import access
from tests.conftest import ADMIN_TOKEN

PREFIX = "marktplatz-"
# The tables whose flows the scenario below covers completely (other domains cover theirs in their own tests).
VOUCHER_CORE = {"credentials", "idempotency", "rate-limits", "vouchers", "ledger", "retailers"}
TRANSACT_ACTIONS = {"Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem", "Delete": "dynamodb:DeleteItem",
                    "ConditionCheck": "dynamodb:ConditionCheckItem"}


def _logical(table: str) -> str:
    assert table.startswith(PREFIX), table
    return table[len(PREFIX):]


def actions_of(operation: str, params: dict[str, Any]) -> set[tuple[str, str]]:
    """(IAM action, "table" or "table/index/name") pairs one DynamoDB API call needs."""
    if operation == "TransactWriteItems":
        return {(TRANSACT_ACTIONS[kind], _logical(body["TableName"]))
                for item in params["TransactItems"] for kind, body in item.items()}
    if operation == "TransactGetItems":
        return {("dynamodb:GetItem", _logical(item["Get"]["TableName"])) for item in params["TransactItems"]}
    if operation in ("BatchWriteItem", "BatchGetItem"):
        return {(f"dynamodb:{operation}", _logical(table)) for table in params["RequestItems"]}
    target = _logical(params["TableName"])
    if params.get("IndexName"):
        target += f"/index/{params['IndexName']}"
    return {(f"dynamodb:{operation}", target)}


def granted() -> set[tuple[str, str]]:
    pairs = {(action, table) for table, actions in access.TABLE_ACTIONS.items() for action in actions}
    pairs |= {("dynamodb:Query", f"{table}/index/{index}") for table, indexes in access.INDEX_QUERIES.items()
              for index in indexes}
    return pairs


@pytest.fixture
def recorded(aws_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    import botocore.client

    calls: list[tuple[str, dict[str, Any]]] = []
    original = botocore.client.BaseClient._make_api_call

    def record(self: Any, operation: str, params: dict[str, Any]) -> Any:
        calls.append((self.meta.service_model.service_name, operation, params))
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    yield calls


def test_the_voucher_flows_need_exactly_the_granted_actions(api: Any, recorded: list) -> None:
    shop = api.retailer(zone="markt", name="Laden")
    other = api.retailer(zone="kirchplatz", name="Buchladen")
    api.json("GET", "/api/v1/retailers", token=ADMIN_TOKEN, expect=200)
    api.json("GET", "/api/v1/shops", expect=200)
    api.json("GET", "/api/v1/retailers/me", token=shop["api_key"], expect=200)
    vouchers = api.vouchers(amount=5000, quantity=2, campaign="Herbst")
    token, voucher_id = vouchers[0]["token"], vouchers[0]["voucher_id"]
    api.json("GET", f"/api/v1/vouchers/balance?token={token}", expect=200)
    idem = uuid.uuid4().hex
    first = api.redeem(shop["api_key"], token, 1200, idem)
    assert first.status_code == 201
    assert api.redeem(shop["api_key"], token, 1200, idem).status_code == 201  # replay
    assert api.redeem(shop["api_key"], vouchers[1]["token"], 9999).status_code == 409  # cold: reads the balance
    redemption = first.json_body["redemption_id"]
    api.json("POST", f"/api/v1/redemptions/{redemption}/reversal", token=shop["api_key"], expect=201)
    api.json("GET", "/api/v1/redemptions", token=shop["api_key"], expect=200)
    api.json("GET", f"/api/v1/redemptions?retailer_id={other['retailer_id']}", token=ADMIN_TOKEN, expect=200)
    api.json("GET", f"/api/v1/vouchers/{voucher_id}", token=ADMIN_TOKEN, expect=200)
    api.json("POST", f"/api/v1/vouchers/{voucher_id}/block", {"reason": "lost"}, ADMIN_TOKEN, expect=200)
    api.json("POST", f"/api/v1/vouchers/{voucher_id}/unblock", token=ADMIN_TOKEN, expect=200)
    api.json("POST", f"/api/v1/vouchers/{voucher_id}/block", token=ADMIN_TOKEN, expect=200)
    api.json("POST", f"/api/v1/vouchers/{voucher_id}/reissue", token=ADMIN_TOKEN, expect=201)
    api.json("POST", f"/api/v1/retailers/{other['retailer_id']}/api-key", token=ADMIN_TOKEN, expect=200)
    api.json("POST", f"/api/v1/retailers/{other['retailer_id']}/disable", token=ADMIN_TOKEN, expect=200)
    api.json("POST", f"/api/v1/retailers/{other['retailer_id']}/enable", token=ADMIN_TOKEN, expect=200)

    services = {service for service, _, _ in recorded}
    assert services == {"dynamodb"}, services  # local mode: keys from the key file, no Secrets Manager
    used = set().union(*(actions_of(op, params) for _, op, params in recorded))
    assert used - granted() == set(), "called but not granted"
    core_granted = {(a, t) for a, t in granted() if t.split("/")[0] in VOUCHER_CORE}
    assert core_granted - used == set(), "granted but never called"


def test_every_table_has_declared_actions() -> None:
    from chalicelib.store.tables import all_models

    names = {m.Meta.logical_name for m in all_models()}
    assert names == set(access.TABLE_ACTIONS)
    assert set(access.INDEX_QUERIES) <= names and set(access.STREAM_READERS) <= names
    for actions in access.TABLE_ACTIONS.values():
        assert all(a.startswith("dynamodb:") and "*" not in a for a in actions)

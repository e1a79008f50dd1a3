"""The role is enough and not more: the DynamoDB/AWS calls application code makes are exactly what infra/access.py
grants. Two ways: a fast in-process walk through the voucher flows, and a recording run of the domains' own tests
(every call made from chalicelib/ code while they run)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra import access
from tests.conftest import ADMIN_TOKEN
from tests.infra.iam_recorder import triples

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "marktplatz-"
# The tables whose flows the in-process scenario below covers completely.
VOUCHER_CORE = {"credentials", "idempotency", "rate-limits", "vouchers", "ledger", "retailers"}
# Calls made only in local mode (moto needs a verified sender; on AWS the operator verifies it): never granted.
LOCAL_ONLY = {("sesv2", "CreateEmailIdentity")}
# Non-DynamoDB calls -> the IAM action and the statement that must grant it.
SERVICE_ACTIONS = {("sesv2", "SendEmail"): "ses:SendEmail",
                   ("secretsmanager", "GetSecretValue"): "secretsmanager:GetSecretValue",
                   ("secretsmanager", "PutSecretValue"): "secretsmanager:PutSecretValue"}


def _logical(table: str) -> str:
    # Tests that build a store of their own (a migration from empty) name its tables `t<n>-<hex8>-<logical>`.
    own = re.match(r"^t\d+-[0-9a-f]{8}-", table)
    if own:
        return table[own.end():]
    assert table.startswith(PREFIX), table
    return table[len(PREFIX):]


def granted(function: str = access.API_FUNCTION) -> set[tuple[str, str]]:
    """(IAM action, "table" or "table/index/name") pairs a function's role allows on DynamoDB."""
    grants = access.grants_for(function)
    pairs = {(action, table) for table, actions in grants.tables.items() for action in actions}
    pairs |= {("dynamodb:Query", f"{table}/index/{index}") for table, indexes in grants.indexes.items()
              for index in indexes}
    return pairs


def dynamodb_pairs(recorded: set[tuple[str, str, str]]) -> set[tuple[str, str]]:
    return {(f"dynamodb:{op}", _logical(target)) for service, op, target in recorded if service == "dynamodb"}


@pytest.fixture
def recorded(aws_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[set[tuple[str, str, str]]]:
    import botocore.client

    calls: set[tuple[str, str, str]] = set()
    original = botocore.client.BaseClient._make_api_call

    def record(self: Any, operation: str, params: dict[str, Any]) -> Any:
        calls.update(triples(self.meta.service_model.service_name, operation, params))
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    yield calls


def test_the_voucher_flows_need_exactly_the_granted_actions(api: Any, recorded: set) -> None:
    shop = api.retailer(zone="markt", name="Laden")
    other = api.retailer(zone="kirchplatz", name="Buchladen")
    api.json("GET", "/api/v1/retailers", token=ADMIN_TOKEN, expect=200)
    api.json("GET", "/api/v1/shops", expect=200)
    api.json("GET", "/api/v1/retailers/me", token=shop["api_key"], expect=200)
    vouchers = api.vouchers(amount=5000, quantity=2, campaign="Herbst")
    token, voucher_id = vouchers[0]["token"], vouchers[0]["voucher_id"]
    batch = {"amount_cents": 1000, "quantity": 1}
    for _ in range(2):  # the retry of an admin batch with its Idempotency-Key replays it
        api.json("POST", "/api/v1/vouchers", batch, ADMIN_TOKEN, expect=201, headers={"Idempotency-Key": "batch-1"})
    api.json("GET", f"/api/v1/vouchers/balance?token={token}", expect=200)
    idem = uuid.uuid4().hex
    first = api.redeem(shop["api_key"], token, 1200, idem)
    assert first.status_code == 201
    assert api.redeem(shop["api_key"], token, 1200, idem).status_code == 201  # replay
    assert api.redeem(shop["api_key"], vouchers[1]["token"], 9999).status_code == 409  # cold: reads the balance
    spending = api.json("GET", f"/api/v1/vouchers/spending?token={token}", expect=200)["redemptions"]
    assert [(r["amount_cents"], r["shop"]) for r in spending] == [(1200, "Laden")]
    redemption = first.json_body["redemption_id"]
    api.json("POST", f"/api/v1/redemptions/{redemption}/reversal", token=shop["api_key"], expect=201)
    api.json("GET", "/api/v1/redemptions", token=shop["api_key"], expect=200)
    api.json("GET", f"/api/v1/redemptions?retailer_id={other['retailer_id']}", token=ADMIN_TOKEN, expect=200)
    api.json("GET", f"/api/v1/vouchers/{voucher_id}", token=ADMIN_TOKEN, expect=200)
    api.json("POST", f"/api/v1/vouchers/{voucher_id}/block", {"reason": "lost"}, ADMIN_TOKEN, expect=200)
    api.json("POST", f"/api/v1/vouchers/{voucher_id}/unblock", token=ADMIN_TOKEN, expect=200)
    api.json("POST", f"/api/v1/vouchers/{voucher_id}/block", token=ADMIN_TOKEN, expect=200)
    api.json("POST", f"/api/v1/vouchers/{voucher_id}/reissue", token=ADMIN_TOKEN, expect=201)
    api.json("PATCH", f"/api/v1/retailers/{other['retailer_id']}", {"name": "Buchladen am Dom"}, ADMIN_TOKEN,
             expect=200)
    api.json("POST", f"/api/v1/retailers/{other['retailer_id']}/api-key", token=ADMIN_TOKEN, expect=200)
    api.json("POST", f"/api/v1/retailers/{other['retailer_id']}/disable", token=ADMIN_TOKEN, expect=200)
    api.json("POST", f"/api/v1/retailers/{other['retailer_id']}/enable", token=ADMIN_TOKEN, expect=200)

    assert {service for service, _, _ in recorded} == {"dynamodb"}  # local mode: key file, no Secrets Manager
    used = dynamodb_pairs(recorded)
    assert used - granted() == set(), "called but not granted"
    # Grants on the voucher core's tables that only other domains or jobs use: payments' order status, the
    # expiry job, and the chain check of a reversal forwarded to a re-issued voucher (tests/test_money_after_block.py).
    others = {("dynamodb:BatchGetItem", "vouchers"), ("dynamodb:Query", "vouchers/index/expiry-due"),
              ("dynamodb:ConditionCheckItem", "vouchers")}
    voucher_only = {(a, t) for a, t in granted() if t.split("/")[0] in VOUCHER_CORE and (a, t) not in others}
    assert voucher_only - used == set(), "granted but never called by the voucher flows"


@pytest.mark.xdist_group("iam-recording")
def test_the_domains_tests_call_exactly_what_the_role_grants(tmp_path: Path) -> None:
    """Runs every domain's in-process tests once more with a recorder (tests/infra/iam_recorder.py): a call a
    function's role does not allow would be AccessDenied on AWS; a grant no code path of that function uses is a
    privilege too many. (tests/hostile only sends what the domains refuse: no call of its own.)"""
    record = tmp_path / "calls.json"
    env = {**os.environ, "MARKTPLATZ_IAM_RECORD": str(record)}
    env.pop("PYTEST_XDIST_WORKER", None)
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.infra.iam_recorder", "-p", "no:cacheprovider",
                           "-p", "no:xdist", "-q", "-x", "-m", "not stack and not browser and not opennds", "tests",
                           "--ignore=tests/infra", "--ignore=tests/hostile"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    calls = {tuple(c) for c in json.loads(record.read_text())}  # (function, service, action, resource)
    from app import app
    from chalicelib.store.tables import all_models
    from infra.template import function_names

    deployed = {m.Meta.logical_name for m in all_models()}
    functions = set(function_names(app))
    assert {function for function, *_ in calls} <= functions
    assert {access.API_FUNCTION, "reconcile_payments", "destroy_wlan_day_keys"} <= {f for f, *_ in calls}
    for function in sorted(functions):
        mine = {(service, op, target) for f, service, op, target in calls if f == function}
        # Tables of test doubles (e.g. footfall's "wlan-hourly-standin" model) belong to no deployment.
        used = {(a, t) for a, t in dynamodb_pairs(mine) if t.split("/")[0] in deployed}
        assert used - granted(function) == set(), f"{function}: called but not granted"
        assert granted(function) - used == set(), f"{function}: granted but no test's code path calls it"
        grants = access.grants_for(function)
        extra_actions = {a for s in access.EXTRA_STATEMENTS if s["Sid"] in grants.extra for a in s["Action"]}
        secret_actions = {a for actions in grants.secrets.values() for a in actions}
        for service_op in {(service, op) for service, op, _ in mine if service != "dynamodb"} - LOCAL_ONLY:
            action = SERVICE_ACTIONS[service_op]
            assert action in extra_actions | secret_actions, (function, service_op)


def test_every_table_has_declared_actions() -> None:
    from chalicelib.store.tables import all_models

    names = {m.Meta.logical_name for m in all_models()}
    assert names == set(access.TABLE_ACTIONS)
    assert set(access.INDEX_QUERIES) <= names and set(access.STREAM_READERS) <= names
    for actions in access.TABLE_ACTIONS.values():
        assert all(a.startswith("dynamodb:") and "*" not in a for a in actions)

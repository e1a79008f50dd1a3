"""The PITR runbook's commands against the DynamoDB API (moto): restore into a new table, copy back, list newer."""

from __future__ import annotations

import uuid
from typing import Any

import pytest


@pytest.fixture
def dynamodb(aws_server: str) -> Any:
    import boto3

    return boto3.client("dynamodb", endpoint_url=aws_server, region_name="eu-central-1")


def test_restore_then_copy_back(dynamodb: Any) -> None:
    from chalicelib.vouchers.models import Retailer
    from infra.restore import copy_back, live_name, restore

    stage = f"t{uuid.uuid4().hex[:6]}"
    live = live_name(stage, "retailers")
    schema = Retailer._get_schema()
    keys = {k["AttributeName"] for k in schema["key_schema"]}  # the table's own keys (its indexes play no part)
    dynamodb.create_table(TableName=live, BillingMode="PAY_PER_REQUEST", KeySchema=schema["key_schema"],
                          AttributeDefinitions=[d for d in schema["attribute_definitions"]
                                                if d["AttributeName"] in keys])
    dynamodb.update_continuous_backups(TableName=live, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})
    for n in range(30):
        dynamodb.put_item(TableName=live, Item={"retailer_id": {"S": f"ret_{n}"}, "name": {"S": f"Laden {n}"}})

    restored = restore(dynamodb, stage, "retailers", None, "restored-latest")
    assert restored == f"{live}-restored-latest"
    # The accident after the restore point: items deleted and overwritten; one legitimately new item.
    for n in range(10):
        dynamodb.delete_item(TableName=live, Key={"retailer_id": {"S": f"ret_{n}"}})
    dynamodb.put_item(TableName=live, Item={"retailer_id": {"S": "ret_11"}, "name": {"S": "kaputt"}})
    dynamodb.put_item(TableName=live, Item={"retailer_id": {"S": "ret_new"}, "name": {"S": "Neu"}})

    result = copy_back(dynamodb, stage, "retailers", "restored-latest")
    assert result["copied"] == 30
    assert result["live_only_keys"] == [{"retailer_id": {"S": "ret_new"}}]
    items = {i["retailer_id"]["S"]: i["name"]["S"] for i in dynamodb.scan(TableName=live)["Items"]}
    assert len(items) == 31 and items["ret_0"] == "Laden 0" and items["ret_11"] == "Laden 11"

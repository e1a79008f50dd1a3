"""The embedded DynamoDB keeps DynamoDB's guarantee: conditional writes are atomic under concurrent requests."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import boto3
from botocore.config import Config

from devstack.aws_server import start_in_thread

THREADS = 16
ATTEMPTS_PER_THREAD = 25
START = 200  # fewer units than attempts: without atomicity, more than START decrements succeed


def _hammer(url: str) -> tuple[int, int]:
    cfg = Config(max_pool_connections=THREADS * 2, retries={"max_attempts": 1})
    ddb = boto3.client("dynamodb", endpoint_url=url, region_name="eu-central-1", aws_access_key_id="x",
                       aws_secret_access_key="x", config=cfg)
    table = f"counter-{uuid.uuid4().hex}"  # moto's backends are per process: keep runs apart
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName=table, Item={"pk": {"S": "v"}, "balance": {"N": str(START)}})
    successes = 0
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def worker() -> None:
        nonlocal successes
        barrier.wait()
        for _ in range(ATTEMPTS_PER_THREAD):
            try:  # the shape of a redemption: conditional decrement + a ledger item, in one transaction
                ddb.transact_write_items(TransactItems=[
                    {"Update": {"TableName": table, "Key": {"pk": {"S": "v"}},
                                "UpdateExpression": "ADD balance :m", "ConditionExpression": "balance >= :one",
                                "ExpressionAttributeValues": {":m": {"N": "-1"}, ":one": {"N": "1"}}}},
                    {"Put": {"TableName": table, "Item": {"pk": {"S": uuid.uuid4().hex}},
                             "ConditionExpression": "attribute_not_exists(pk)"}},
                ])
                with lock:
                    successes += 1
            except ddb.exceptions.TransactionCanceledException:
                pass

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = int(ddb.get_item(TableName=table, Key={"pk": {"S": "v"}},
                             ConsistentRead=True)["Item"]["balance"]["N"])
    ledger = ddb.scan(TableName=table, Select="COUNT", ConsistentRead=True)["Count"] - 1
    return successes, final, ledger


def test_concurrent_conditional_updates_never_overspend() -> None:
    # Without the lock (serialize=False) this overspends or crashes moto: 203 successes for 200 units were seen.
    server, url = start_in_thread(serialize=True)
    try:
        successes, final, ledger = _hammer(url)
    finally:
        server.shutdown()
    assert THREADS * ATTEMPTS_PER_THREAD > START
    assert successes == START  # exactly as many decrements as units: no lost update, no overspend
    assert final == 0
    assert ledger == START  # every accepted decrement left its ledger item, none was rolled back by another


def _client(url: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=url, region_name="eu-central-1", aws_access_key_id="x",
                        aws_secret_access_key="x", config=Config(retries={"max_attempts": 1}))


def _table(ddb: Any, *, sort_key: bool) -> str:
    name = f"undo-{uuid.uuid4().hex}"
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}] + ([{"AttributeName": "sk", "KeyType": "RANGE"}]
                                                          if sort_key else [])
    ddb.create_table(TableName=name, KeySchema=keys, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": k["AttributeName"], "AttributeType": "S"}
                                           for k in keys])
    return name


def _everything(ddb: Any, *tables: str) -> dict[str, list[dict[str, Any]]]:
    return {t: sorted(ddb.scan(TableName=t, ConsistentRead=True)["Items"], key=repr) for t in tables}


def test_a_cancelled_transaction_leaves_every_item_as_it_was(aws_server: str) -> None:
    """Update, put (new and overwriting), delete and nested attributes, then a failing condition last: all undone."""
    ddb = _client(aws_server)
    plain, sorted_ = _table(ddb, sort_key=False), _table(ddb, sort_key=True)
    ddb.put_item(TableName=plain, Item={"pk": {"S": "v"}, "balance": {"N": "100"},
                                        "meta": {"M": {"tags": {"L": [{"S": "a"}]}}}})
    ddb.put_item(TableName=plain, Item={"pk": {"S": "gone"}, "x": {"N": "1"}})
    ddb.put_item(TableName=sorted_, Item={"pk": {"S": "v"}, "sk": {"S": "1"}, "kind": {"S": "old"}})
    ddb.put_item(TableName=plain, Item={"pk": {"S": "guard"}, "open": {"BOOL": False}})
    before = _everything(ddb, plain, sorted_)

    try:
        ddb.transact_write_items(TransactItems=[
            {"Update": {"TableName": plain, "Key": {"pk": {"S": "v"}},
                        "UpdateExpression": "ADD balance :m SET meta.tags[0] = :t, fresh = :t",
                        "ExpressionAttributeValues": {":m": {"N": "-30"}, ":t": {"S": "changed"}}}},
            {"Put": {"TableName": sorted_, "Item": {"pk": {"S": "v"}, "sk": {"S": "1"}, "kind": {"S": "new"}}}},
            {"Put": {"TableName": sorted_, "Item": {"pk": {"S": "new-hash"}, "sk": {"S": "2"}}}},
            {"Put": {"TableName": plain, "Item": {"pk": {"S": "brand-new"}}}},
            {"Delete": {"TableName": plain, "Key": {"pk": {"S": "gone"}}}},
            {"ConditionCheck": {"TableName": plain, "Key": {"pk": {"S": "guard"}},
                                "ConditionExpression": "#o = :t", "ExpressionAttributeNames": {"#o": "open"},
                                "ExpressionAttributeValues": {":t": {"BOOL": True}}}},
        ])
        raise AssertionError("the condition check must cancel the transaction")
    except ddb.exceptions.TransactionCanceledException as err:
        codes = [r["Code"] for r in err.response["CancellationReasons"]]
    assert codes == ["None"] * 5 + ["ConditionalCheckFailed"]
    assert _everything(ddb, plain, sorted_) == before
    assert ddb.query(TableName=sorted_, KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": {"S": "new-hash"}})["Items"] == []

    # and a transaction that succeeds still applies all of it
    ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": plain, "Key": {"pk": {"S": "v"}}, "UpdateExpression": "ADD balance :m",
                    "ConditionExpression": "balance >= :a",
                    "ExpressionAttributeValues": {":m": {"N": "-30"}, ":a": {"N": "30"}}}},
        {"Put": {"TableName": sorted_, "Item": {"pk": {"S": "v"}, "sk": {"S": "2"}}}},
    ])
    assert ddb.get_item(TableName=plain, Key={"pk": {"S": "v"}})["Item"]["balance"] == {"N": "70"}


def test_the_store_keeps_no_copy_of_what_requests_touched(aws_server: str) -> None:
    """moto tracked every item instance ever made (and deep-copied whole tables per transaction)."""
    from moto.dynamodb.models.dynamo_type import Item

    ddb = _client(aws_server)
    table = _table(ddb, sort_key=True)
    for i in range(50):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "v"}, "sk": {"S": str(i)}}}},
            {"Update": {"TableName": table, "Key": {"pk": {"S": "counter"}, "sk": {"S": "0"}},
                        "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        ])
        ddb.get_item(TableName=table, Key={"pk": {"S": f"missing-{i}"}, "sk": {"S": "0"}})
    assert len(Item.instances_tracked) == 0
    from moto.dynamodb.models import dynamodb_backends

    stored = dynamodb_backends["123456789012"]["eu-central-1"].tables[table]
    assert sorted(k.value for k in stored.items) == ["counter", "v"]  # no empty bucket per unknown key read

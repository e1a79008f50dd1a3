"""The embedded DynamoDB keeps DynamoDB's guarantee: conditional writes are atomic under concurrent requests."""

from __future__ import annotations

import threading
import uuid

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

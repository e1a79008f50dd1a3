"""The AWS stand-in's journal: every answered write survives kill -9, a torn last line is dropped, compaction keeps
everything, and the other services' writes (SES identities and mails) are kept too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from devstack.run import free_port, wait_http

ROOT = Path(__file__).resolve().parent.parent


class Store:
    def __init__(self, data_dir: Path, compact_after: int) -> None:
        self.data_dir, self.compact_after = data_dir, compact_after
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> Store:
        port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "devstack.aws_server", "--port", str(port),
                                      "--data-dir", str(self.data_dir), "--compact-after", str(self.compact_after)],
                                     cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{port}"
        wait_http(self.url, timeout=120, proc=self.proc)
        return self

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def client(self, service: str = "dynamodb") -> Any:
        return boto3.client(service, endpoint_url=self.url, region_name="eu-central-1", aws_access_key_id="x",
                            aws_secret_access_key="x", config=Config(retries={"max_attempts": 1}))


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store(Path(tempfile.mkdtemp(prefix="mp-journal-")), compact_after=7)
    yield s
    if s.proc is not None and s.proc.poll() is None:
        s.kill()


def _wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within a minute"
        time.sleep(0.05)


def _state(ddb: Any) -> dict[str, Any]:
    tables = sorted(ddb.list_tables()["TableNames"])
    return {t: (sorted(ddb.scan(TableName=t, ConsistentRead=True)["Items"], key=repr),
                ddb.describe_time_to_live(TableName=t)["TimeToLiveDescription"],
                [i["IndexName"] for i in ddb.describe_table(TableName=t)["Table"].get("GlobalSecondaryIndexes", [])])
            for t in tables}


def test_answered_writes_survive_kill_9_and_compaction(store: Store) -> None:
    ddb = store.start().client()
    ddb.create_table(TableName="ledger", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "v", "KeyType": "HASH"}, {"AttributeName": "e", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "v", "AttributeType": "S"},
                                           {"AttributeName": "e", "AttributeType": "S"},
                                           {"AttributeName": "z", "AttributeType": "S"}],
                     GlobalSecondaryIndexes=[{"IndexName": "by-zone", "Projection": {"ProjectionType": "ALL"},
                                              "KeySchema": [{"AttributeName": "z", "KeyType": "HASH"},
                                                            {"AttributeName": "e", "KeyType": "RANGE"}]}])
    ddb.update_time_to_live(TableName="ledger", TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
    for i in range(12):  # more lines than compact_after: at least one snapshot is written on the way
        ddb.put_item(TableName="ledger", Item={"v": {"S": "a"}, "e": {"S": f"{i:03d}"}, "z": {"S": "markt"},
                                               "blob": {"B": bytes([i, 255, 0])}, "tags": {"SS": ["x", "y"]},
                                               "meta": {"M": {"l": {"L": [{"N": str(i)}, {"NULL": True}]}}}})
    ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": "ledger", "Key": {"v": {"S": "a"}, "e": {"S": "000"}},
                    "UpdateExpression": "SET n = :n", "ExpressionAttributeValues": {":n": {"N": "5"}}}},
        {"Delete": {"TableName": "ledger", "Key": {"v": {"S": "a"}, "e": {"S": "001"}}}}])
    try:  # a cancelled transaction changes nothing and is not journaled
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "ledger", "Item": {"v": {"S": "b"}, "e": {"S": "x"}}}},
            {"ConditionCheck": {"TableName": "ledger", "Key": {"v": {"S": "a"}, "e": {"S": "001"}},
                                "ConditionExpression": "attribute_exists(v)"}}])
    except ddb.exceptions.TransactionCanceledException:
        pass
    ses = store.client("sesv2")
    ses.create_email_identity(EmailIdentity="gutschein@example.org")
    expected = _state(ddb)
    _wait_for(lambda: (store.data_dir / "snapshot.jsonl").exists())  # written by a forked child, meanwhile served

    store.kill()
    with open(sorted(store.data_dir.glob("journal-*.jsonl"))[-1], "ab") as f:
        f.write(b'{"kind":"items","changes":[{"region":"eu-')  # a crash in the middle of an append
    ddb = store.start().client()
    assert _state(ddb) == expected
    assert [i["IdentityName"] for i in store.client("sesv2").list_email_identities()["EmailIdentities"]] == [
        "gutschein@example.org"]
    ddb.delete_item(TableName="ledger", Key={"v": {"S": "a"}, "e": {"S": "002"}})  # appended after the torn line
    expected = _state(ddb)
    store.kill()
    assert _state(store.start().client()) == expected


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def test_a_compaction_writing_beside_the_writes_loses_none_of_them_on_kill_9(store: Store) -> None:
    """The snapshot is written by a forked child while the store goes on answering writes; a kill -9 in the middle
    of that loses no answered write, and the child goes with the store."""
    store.compact_after = 150
    ddb = store.start().client()
    ddb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
    for first in range(0, 15_000, 25):  # enough items that each snapshot takes a while to write
        puts = [{"PutRequest": {"Item": {"k": {"S": f"fill{i}"}, "pad": {"S": "x" * 40}}}}
                for i in range(first, first + 25)]
        ddb.batch_write_item(RequestItems={"t": puts})
    answered: dict[str, int] = {}
    stop = threading.Event()

    def writer(w: int) -> None:
        client = store.client()
        for i in range(100_000):
            if stop.is_set():
                return
            try:
                client.put_item(TableName="t", Item={"k": {"S": f"w{w}-{i}"}, "n": {"N": str(i)}})
                client.update_item(TableName="t", Key={"k": {"S": f"counter{w}"}}, UpdateExpression="SET n = :i",
                                   ExpressionAttributeValues={":i": {"N": str(i)}})
            except Exception:  # noqa: BLE001 - the store was killed: this write was never answered
                return
            answered[f"w{w}-{i}"] = i
            answered[f"counter{w}"] = i

    writers = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in writers:
        t.start()
    assert store.proc is not None
    overlapped, deadline = False, time.monotonic() + 90
    while not overlapped and time.monotonic() < deadline:
        compacting = _children(store.proc.pid)
        if compacting:
            before = len(answered)
            time.sleep(0.05)
            overlapped = len(answered) > before and bool(compacting & _children(store.proc.pid))
        else:
            time.sleep(0.005)
    compacting = _children(store.proc.pid)
    store.kill()  # most likely while a snapshot is being written
    stop.set()
    for t in writers:
        t.join()
    assert overlapped, "no write was answered while a compaction was writing its snapshot"
    _wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in compacting), seconds=10)

    ddb = store.start().client()
    stored = {i["k"]["S"]: int(i.get("n", {"N": "-1"})["N"])
              for page in ddb.get_paginator("scan").paginate(TableName="t", ConsistentRead=True)
              for i in page["Items"]}
    assert sum(k.startswith("fill") for k in stored) == 15_000
    assert {k: v for k, v in answered.items() if not k.startswith("counter")}.items() <= stored.items()
    for w in range(4):  # a counter may be one step further (its answer was lost with the store), never behind
        if f"counter{w}" in answered:
            assert stored[f"counter{w}"] >= answered[f"counter{w}"]

"""The local stack's store under a town's volume (issue 11): memory, write time versus data size, contention, restart.

- store_memory: resident memory (VmRSS) of the AWS stand-in process of a real stack (`make run`'s processes, with
  its journal) over 1,000 redemptions through the app from 8 threads (target < 150 MB), then over a longer run of
  redemption-shaped transactions sent straight to the store from 8 threads (default 20,000; BENCH_STORE_LONG), read
  at a quarter, a half and the end: growth per 1,000 redemptions next to the data they stored (their items, as the
  snapshot holds them) and the store's files on disk. Then a fifth as many requests that store nothing new (balance
  updates and cancelled redemptions): memory that followed requests would keep growing there; it stays put.
- contention: 8 tills on one voucher through the app, 400 redemptions: refused (target 0), and DynamoDB requests per
  redemption without contention, counted in-process (target <= 1.05).
- write_time_vs_size: median redemption time through the app (in-process) with 1,000 and with 100,000 ledger
  entries in the store (target ratio <= 1.5). The ledger is filled in the store process directly (a bulk load;
  the wire would add minutes and change nothing measured). Wall time on a shared machine swings with its load, so
  store_transaction_vs_size also times the store's own work (CPU) for the same transaction on tables of 1,000 and
  100,000 items, interleaved round by round.
- restart: the stack restarted after `kill -9` of every process, with 50,000 ledger entries (and their idempotency
  records) in the snapshot plus a journal tail: seconds until it serves again, i.e. `/readyz` (one read of the store
  through the app) answers 200 (target < 30 s); with the store's own loading time from its log.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ADMIN = {"Authorization": "Bearer local-admin-token"}
LONG_RUN = int(os.environ.get("BENCH_STORE_LONG", "20000"))


def _rss_mb(pid: int) -> float:
    line = next(s for s in Path(f"/proc/{pid}/status").read_text().splitlines() if s.startswith("VmRSS:"))
    return round(int(line.split()[1]) / 1024, 1)


def _stack(data_dir: Path) -> Any:
    from devstack.run import Stack, free_port

    return Stack(app_port=free_port(), aws_port=free_port(), data_dir=data_dir, seed=False,
                 log_dir=data_dir / "logs")


def _shop_and_vouchers(base: str, cents: int, n: int) -> tuple[str, list[dict[str, Any]]]:
    import requests

    shop = requests.post(f"{base}/api/v1/retailers", headers=ADMIN, timeout=30, json={
        "name": "Bench", "address": "Markt 1", "email": "b@example.org", "zone": "markt"}).json()
    vouchers = requests.post(f"{base}/api/v1/vouchers", headers=ADMIN, timeout=30,
                             json={"amount_cents": cents, "quantity": n}).json()["vouchers"]
    return shop["api_key"], vouchers


def _tills(base: str, key: str, tokens: list[str], per_till: int, threads: int = 8) -> list[int]:
    import requests

    statuses: list[int] = []

    def till(i: int) -> None:
        with requests.Session() as session:
            for _ in range(per_till):
                r = session.post(f"{base}/api/v1/redemptions", json={"token": tokens[i % len(tokens)],
                                                                      "amount_cents": 1},
                                 headers={"Authorization": f"Bearer {key}", "Idempotency-Key": uuid.uuid4().hex},
                                 timeout=60)
                statuses.append(r.status_code)

    workers = [threading.Thread(target=till, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return statuses


LEDGER_ITEM = {"kind": {"S": "redemption"}, "amount_cents": {"N": "-1"},
               "created_at": {"S": "2026-12-01T10:00:00.000Z"}, "retailer_id": {"S": "ret_bench"},
               "zone": {"S": "markt"}}
IDEMPOTENCY_ITEM = {"request_hash": {"S": "x" * 64}, "status": {"N": "201"}, "response": {"S": "{" + "x" * 220 + "}"},
                    "expires_at": {"N": "1999999999"}}


def _raw_redemptions(aws_url: str, n: int, threads: int = 8, kind: str = "redemption") -> int:
    """Redemption-shaped transactions (conditional balance update + ledger entry + idempotency record) straight to the
    store, as DynamoDB's wire protocol (what boto3 sends, without its milliseconds of client work a call);
    `kind="balance"` only updates the balance, `kind="cancelled"` is a redemption its balance condition cancels: neither
    stores anything new. Returns the bytes of the items stored (as the snapshot holds them)."""
    prefix = "marktplatz-"
    vid = f"bench{uuid.uuid4().hex[:11]}"
    _dynamodb_call(_connection(aws_url), "PutItem", {"TableName": f"{prefix}vouchers", "Item": {
        "voucher_id": {"S": vid}, "balance_cents": {"N": "999999999"}, "status": {"S": "active"}}})
    counter = iter(range(n))
    lock = threading.Lock()
    stored = [0]
    needed = "1000000000" if kind == "cancelled" else "1"

    def worker() -> None:
        connection = _connection(aws_url)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            entry = f"{i:012d}{uuid.uuid4().hex[:8]}"
            ledger = {"voucher_id": {"S": vid}, "entry_id": {"S": entry}, **LEDGER_ITEM}
            idem = {"scope_key": {"S": f"redeem#ret_bench#{entry}"}, **IDEMPOTENCY_ITEM}
            update = {"Update": {"TableName": f"{prefix}vouchers", "Key": {"voucher_id": {"S": vid}},
                                 "UpdateExpression": "ADD balance_cents :m",
                                 "ConditionExpression": "balance_cents >= :a",
                                 "ExpressionAttributeValues": {":m": {"N": "-1"}, ":a": {"N": needed}}}}
            items = [update] if kind == "balance" else [
                {"Put": {"TableName": f"{prefix}ledger", "ConditionExpression": "attribute_not_exists(entry_id)",
                         "Item": ledger}},
                {"Put": {"TableName": f"{prefix}idempotency", "ConditionExpression": "attribute_not_exists(scope_key)",
                         "Item": idem}},
                update]
            cancelled = _dynamodb_call(connection, "TransactWriteItems", {"TransactItems": items},
                                       cancellable=kind == "cancelled")
            if kind == "redemption" and not cancelled:
                size = len(_encoded(ledger)) + len(_encoded(idem))
                with lock:
                    stored[0] += size

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return stored[0]


def _connection(aws_url: str) -> http.client.HTTPConnection:
    host, port = aws_url.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=60)


def _dynamodb_call(connection: http.client.HTTPConnection, operation: str, body: dict[str, Any],
                   cancellable: bool = False) -> bool:
    """One DynamoDB request; True if it was a transaction cancelled (only where `cancellable`)."""
    connection.request("POST", "/", body=_encoded(body), headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"DynamoDB_20120810.{operation}",
        "Authorization": "AWS4-HMAC-SHA256 Credential=bench/20260101/eu-central-1/dynamodb/aws4_request, "
                         "SignedHeaders=host, Signature=0"})
    response = connection.getresponse()
    answer = response.read()
    if response.status == 200:
        return False
    if cancellable and b"TransactionCanceledException" in answer:
        return True
    raise RuntimeError(f"{operation}: {response.status} {answer[:300]!r}")


def _encoded(item: dict[str, Any]) -> bytes:
    return json.dumps(item, separators=(",", ":")).encode()


def _store_files_mb(data_dir: Path) -> float:
    return round(sum(p.stat().st_size for p in (data_dir / "aws").iterdir() if p.is_file()) / 2**20, 1)


def _memory_over_redemptions(stack: Any, data_dir: Path) -> dict[str, Any]:
    """RSS of the store at a quarter, a half and all of LONG_RUN redemptions, then over a fifth as many requests that
    store nothing new."""
    aws = stack.pid_of("aws")
    start_rss = _rss_mb(aws)
    done = stored = 0
    started = time.perf_counter()
    readings: dict[str, Any] = {}
    for upto in (LONG_RUN // 4, LONG_RUN // 2, LONG_RUN):
        stored += _raw_redemptions(stack.aws_url, upto - done)
        done = upto
        grown = _rss_mb(aws) - start_rss
        readings[f"after_{done}"] = {
            "rss_growth_mb": round(grown, 1), "data_stored_mb": round(stored / 2**20, 1),
            "rss_growth_mb_per_1000": round(grown / done * 1000, 2),
            "data_stored_mb_per_1000": round(stored / 2**20 / done * 1000, 2),
            "rss_growth_per_data_stored": round(grown / (stored / 2**20), 1),
            "store_files_on_disk_mb": _store_files_mb(data_dir)}
    seconds = time.perf_counter() - started
    before = _rss_mb(aws)
    _raw_redemptions(stack.aws_url, LONG_RUN // 10, kind="balance")
    _raw_redemptions(stack.aws_url, LONG_RUN // 10, kind="cancelled")
    no_new_data = {"requests": LONG_RUN // 10 * 2, "rss_growth_mb": round(_rss_mb(aws) - before, 1),
                   "data_stored_mb": 0,
                   "what": "half balance updates, half redemptions cancelled by their condition"}
    return {"redemptions": LONG_RUN, "threads": 8, "seconds": round(seconds, 1), "rss_before_mb": start_rss,
            "readings": readings, "then_requests_storing_nothing": no_new_data,
            "note": "growth per 1,000 stays level, a steady multiple of the data stored (moto holds each attribute "
                    "as Python objects); requests that store nothing add next to none: memory follows the data, not "
                    "the requests"}


def store_memory_and_contention() -> dict[str, Any]:
    import requests

    data_dir = Path(tempfile.mkdtemp(prefix="marktplatz-bench-store-"))
    stack = _stack(data_dir).start()
    try:
        base, aws = stack.app_url, stack.pid_of("aws")
        key, vouchers = _shop_and_vouchers(base, 1_000_000, 8)
        _tills(base, key, [v["token"] for v in vouchers], 2)  # warm every process
        before = _rss_mb(aws)
        started = time.perf_counter()
        statuses = _tills(base, key, [v["token"] for v in vouchers], 125)
        burst = {"redemptions": len(statuses), "answered_201": statuses.count(201), "rss_before_mb": before,
                 "rss_after_mb": _rss_mb(aws), "growth_mb": round(_rss_mb(aws) - before, 1), "target_mb": "< 150",
                 "redemptions_per_s": round(len(statuses) / (time.perf_counter() - started), 1)}

        [one] = _shop_and_vouchers(base, 1_000_000, 1)[1]
        statuses = _tills(base, key, [one["token"]], 50)
        balance = requests.get(f"{base}/api/v1/vouchers/{one['voucher_id']}", headers=ADMIN, timeout=30).json()
        contention = {"tills": 8, "redemptions": len(statuses), "refused": len(statuses) - statuses.count(201),
                      "refused_target": 0, "balance_ok": balance["balance_cents"] == 1_000_000 - statuses.count(201)}

        long_run = _memory_over_redemptions(stack, data_dir)
        return {"burst_1000_from_8_threads": burst, "long_run": long_run, "contention_one_voucher": contention}
    finally:
        stack.stop()


def _median_redemption_ms(client: Any, key: str, tokens: list[str], n: int) -> float:
    times = []
    for i in range(n):
        started = time.perf_counter()
        r = client.http.post("/api/v1/redemptions", body=json.dumps({"token": tokens[i % len(tokens)],
                                                                    "amount_cents": 1}),
                             headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json",
                                      "Idempotency-Key": uuid.uuid4().hex})
        times.append(time.perf_counter() - started)
        assert r.status_code == 201, r.body
    return round(statistics.median(times) * 1000, 2)


def _fill_ledger(total: int) -> int:
    """Bulk-load ledger entries (and their idempotency records) into the in-process store up to `total`."""
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends["123456789012"]["eu-central-1"]
    ledger, idem = backend.get_table("marktplatz-ledger"), backend.get_table("marktplatz-idempotency")
    have = len(ledger)
    for i in range(have, total):
        vid = f"fill{i // 20:012d}"  # 20 entries a voucher
        entry = f"{i:012d}fill"
        ledger.put_item({"voucher_id": {"S": vid}, "entry_id": {"S": entry}, "kind": {"S": "redemption"},
                         "amount_cents": {"N": "-100"}, "created_at": {"S": "2026-12-01T10:00:00.000Z"},
                         "retailer_id": {"S": "ret_fill"}, "zone": {"S": "markt"}, "actor": {"S": "ret_fill"}})
        idem.put_item({"scope_key": {"S": f"redeem#ret_fill#{entry}"}, "request_hash": {"S": "x" * 64},
                       "status": {"N": "201"}, "response": {"S": "{" + "x" * 220 + "}"},
                       "expires_at": {"N": "1999999999"}})
    return len(ledger)


def _store_transaction_ratio(rounds: int = 7, per_round: int = 50) -> dict[str, Any]:
    """The store's own time for a redemption-shaped TransactWriteItems on tables of 1,000 and of 100,000 items,
    interleaved round by round (a loaded machine slows both alike); CPU time of this process, median of rounds."""
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends["123456789012"]["eu-central-1"]
    sizes = {"small": 1000, "large": 100_000}
    for label, size in sizes.items():
        for kind, keys in (("ledger", [("voucher_id", "HASH"), ("entry_id", "RANGE")]),
                           ("vouchers", [("voucher_id", "HASH")])):
            name = f"bench-{label}-{kind}"
            if name not in backend.tables:
                backend.create_table(name, schema=[{"AttributeName": k, "KeyType": t} for k, t in keys],
                                     throughput=None,
                                     attr=[{"AttributeName": k, "AttributeType": "S"} for k, _ in keys],
                                     global_indexes=None, indexes=None, streams=None, billing_mode="PAY_PER_REQUEST",
                                     sse_specification=None, tags=[], deletion_protection_enabled=None,
                                     warm_throughput=None)
        ledger = backend.get_table(f"bench-{label}-ledger")
        for i in range(len(ledger), size):
            ledger.put_item({"voucher_id": {"S": f"v{i // 20}"}, "entry_id": {"S": f"{i:012d}"},
                             "amount_cents": {"N": "-100"}, "kind": {"S": "redemption"}})
        backend.get_table(f"bench-{label}-vouchers").put_item({"voucher_id": {"S": "v"},
                                                               "balance_cents": {"N": "999999999"}})
    times: dict[str, list[float]] = {label: [] for label in sizes}
    n = 0
    for _ in range(rounds):
        for label in sizes:
            started = time.process_time()
            for _ in range(per_round):
                n += 1
                backend.transact_write_items([
                    {"Put": {"TableName": f"bench-{label}-ledger",
                             "ConditionExpression": "attribute_not_exists(entry_id)",
                             "Item": {"voucher_id": {"S": "v"}, "entry_id": {"S": f"x{n:012d}"},
                                      "amount_cents": {"N": "-1"}}}},
                    {"Update": {"TableName": f"bench-{label}-vouchers", "Key": {"voucher_id": {"S": "v"}},
                                "UpdateExpression": "ADD balance_cents :m",
                                "ConditionExpression": "balance_cents >= :a",
                                "ExpressionAttributeValues": {":m": {"N": "-1"}, ":a": {"N": "1"}}}}])
            times[label].append((time.process_time() - started) / per_round * 1000)
    small, large = statistics.median(times["small"]), statistics.median(times["large"])
    return {"cpu_ms_per_transaction_1000_items": round(small, 3),
            "cpu_ms_per_transaction_100000_items": round(large, 3), "ratio": round(large / small, 2),
            "target_ratio": "<= 1.5"}


def size_figures() -> dict[str, Any]:
    """In its own process (the store is in-process here, and filled in bulk): write time versus ledger size, and the
    restart of a real stack from a store of 50,000 ledger entries."""
    from chalice.test import Client

    from app import app
    from bench.common import local_aws
    from devstack import moto_dynamodb
    from devstack.store_journal import Journal

    local_aws()
    client = Client(app, stage_name="local")
    r = client.http.post("/api/v1/retailers", headers={**ADMIN, "Content-Type": "application/json"},
                         body=json.dumps({"name": "Bench", "address": "Markt 1", "email": "b@e.de", "zone": "markt"}))
    key = json.loads(r.body)["api_key"]
    r = client.http.post("/api/v1/vouchers", headers={**ADMIN, "Content-Type": "application/json"},
                         body=json.dumps({"amount_cents": 1_000_000, "quantity": 20}))
    tokens = [v["token"] for v in json.loads(r.body)["vouchers"]]
    _median_redemption_ms(client, key, tokens, 20)  # warm
    _fill_ledger(1000)
    small = _median_redemption_ms(client, key, tokens, 200)

    entries = _fill_ledger(50_000)
    data_dir = Path(tempfile.mkdtemp(prefix="marktplatz-bench-restart-"))
    (data_dir / "aws").mkdir()
    journal = Journal(data_dir / "aws", app=None)  # type: ignore[arg-type]
    journal.compact()  # the store as its own compaction would write it
    journal.close()
    moto_dynamodb.tracking = False
    snapshot_mb = round((data_dir / "aws" / "snapshot.jsonl").stat().st_size / 2**20, 1)
    restart = _restart_after_kill(data_dir)
    restart.update({"ledger_entries": entries, "snapshot_mb": snapshot_mb, "target_s": "< 30"})

    _fill_ledger(100_000)
    large = _median_redemption_ms(client, key, tokens, 200)
    return {"write_time_vs_size": {"median_ms_at_1000_entries": small, "median_ms_at_100000_entries": large,
                                   "ratio": round(large / small, 2), "target_ratio": "<= 1.5",
                                   "load_average": os.getloadavg()[0]},
            "store_transaction_vs_size": _store_transaction_ratio(),
            "restart": restart}


def _restart_after_kill(data_dir: Path) -> dict[str, Any]:
    """Start a stack on the data, add a journal tail, kill -9 every process, and time the start until it serves."""
    import requests

    stack = _stack(data_dir)
    stack.start()
    try:
        key, vouchers = _shop_and_vouchers(stack.app_url, 100_000, 8)
        tail = _tills(stack.app_url, key, [v["token"] for v in vouchers], 25)
    finally:
        for proc in stack.procs:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        stack.procs.clear()
    stack = _stack(data_dir)
    started = time.perf_counter()
    stack.start()
    try:
        ready = requests.get(f"{stack.app_url}/readyz", timeout=30).status_code
        served = time.perf_counter() - started
        log = (data_dir / "logs" / "aws.log").read_text().splitlines()
        loaded = [line for line in log if line.startswith("aws stand-in: loaded")][-1]
    finally:
        stack.stop()
    return {"journal_tail_redemptions": tail.count(201), "seconds_until_serving": round(served, 1),
            "readyz": ready, "store_log": loaded, "load_average": os.getloadavg()[0]}


def run() -> dict[str, Any]:
    figures = store_memory_and_contention()
    out = subprocess.run([sys.executable, "-c", "import json; from bench.store import size_figures; "
                          "print('FIGURES' + json.dumps(size_figures()))"], cwd=ROOT, capture_output=True, text=True)
    lines = [line for line in out.stdout.splitlines() if line.startswith("FIGURES")]
    if not lines:
        raise RuntimeError(out.stderr[-2000:])
    figures.update(json.loads(lines[-1][len("FIGURES"):]))
    figures["requests_per_uncontended_redemption"] = _uncontended_requests()
    return figures


def _uncontended_requests() -> dict[str, Any]:
    from bench.common import local_aws
    from bench.vouchers import _client, dynamodb_calls_per_redemption

    local_aws()
    warm = dynamodb_calls_per_redemption(_client(), n=500)["warm_including_auth"]
    return {"per_redemption": round(warm["per_redemption"], 3), "by_operation": warm["by_operation"],
            "target": "<= 1.05"}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))

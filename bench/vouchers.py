"""Voucher core benchmarks: DynamoDB calls per redemption, throughput versus raw transactions, token
verification versus bare Ed25519, cold import of app.py, and the QR version of a voucher URL."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import local_aws

ROOT = Path(__file__).resolve().parent.parent
ADMIN = {"Authorization": "Bearer local-admin-token", "Content-Type": "application/json"}


def _client() -> Any:
    from chalice.test import Client

    from app import app

    return Client(app, stage_name="local")


def _post(client: Any, path: str, body: dict, headers: dict) -> Any:
    r = client.http.post(path, headers=headers, body=json.dumps(body))
    return r.status_code, json.loads(r.body)


def dynamodb_calls_per_redemption(client: Any, n: int = 500) -> dict[str, Any]:
    from chalicelib.vouchers.redemption import balance_hints
    from devstack.ddb_calls import count_dynamodb_calls

    _, shop = _post(client, "/api/v1/retailers", {"name": "Bench", "address": "Markt 1", "email": "b@e.de",
                                                  "zone": "markt"}, ADMIN)
    _, issued = _post(client, "/api/v1/vouchers", {"amount_cents": 100_000, "quantity": 10}, ADMIN)
    tokens = [v["token"] for v in issued["vouchers"]]
    key = {"Authorization": f"Bearer {shop['api_key']}", "Content-Type": "application/json"}
    balance_hints.clear()
    with count_dynamodb_calls() as calls:  # a warm Lambda: key cache and balance hints fill as the tills work
        ok = sum(_post(client, "/api/v1/redemptions", {"token": tokens[i % 10], "amount_cents": 100},
                       {**key, "Idempotency-Key": uuid.uuid4().hex})[0] == 201 for i in range(n))
    warm = {"redemptions": ok, "calls": len(calls), "per_redemption": len(calls) / ok,
            "by_operation": dict(calls.by_operation())}
    # The scanner flow: the till shows the balance, then redeems with expected_balance_cents; cold caches.
    balance_hints.clear()
    with count_dynamodb_calls() as calls:
        status, body = _post(client, "/api/v1/redemptions",
                             {"token": tokens[0], "amount_cents": 100,
                              "expected_balance_cents": 100_000 - 100 * (n // 10 + (1 if 0 < n % 10 else 0))},
                             {**key, "Idempotency-Key": uuid.uuid4().hex})
    with_hint = {"calls": len(calls), "by_operation": dict(calls.by_operation()), "status": status}
    balance_hints.clear()
    with count_dynamodb_calls() as calls:
        _post(client, "/api/v1/redemptions", {"token": tokens[1], "amount_cents": 100},
              {**key, "Idempotency-Key": uuid.uuid4().hex})
    no_hint = {"calls": len(calls), "by_operation": dict(calls.by_operation())}
    return {"warm_including_auth": warm, "target_warm_per_redemption": 1.05,
            "cold_with_expected_balance": with_hint, "cold_without_any_hint": no_hint}


def throughput(client: Any, n: int = 300) -> dict[str, Any]:
    """Redemptions/s through the app in-process versus the raw TransactWriteItems it needs (same moto)."""
    import boto3

    from chalicelib.core import settings

    _, shop = _post(client, "/api/v1/retailers", {"name": "Bench2", "address": "Markt 1", "email": "b@e.de",
                                                  "zone": "markt"}, ADMIN)
    _, issued = _post(client, "/api/v1/vouchers", {"amount_cents": 1_000_000, "quantity": 20}, ADMIN)
    tokens = [v["token"] for v in issued["vouchers"]]
    key = {"Authorization": f"Bearer {shop['api_key']}", "Content-Type": "application/json"}
    _post(client, "/api/v1/redemptions", {"token": tokens[0], "amount_cents": 1},
          {**key, "Idempotency-Key": uuid.uuid4().hex})  # warm caches
    start = time.perf_counter()
    for i in range(n):
        _post(client, "/api/v1/redemptions", {"token": tokens[i % 20], "amount_cents": 100},
              {**key, "Idempotency-Key": uuid.uuid4().hex})
    app_rate = n / (time.perf_counter() - start)

    s = settings.get()
    ddb = boto3.client("dynamodb", endpoint_url=s.dynamodb_endpoint, region_name=s.aws_region)
    voucher_ids = [v["voucher_id"] for v in issued["vouchers"]]
    balances = {vid: None for vid in voucher_ids}
    for vid in voucher_ids:
        balances[vid] = int(ddb.get_item(TableName=s.table_name("vouchers"), Key={"voucher_id": {"S": vid}},
                                         ConsistentRead=True)["Item"]["balance_cents"]["N"])
    start = time.perf_counter()
    for i in range(n):
        vid = voucher_ids[i % 20]
        old, new = balances[vid], balances[vid] - 100
        balances[vid] = new
        entry = uuid.uuid4().hex
        ddb.transact_write_items(TransactItems=[
            {"ConditionCheck": {"TableName": s.table_name("retailers"),
                                "Key": {"retailer_id": {"S": shop["retailer_id"]}},
                                "ConditionExpression": "#s = :a", "ExpressionAttributeNames": {"#s": "status"},
                                "ExpressionAttributeValues": {":a": {"S": "active"}}}},
            {"Put": {"TableName": s.table_name("ledger"), "ConditionExpression": "attribute_not_exists(entry_id)",
                     "Item": {"voucher_id": {"S": vid}, "entry_id": {"S": entry}, "kind": {"S": "redemption"},
                              "amount_cents": {"N": "-100"}, "created_at": {"S": "2026-01-01T00:00:00.000Z"},
                              "retailer_id": {"S": shop["retailer_id"]}, "zone": {"S": "markt"}}}},
            {"Put": {"TableName": s.table_name("idempotency"), "ConditionExpression": "attribute_not_exists(scope_key)",
                     "Item": {"scope_key": {"S": f"raw#{entry}"}, "request_hash": {"S": "x"}, "status": {"N": "201"},
                              "response": {"S": "{}"}, "expires_at": {"N": "1999999999"}}}},
            {"Update": {"TableName": s.table_name("vouchers"), "Key": {"voucher_id": {"S": vid}},
                        "UpdateExpression": "SET balance_cents = :new",
                        "ConditionExpression": "balance_cents = :old AND balance_cents >= :amt AND #s = :a",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {":new": {"N": str(new)}, ":old": {"N": str(old)},
                                                      ":amt": {"N": "100"}, ":a": {"S": "active"}}}},
            *_raw_totals(s, shop["retailer_id"]),  # the report totals (docs/reports.md) the redemption adds
        ])
    raw_rate = n / (time.perf_counter() - start)
    return {"app_redemptions_per_s": round(app_rate, 1), "raw_transact_per_s": round(raw_rate, 1),
            "ratio": round(app_rate / raw_rate, 3), "target_ratio": 0.7}


def _raw_totals(s: Any, retailer_id: str) -> list[dict[str, Any]]:
    def add(table: str, key: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
        values = {f":{n}": {"N": "1" if n.endswith("_n") or n[0] == "n" else "100"} for n in names}
        return {"Update": {"TableName": s.table_name(table), "Key": key, "ExpressionAttributeValues": values,
                           "UpdateExpression": "ADD " + ", ".join(f"{n} :{n}" for n in names)}}

    return [add("voucher-month-totals", {"book": {"S": "town"}, "key": {"S": f"2026-01#r#{retailer_id}"}},
                ("redeemed_n", "redeemed_cents", "redeemed_bonus")),
            add("voucher-day-totals", {"day": {"S": "2026-01-01"}, "key": {"S": f"r#{retailer_id}"}}, ("rn", "rc")),
            add("voucher-zone-days", {"zone": {"S": "markt"}, "day_retailer": {"S": f"2026-01-01#{retailer_id}"}},
                ("n00", "c00")),
            add("voucher-zone-months", {"zone": {"S": "markt"}, "month_retailer": {"S": f"2026-01#{retailer_id}"}},
                ("n01", "c01"))]


def token_verification(n: int = 5000) -> dict[str, Any]:
    from chalicelib.signing import keystore
    from chalicelib.signing.token import DOMAIN, SIGNED_LEN, parse

    ring = keystore.keyring()
    token = ring.sign("abcdefghijklmnop")
    _, signed, signature = parse(token)
    public = ring.signing_key.public_key
    message = DOMAIN + signed

    def once(fn: Any) -> float:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        return n / (time.perf_counter() - start)

    ours = bare = 0.0
    for _ in range(7):  # interleaved rounds, best of each: other load on the machine hits both alike
        ours = max(ours, once(lambda: ring.verify(token)))
        bare = max(bare, once(lambda: public.verify(signature, message)))
    assert len(signed) == SIGNED_LEN
    return {"token_verify_per_s": round(ours), "bare_ed25519_verify_per_s": round(bare),
            "ratio": round(ours / bare, 3), "target_ratio": 0.85}


def _process_seconds(code: str) -> float:
    """Wall time of a whole fresh interpreter running `code` (start-up included), with the .pyc cache filled."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(ROOT / ".local" / "pycache-bench")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


BARE_BASELINE = "import chalice, pynamodb, cryptography"
MODELS_BASELINE = "import chalice, pynamodb.models, cryptography.hazmat.primitives.asymmetric.ed25519"


def cold_import(pairs: int = 15) -> dict[str, Any]:
    """`import app` versus a bare `import chalice, pynamodb, cryptography`, each as a whole process (interpreter
    start-up included), with .pyc, interleaved pair by pair (a VM's noise hits both alike); medians of the pairs.
    The older baseline with PynamoDB's models (botocore's client) is printed beside it for comparison."""
    for code in ("import app", BARE_BASELINE, MODELS_BASELINE):
        _process_seconds(code)  # fill the pyc cache
    app_s, bare_s, models_s, ratios = [], [], [], []
    for _ in range(pairs):
        a, b, m = _process_seconds("import app"), _process_seconds(BARE_BASELINE), _process_seconds(MODELS_BASELINE)
        app_s.append(a)
        bare_s.append(b)
        models_s.append(m)
        ratios.append(a / b)
    probe = subprocess.run([sys.executable, "-c", "import app, sys; print(sorted(m for m in ('stripe', 'qrcode', "
                            "'png', 'boto3', 'botocore.client', 'pynamodb.models') if m in sys.modules))"], cwd=ROOT,
                           capture_output=True, text=True, env={**os.environ, "MARKTPLATZ_MODE": "local"})
    return {"app_process_s": round(statistics.median(app_s), 4),
            "bare_baseline_process_s": round(statistics.median(bare_s), 4),
            "ratio_app_over_bare_baseline": round(statistics.median(ratios), 3), "target_ratio": 1.25,
            "models_baseline_process_s": round(statistics.median(models_s), 4),
            "ratio_app_over_models_baseline": round(statistics.median(app_s) / statistics.median(models_s), 3),
            "pairs": pairs, "heavy_modules_loaded_by_import": probe.stdout.strip()}


def qr() -> dict[str, Any]:
    from chalicelib.signing import keystore
    from chalicelib.vouchers.qr import qr_version

    token = keystore.keyring().sign("abcdefghijklmnop")
    out = {}
    for base in ("https://gutschein.billerbeck.de", "https://gutscheine.stadt-billerbeck.de"):
        out[base] = {"chars": len(f"{base}/v/{token}"), "qr_version_level_M": qr_version(f"{base}/v/{token}")}
    return out


def run() -> dict[str, Any]:
    local_aws()
    client = _client()
    return {
        "dynamodb_calls_per_redemption": dynamodb_calls_per_redemption(client),
        "redemption_throughput": throughput(client),
        "token_verification": token_verification(),
        "cold_import": cold_import(),
        "qr": qr(),
    }

"""Point-in-time recovery, the steps of docs/operations.md "Restoring a table" as commands (operator credentials).

    python -m infra.restore restore --stage prod --table ledger --time 2026-11-20T09:15:00Z
    python -m infra.restore copy-back --stage prod --table ledger --suffix restored-20261120T091500Z

DynamoDB restores into a NEW table (never in place). The live tables belong to CloudFormation, so instead of
swapping tables we copy the restored items back into the live one; items written after the restore point are
listed (not deleted) so that a person decides about them.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any


def live_name(stage: str, table: str) -> str:
    return f"marktplatz-{stage}-{table}"


def restore(client: Any, stage: str, table: str, when: datetime | None, suffix: str) -> str:
    """Start the restore into `<live>-<suffix>` and wait until it is ACTIVE; returns the new table's name."""
    target = f"{live_name(stage, table)}-{suffix}"
    kwargs: dict[str, Any] = {"SourceTableName": live_name(stage, table), "TargetTableName": target}
    if when is None:
        kwargs["UseLatestRestorableTime"] = True
    else:
        kwargs["RestoreDateTime"] = when
    client.restore_table_to_point_in_time(**kwargs)
    client.get_waiter("table_exists").wait(TableName=target)
    return target


def _key_names(client: Any, table: str) -> list[str]:
    return [k["AttributeName"] for k in client.describe_table(TableName=table)["Table"]["KeySchema"]]


def _scan(client: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = client.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def copy_back(client: Any, stage: str, table: str, suffix: str) -> dict[str, Any]:
    """Put every item of the restored table into the live table (25 per BatchWriteItem, retrying leftovers)."""
    source, target = f"{live_name(stage, table)}-{suffix}", live_name(stage, table)
    keys = _key_names(client, target)
    restored = _scan(client, source)
    for start in range(0, len(restored), 25):
        pending = {target: [{"PutRequest": {"Item": item}} for item in restored[start:start + 25]]}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    snapshot = {json.dumps([item[k] for k in keys], sort_keys=True) for item in restored}
    newer = [{k: item[k] for k in keys} for item in _scan(client, target)
             if json.dumps([item[k] for k in keys], sort_keys=True) not in snapshot]
    return {"copied": len(restored), "live_only_keys": newer}


def main(argv: list[str] | None = None) -> None:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("restore", "copy-back"):
        p = sub.add_parser(name)
        p.add_argument("--stage", required=True)
        p.add_argument("--table", required=True, help="logical name, e.g. ledger")
        if name == "restore":
            p.add_argument("--time", help="ISO 8601 UTC; default: latest restorable time")
            p.add_argument("--suffix", default=None, help="default: restored-<time>")
        else:
            p.add_argument("--suffix", required=True)
    args = parser.parse_args(argv)
    client = boto3.client("dynamodb")
    if args.command == "restore":
        when = datetime.fromisoformat(args.time.replace("Z", "+00:00")) if args.time else None
        suffix = args.suffix or "restored-" + (when.strftime("%Y%m%dT%H%M%SZ") if when else "latest")
        print(restore(client, args.stage, args.table, when, suffix))
    else:
        print(json.dumps(copy_back(client, args.stage, args.table, args.suffix), indent=2))


if __name__ == "__main__":
    main()

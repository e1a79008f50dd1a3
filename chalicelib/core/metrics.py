"""Business metrics in CloudWatch embedded metric format (EMF): one JSON log line becomes a metric, no API call.

Domains call the verbs here (`metrics.vouchers_sold(...)`, `metrics.redeemed(...)`, ...) or `put(...)` for a new
metric. In AWS mode the line goes to stdout (Lambda ships it to CloudWatch Logs, which extracts the metric); in
local mode it goes to the debug log. Dimensions are only the stage: every extra dimension value is a paid metric.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from chalicelib.core import settings

log = logging.getLogger("marktplatz.metrics")

VOUCHERS_SOLD = "VouchersSold"
VOUCHERS_SOLD_EUROS = "VouchersSoldEuros"
REDEMPTIONS = "Redemptions"
REDEEMED_EUROS = "RedeemedEuros"
WLAN_GRANTS = "WlanGrants"
RECORDS_INGESTED = "FootfallRecordsIngested"


def document(values: dict[str, tuple[float, str]], stage: str, namespace: str) -> dict[str, Any]:
    """The EMF document for `{name: (value, unit)}` (pure; tested without AWS)."""
    return {
        "_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [{
            "Namespace": namespace, "Dimensions": [["Stage"]],
            "Metrics": [{"Name": name, "Unit": unit} for name, (_, unit) in values.items()]}]},
        "Stage": stage,
        **{name: value for name, (value, _) in values.items()},
    }


def _write(line: str) -> None:
    if settings.get().is_local:
        log.debug("metric %s", line)
    else:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def put(values: dict[str, tuple[float, str]]) -> None:
    """Emit several metrics in one line, e.g. `put({"Redemptions": (1, "Count")})`. Never raises."""
    try:
        s = settings.get()
        namespace = s.env("MARKTPLATZ_METRICS_NAMESPACE", "Marktplatz") or "Marktplatz"
        _write(json.dumps(document(values, s.stage, namespace), separators=(",", ":")))
    except Exception:  # a metric must never fail a redemption
        log.exception("metric not written")


def vouchers_sold(count: int, cents: int) -> None:
    put({VOUCHERS_SOLD: (count, "Count"), VOUCHERS_SOLD_EUROS: (cents / 100, "None")})


def redeemed(cents: int) -> None:
    put({REDEMPTIONS: (1, "Count"), REDEEMED_EUROS: (cents / 100, "None")})


def wlan_grant() -> None:
    put({WLAN_GRANTS: (1, "Count")})


def records_ingested(count: int) -> None:
    put({RECORDS_INGESTED: (count, "Count")})

"""The `marktplatz` CLI drives the real local stack (processes, HTTP) end to end, as an operator would."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADMIN_TOKEN

pytestmark = [pytest.mark.stack, pytest.mark.xdist_group("stack")]

CLI = str(Path(sys.executable).with_name("marktplatz"))


def marktplatz(stack: Any, *args: str, expect: int = 0) -> Any:
    env = {**os.environ, "MARKTPLATZ_ADMIN_TOKEN": ADMIN_TOKEN}
    done = subprocess.run([CLI, "--url", stack.app_url, *args], env=env, capture_output=True, timeout=60)
    assert done.returncode == expect, (args, done.stdout, done.stderr)
    if expect:
        return json.loads(done.stderr)
    try:
        return json.loads(done.stdout)
    except ValueError:
        return done.stdout


def _berlin_month() -> str:
    from chalicelib.core import clock

    return clock.now().astimezone(clock.BERLIN).strftime("%Y-%m")


def test_create_retailer_issue_redeem_export_settlement(stack: Any, tmp_path: Path) -> None:
    shop = marktplatz(stack, "retailers", "create", "--name", "Kaffeerösterei Stenzel", "--address", "Markt 7",
                      "--email", "kaffee@example.org", "--zone", "markt")
    assert shop["api_key"] and shop["status"] == "active"
    issued = marktplatz(stack, "vouchers", "issue", "--amount", "30", "--campaign", "Stadtfest")["vouchers"]
    assert [v["balance_cents"] for v in issued] == [3000]
    redeemed = marktplatz(stack, "redeem", "--key", shop["api_key"], "--token", issued[0]["token"],
                          "--amount", "12,50")
    assert redeemed["amount_cents"] == 1250 and redeemed["balance_cents"] == 1750
    assert redeemed["retailer_id"] == shop["retailer_id"]

    # Settlement comes with the payments domain (GET /api/v1/settlements?month=YYYY-MM&format=csv).
    out = tmp_path / "abrechnung.csv"
    written = marktplatz(stack, "settlements", "export", "--month", _berlin_month(), "--out", str(out))
    assert written["bytes"] == out.stat().st_size
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    ours = [row for row in rows if shop["retailer_id"] in row or "Kaffeerösterei Stenzel" in row]
    assert len(ours) == 1 and any("12,50" in cell for cell in ours[0]), rows  # decimal comma


def test_admin_commands_against_the_stack(stack: Any) -> None:
    shop = marktplatz(stack, "retailers", "create", "--name", "Blumen Wessels", "--address", "Kirchplatz 1",
                      "--email", "blumen@example.org", "--zone", "kirchplatz")
    rotated = marktplatz(stack, "retailers", "rotate-key", shop["retailer_id"])
    assert rotated["api_key"] != shop["api_key"]
    voucher = marktplatz(stack, "vouchers", "issue", "--amount-cents", "2000", "--quantity", "2")["vouchers"][0]
    refused = marktplatz(stack, "redeem", "--key", shop["api_key"], "--token", voucher["token"], "--amount", "5",
                         expect=1)
    assert refused["error"]["status"] == 401  # the old key stopped working at once
    assert marktplatz(stack, "redeem", "--key", rotated["api_key"], "--token", voucher["token"],
                      "--amount", "5")["balance_cents"] == 1500
    marktplatz(stack, "vouchers", "block", voucher["voucher_id"], "--reason", "QR verloren")
    blocked = marktplatz(stack, "redeem", "--key", rotated["api_key"], "--token", voucher["token"], "--amount", "1",
                         expect=1)
    assert blocked["error"]["code"] == "voucher_blocked"
    reissued = marktplatz(stack, "vouchers", "reissue", voucher["voucher_id"])
    assert reissued["voucher"]["balance_cents"] == 1500
    shown = marktplatz(stack, "vouchers", "show", voucher["voucher_id"])
    assert shown["status"] == "replaced" and shown["replaced_by"] == reissued["voucher"]["voucher_id"]
    marktplatz(stack, "retailers", "disable", shop["retailer_id"])
    listed = {r["retailer_id"]: r["status"] for r in marktplatz(stack, "retailers", "list")["retailers"]}
    assert listed[shop["retailer_id"]] == "disabled"
    keys = marktplatz(stack, "signing-keys", "list")
    assert [k["state"] for k in keys["keys"]].count("active") == 1
    wrong = subprocess.run([CLI, "--url", stack.app_url, "--token", "not-the-admin", "retailers", "list"],
                           capture_output=True, timeout=60)
    assert wrong.returncode == 1 and json.loads(wrong.stderr)["error"]["status"] == 401

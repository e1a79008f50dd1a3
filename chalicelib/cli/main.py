"""`marktplatz` command line: the city's admin tasks against a deployment's HTTP API (local stack or AWS).

    marktplatz --url http://127.0.0.1:8000 retailers create --name "Buchhandlung" --address "Markt 1" \\
        --email laden@example.org --zone markt
    marktplatz --stack marktplatz-prod --token-secret marktplatz-prod/admin-token vouchers issue --amount 25

Where to: --url, else MARKTPLATZ_URL, else the EndpointURL output of CloudFormation stack --stack, else
http://127.0.0.1:8000. Admin token: --token, else MARKTPLATZ_ADMIN_TOKEN, else Secrets Manager --token-secret,
else the documented local default. Answers are JSON on stdout; API errors go to stderr with exit code 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from chalicelib.cli.client import ApiClient, ApiError

LOCAL_URL = "http://127.0.0.1:8000"


def _cents(text: str) -> int:
    """Euros as typed by a person ("25", "25,50", "25.50") to integer cents."""
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount in euros: {text!r}") from None
    cents = value * 100
    if cents != cents.to_integral_value() or cents <= 0:
        raise argparse.ArgumentTypeError(f"not a positive amount in whole cents: {text!r}")
    return int(cents)


def _env(name: str) -> str | None:
    from chalicelib.core import settings

    return settings.get().env(name)


def _stack_url(stack: str) -> str:
    import boto3

    outputs = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    for output in outputs:
        if output["OutputKey"] == "EndpointURL":
            return output["OutputValue"]
    raise SystemExit(f"stack {stack} has no EndpointURL output")


def _secret_token(secret_id: str) -> str:
    import boto3

    raw = boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return value["token"] if isinstance(value, dict) else str(value)


def client_from(args: argparse.Namespace) -> ApiClient:
    from chalicelib.core import settings

    url = args.url or _env("MARKTPLATZ_URL") or (_stack_url(args.stack) if args.stack else LOCAL_URL)
    token = args.token or _env("MARKTPLATZ_ADMIN_TOKEN")
    if not token and args.token_secret:
        token = _secret_token(args.token_secret)
    return ApiClient(url, token or settings.LOCAL_ADMIN_TOKEN, timeout=args.timeout)


# --- commands: each maps to one documented route --------------------------------------------------------------


def retailers_create(api: ApiClient, a: argparse.Namespace) -> Any:
    return api.json("POST", "/api/v1/retailers", {"name": a.name, "address": a.address, "email": a.email,
                                                  "zone": a.zone})


def retailers_list(api: ApiClient, a: argparse.Namespace) -> Any:
    return api.json("GET", "/api/v1/retailers")


def retailers_action(action: str):
    def run(api: ApiClient, a: argparse.Namespace) -> Any:
        return api.json("POST", f"/api/v1/retailers/{_seg(a.retailer_id)}/{action}")
    return run


def vouchers_issue(api: ApiClient, a: argparse.Namespace) -> Any:
    body: dict[str, Any] = {"amount_cents": a.amount_cents or a.amount, "quantity": a.quantity}
    if a.campaign:
        body["campaign"] = a.campaign
    if a.expires_at:
        body["expires_at"] = a.expires_at
    return api.json("POST", "/api/v1/vouchers", body, headers={"Idempotency-Key": a.idempotency_key})


def vouchers_show(api: ApiClient, a: argparse.Namespace) -> Any:
    return api.json("GET", f"/api/v1/vouchers/{_seg(a.voucher_id)}")


def vouchers_action(action: str):
    def run(api: ApiClient, a: argparse.Namespace) -> Any:
        body = {"reason": a.reason} if getattr(a, "reason", None) else None
        return api.json("POST", f"/api/v1/vouchers/{_seg(a.voucher_id)}/{action}", body)
    return run


def redeem(api: ApiClient, a: argparse.Namespace) -> Any:
    """A retailer's redemption, with the retailer's key: for tills without a scanner, and for checks."""
    body = {"token": a.voucher_token, "amount_cents": a.amount_cents or a.amount}
    return api.json("POST", "/api/v1/redemptions", body,
                    headers={"Idempotency-Key": a.idempotency_key}, token=a.key)


def gateways_register(api: ApiClient, a: argparse.Namespace) -> Any:
    body: dict[str, Any] = json.loads(Path(a.body).read_text()) if a.body else {}
    given = {"name": a.name, "vendor": a.vendor, "zone": a.zone, "session_minutes": a.session_minutes,
             "upload_kbps": a.upload_kbps, "download_kbps": a.download_kbps,
             "upload_quota_kb": a.upload_quota_kb, "download_quota_kb": a.download_quota_kb,
             "wifi4eu_network_id": a.wifi4eu_network_id}
    body.update({k: v for k, v in given.items() if v is not None})
    if a.vendor == "opennds" and (a.faskey or a.security_level):
        body["opennds"] = {**body.get("opennds", {}), "security_level": a.security_level, "faskey": a.faskey}
    if a.vendor == "meraki" and a.grant_host:
        body["meraki"] = {"grant_hosts": a.grant_host}
    return api.json("POST", "/api/v1/gateways", body)


def sensors_register(api: ApiClient, a: argparse.Namespace) -> Any:
    body = {"name": a.name, "zone": a.zone, "kind": a.kind, "ltr_label": a.ltr_label, "rtl_label": a.rtl_label}
    return api.json("POST", "/api/v1/sensors", {k: v for k, v in body.items() if v is not None})


def settlements_export(api: ApiClient, a: argparse.Namespace) -> bytes:
    return api.request("GET", "/api/v1/settlements", query={"month": a.month, "format": "csv"}).body


def settlements_close(api: ApiClient, a: argparse.Namespace) -> Any:
    return api.json("POST", f"/api/v1/settlements/{_seg(a.month)}/close")


def settlements_sepa(api: ApiClient, a: argparse.Namespace) -> bytes:
    return api.request("GET", f"/api/v1/settlements/{_seg(a.month)}/sepa.xml").body


def staff_create(api: ApiClient, a: argparse.Namespace) -> Any:
    """The first back-office account is made with the admin token; its password is typed, never an argument."""
    import getpass
    import os

    password = os.environ.get("MARKTPLATZ_STAFF_PASSWORD") or getpass.getpass("Password (12+ characters): ")
    return api.json("POST", "/api/v1/staff", {"email": a.email, "name": a.name, "role": a.role,
                                              "password": password})


def staff_list(api: ApiClient, a: argparse.Namespace) -> Any:
    return api.json("GET", "/api/v1/staff")


def audit_export(api: ApiClient, a: argparse.Namespace) -> bytes:
    query = {"from": a.from_, "to": a.to, "format": "csv"}
    return api.request("GET", "/api/v1/audit", query={k: v for k, v in query.items() if v}).body


def footfall_export(api: ApiClient, a: argparse.Namespace) -> bytes:
    query = {"zone": a.zone, "from": a.from_, "to": a.to, "resolution": a.resolution, "format": "csv"}
    return api.request("GET", "/api/v1/stats/footfall", query=query).body


def keys_list(api: ApiClient, a: argparse.Namespace) -> Any:
    return api.json("GET", "/api/v1/signing-keys")


def keys_publish(api: ApiClient, a: argparse.Namespace) -> Any:
    return api.json("POST", "/api/v1/signing-keys")


def keys_action(action: str):
    def run(api: ApiClient, a: argparse.Namespace) -> Any:
        return api.json("POST", f"/api/v1/signing-keys/{a.kid}/{action}")
    return run


def totals_command(action: str):
    """Runs against DynamoDB directly (chalicelib/cli/totals.py), not through the API."""
    def run(api: ApiClient | None, a: argparse.Namespace) -> Any:
        from chalicelib.cli import totals

        result = getattr(totals, action)()
        if action == "check" and result["differences"]:
            a.exit_code = 1
        return result
    return run


def _seg(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


# --- argument parsing -------------------------------------------------------------------------------------------


def _amount_args(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--amount", type=_cents, help="euros, e.g. 25 or 12,50")
    group.add_argument("--amount-cents", type=int)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="marktplatz", description=__doc__, allow_abbrev=False,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="API base URL (local stack or the API Gateway URL / custom domain)")
    parser.add_argument("--stack", help="CloudFormation stack whose EndpointURL to use (e.g. marktplatz-prod)")
    parser.add_argument("--token", help="admin token (prefer MARKTPLATZ_ADMIN_TOKEN or --token-secret)")
    parser.add_argument("--token-secret", help="Secrets Manager id of the admin token (marktplatz-prod/admin-token)")
    parser.add_argument("--timeout", type=float, default=30.0)
    groups = parser.add_subparsers(dest="group", required=True)

    r = groups.add_parser("retailers", help="register, list, disable, enable shops; rotate their API keys")
    rs = r.add_subparsers(dest="command", required=True)
    p = rs.add_parser("create", help="register a retailer; prints its API key once")
    for name in ("name", "address", "email", "zone"):
        p.add_argument(f"--{name}", required=True)
    p.set_defaults(run=retailers_create)
    rs.add_parser("list").set_defaults(run=retailers_list)
    for action, route, text in (("disable", "disable", "its key stops working at once"),
                                ("enable", "enable", "with a fresh key"),
                                ("rotate-key", "api-key", "a new key; the old one stops working at once")):
        p = rs.add_parser(action, help=text)
        p.add_argument("retailer_id")
        p.set_defaults(run=retailers_action(route))

    v = groups.add_parser("vouchers", help="issue campaign vouchers; show, block, unblock, re-issue a voucher")
    vs = v.add_subparsers(dest="command", required=True)
    p = vs.add_parser("issue", help="issue vouchers without payment (campaigns, employers, prizes)")
    _amount_args(p)
    p.add_argument("--quantity", type=int, default=1)
    p.add_argument("--campaign")
    p.add_argument("--expires-at", help="ISO 8601; default 31 Dec of the third year after issue")
    p.add_argument("--idempotency-key", default=uuid.uuid4().hex)
    p.set_defaults(run=vouchers_issue)
    p = vs.add_parser("show", help="a voucher with its ledger")
    p.add_argument("voucher_id")
    p.set_defaults(run=vouchers_show)
    for action, text in (("block", "stop redemptions at once (lost or leaked QR)"), ("unblock", "undo a block"),
                         ("reissue", "move a blocked voucher's balance to a new token")):
        p = vs.add_parser(action, help=text)
        p.add_argument("voucher_id")
        if action == "block":
            p.add_argument("--reason")
        p.set_defaults(run=vouchers_action(action))

    p = groups.add_parser("redeem", help="redeem an amount with a retailer's key")
    p.add_argument("--key", required=True, help="the retailer's API key")
    p.add_argument("--token", dest="voucher_token", required=True, help="the voucher token (from its QR / URL)")
    _amount_args(p)
    p.add_argument("--idempotency-key", default=uuid.uuid4().hex)
    p.set_defaults(run=redeem)

    g = groups.add_parser("gateways", help="WLAN gateways")
    gs = g.add_subparsers(dest="command", required=True)
    p = gs.add_parser("register", help="POST /api/v1/gateways; prints gateway_id and the FAS URL")
    p.add_argument("--body", help="JSON file with the full request; flags override its fields")
    p.add_argument("--name")
    p.add_argument("--vendor", choices=["opennds", "meraki"])
    p.add_argument("--zone")
    for name in ("session-minutes", "upload-kbps", "download-kbps", "upload-quota-kb", "download-quota-kb"):
        p.add_argument(f"--{name}", type=int)
    p.add_argument("--security-level", type=int, choices=[1, 2, 3, 4])
    p.add_argument("--faskey")
    p.add_argument("--grant-host", action="append")
    p.add_argument("--wifi4eu-network-id")
    p.set_defaults(run=gateways_register)

    s = groups.add_parser("sensors", help="footfall counting sensors")
    ss = s.add_subparsers(dest="command", required=True)
    p = ss.add_parser("register", help="POST /api/v1/sensors; prints sensor_id and its ingest key once")
    p.add_argument("--name", required=True)
    p.add_argument("--zone", required=True)
    p.add_argument("--kind", required=True, choices=["laser", "thermal", "camera", "manual"])
    p.add_argument("--ltr-label")
    p.add_argument("--rtl-label")
    p.set_defaults(run=sensors_register)

    st = groups.add_parser("settlements", help="monthly settlement per retailer; close a month; SEPA payout file")
    sts = st.add_subparsers(dest="command", required=True)
    p = sts.add_parser("export", help="CSV (semicolon, decimal comma, UTF-8 BOM)")
    p.add_argument("--month", required=True, help="YYYY-MM")
    p.add_argument("--out", help="file to write (default: stdout)")
    p.set_defaults(run=settlements_export)
    p = sts.add_parser("close", help="close a month that is over: its settlement is frozen")
    p.add_argument("--month", required=True, help="YYYY-MM")
    p.set_defaults(run=settlements_close)
    p = sts.add_parser("sepa", help="SEPA credit transfer (pain.001.001.09) of a closed month")
    p.add_argument("--month", required=True, help="YYYY-MM")
    p.add_argument("--out", help="file to write (default: stdout)")
    p.set_defaults(run=settlements_sepa)

    sf = groups.add_parser("staff", help="back-office accounts (the password is asked for, or "
                                         "MARKTPLATZ_STAFF_PASSWORD)").add_subparsers(dest="command", required=True)
    p = sf.add_parser("create", help="a back-office account: admin, finance or support")
    p.add_argument("--email", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=["admin", "finance", "support"])
    p.set_defaults(run=staff_create)
    sf.add_parser("list").set_defaults(run=staff_list)

    p = groups.add_parser("audit", help="the audit log").add_subparsers(dest="command", required=True).add_parser(
        "export", help="CSV of the audit log")
    p.add_argument("--from", dest="from_", help="YYYY-MM (default: this month)")
    p.add_argument("--to", help="YYYY-MM")
    p.add_argument("--out")
    p.set_defaults(run=audit_export)

    p = groups.add_parser("footfall", help="footfall statistics").add_subparsers(
        dest="command", required=True).add_parser("export", help="CSV of the counts")
    p.add_argument("--zone", required=True)
    p.add_argument("--from", dest="from_", required=True)
    p.add_argument("--to", required=True)
    p.add_argument("--resolution", default="day", choices=["hour", "day", "week", "month"])
    p.add_argument("--out")
    p.set_defaults(run=footfall_export)

    t = groups.add_parser("totals", help="recompute the report totals from the ledger (DynamoDB from the environment)")
    ts = t.add_subparsers(dest="command", required=True)
    for action, text in (("check", "compare the stored totals with the ledger; exit code 1 on any difference"),
                         ("rebuild", "write the totals the ledger gives (also the migration of an older deployment)")):
        ts.add_parser(action, help=text).set_defaults(run=totals_command(action), direct=True)

    k = groups.add_parser("signing-keys", help="voucher signing keys: publish, activate, retire (runbook)")
    ks = k.add_subparsers(dest="command", required=True)
    ks.add_parser("list").set_defaults(run=keys_list)
    ks.add_parser("publish", help="new key, in the JWK set, not yet signing").set_defaults(run=keys_publish)
    for action in ("activate", "retire"):
        p = ks.add_parser(action)
        p.add_argument("kid", type=int)
        p.set_defaults(run=keys_action(action))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    api = None if getattr(args, "direct", False) else client_from(args)
    try:
        result = args.run(api, args)
    except ApiError as err:
        print(json.dumps({"error": {"status": err.status, "code": err.code, "message": err.message}},
                         ensure_ascii=False), file=sys.stderr)
        return 1
    if isinstance(result, bytes):
        if getattr(args, "out", None):
            Path(args.out).write_bytes(result)
            print(json.dumps({"written": args.out, "bytes": len(result)}))
        else:
            sys.stdout.buffer.write(result)
            sys.stdout.flush()
    else:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    return getattr(args, "exit_code", 0)


if __name__ == "__main__":
    sys.exit(main())

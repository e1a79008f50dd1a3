"""The CLI sends exactly the documented requests (routes of the WLAN, footfall and payments issues included),
checked against a recording HTTP server; and it reports API errors as JSON with exit code 1."""

from __future__ import annotations

import json
import threading
import urllib.parse
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from chalicelib.cli.main import main

CSV = "\ufeffHändler;Summe\nKaffee;12,50\n".encode()


class Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, Any]] = []

    def _handle(self) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.seen.append({"method": self.command, "path": parsed.path, "query": dict(urllib.parse.parse_qsl(
            parsed.query)), "body": body, "auth": self.headers.get("Authorization"),
            "idem": self.headers.get("Idempotency-Key")})
        if parsed.path == "/api/v1/missing":
            payload, status, kind = b'{"error":{"code":"not_found","message":"No such thing."}}', 404, "json"
        elif parsed.path == "/api/v1/not-deployed":  # what API Gateway answers for a route it does not have
            echoed = f'{{"message":"Invalid key=value pair in Authorization header: {self.headers["Authorization"]}"}}'
            payload, status, kind = echoed.encode(), 403, "application/json"
        elif "format=csv" in parsed.query:
            payload, status, kind = CSV, 200, "text/csv; charset=utf-8"
        else:
            payload, status, kind = b'{"ok":true}', 201 if self.command == "POST" else 200, "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _handle

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    Recorder.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", Recorder.seen
    httpd.shutdown()


def run(url: str, *args: str) -> int:
    return main(["--url", url, "--token", "admin-token-for-the-test", *args])


def test_gateway_and_sensor_registration(server: tuple[str, list], capsys: Any) -> None:
    url, seen = server
    assert run(url, "gateways", "register", "--name", "Rathaus", "--vendor", "opennds", "--zone", "markt",
               "--session-minutes", "60", "--security-level", "3", "--faskey", "1234567890") == 0
    assert run(url, "gateways", "register", "--name", "Bahnhof", "--vendor", "meraki", "--zone", "bahnhof",
               "--grant-host", "n1.network-auth.com") == 0
    assert run(url, "sensors", "register", "--name", "Markt Nord", "--zone", "markt", "--kind", "laser",
               "--ltr-label", "Richtung Kirche", "--rtl-label", "Richtung Bahnhof") == 0
    assert [(r["method"], r["path"]) for r in seen] == [("POST", "/api/v1/gateways")] * 2 + [
        ("POST", "/api/v1/sensors")]
    assert seen[0]["body"] == {"name": "Rathaus", "vendor": "opennds", "zone": "markt", "session_minutes": 60,
                               "opennds": {"security_level": 3, "faskey": "1234567890"}}
    assert seen[1]["body"]["meraki"] == {"grant_hosts": ["n1.network-auth.com"]}
    assert seen[2]["body"] == {"name": "Markt Nord", "zone": "markt", "kind": "laser",
                               "ltr_label": "Richtung Kirche", "rtl_label": "Richtung Bahnhof"}
    assert all(r["auth"] == "Bearer admin-token-for-the-test" for r in seen)
    assert json.loads(capsys.readouterr().out.split("\n}\n")[0] + "}") == {"ok": True}


def test_csv_exports(server: tuple[str, list], tmp_path: Path, capsysbinary: Any) -> None:
    url, seen = server
    assert run(url, "settlements", "export", "--month", "2026-10") == 0
    assert capsysbinary.readouterr().out == CSV
    out = tmp_path / "footfall.csv"
    assert run(url, "footfall", "export", "--zone", "markt", "--from", "2026-10-01", "--to", "2026-10-31",
               "--resolution", "week", "--out", str(out)) == 0
    assert out.read_bytes() == CSV
    assert seen[0]["path"] == "/api/v1/settlements" and seen[0]["query"] == {"month": "2026-10", "format": "csv"}
    assert seen[1]["path"] == "/api/v1/stats/footfall" and seen[1]["query"] == {
        "zone": "markt", "from": "2026-10-01", "to": "2026-10-31", "resolution": "week", "format": "csv"}


def test_signing_key_and_voucher_commands(server: tuple[str, list]) -> None:
    url, seen = server
    for args in (["signing-keys", "publish"], ["signing-keys", "activate", "2"], ["signing-keys", "retire", "1"],
                 ["signing-keys", "list"], ["vouchers", "issue", "--amount", "12,50", "--quantity", "3"],
                 ["redeem", "--key", "mpk_shop", "--token", "ABC", "--amount-cents", "700"]):
        assert run(url, *args) == 0
    assert [(r["method"], r["path"]) for r in seen] == [
        ("POST", "/api/v1/signing-keys"), ("POST", "/api/v1/signing-keys/2/activate"),
        ("POST", "/api/v1/signing-keys/1/retire"), ("GET", "/api/v1/signing-keys"), ("POST", "/api/v1/vouchers"),
        ("POST", "/api/v1/redemptions")]
    assert seen[4]["body"] == {"amount_cents": 1250, "quantity": 3} and seen[4]["idem"]
    assert seen[5]["body"] == {"token": "ABC", "amount_cents": 700} and seen[5]["auth"] == "Bearer mpk_shop"
    assert seen[5]["idem"]


def test_back_office_commands(server: tuple[str, list], tmp_path: Path, monkeypatch: Any) -> None:
    url, seen = server
    monkeypatch.setenv("MARKTPLATZ_STAFF_PASSWORD", "Ein-langes-Passwort-2026")
    assert run(url, "staff", "create", "--email", "anna@billerbeck.example", "--name", "Anna", "--role",
               "finance") == 0
    assert run(url, "settlements", "close", "--month", "2026-10") == 0
    assert run(url, "settlements", "sepa", "--month", "2026-10", "--out", str(tmp_path / "sepa.xml")) == 0
    assert run(url, "audit", "export", "--from", "2026-10", "--out", str(tmp_path / "audit.csv")) == 0
    assert [(r["method"], r["path"]) for r in seen] == [
        ("POST", "/api/v1/staff"), ("POST", "/api/v1/settlements/2026-10/close"),
        ("GET", "/api/v1/settlements/2026-10/sepa.xml"), ("GET", "/api/v1/audit")]
    assert seen[0]["body"] == {"email": "anna@billerbeck.example", "name": "Anna", "role": "finance",
                               "password": "Ein-langes-Passwort-2026"}
    assert seen[3]["query"] == {"from": "2026-10", "format": "csv"} and (tmp_path / "audit.csv").read_bytes() == CSV


def test_api_errors_and_bad_amounts(server: tuple[str, list], capsys: Any) -> None:
    url, _ = server
    from chalicelib.cli.client import ApiClient, ApiError

    with pytest.raises(ApiError) as err:
        ApiClient(url, "t").json("GET", "/api/v1/missing")
    assert (err.value.status, err.value.code) == (404, "not_found")
    with pytest.raises(ApiError) as err:
        ApiClient(url, "secret-admin-token").json("GET", "/api/v1/not-deployed")
    assert (err.value.status, err.value.code) == (403, "no_such_route")
    assert "secret-admin-token" not in str(err.value) and "Bearer ***" in err.value.message
    with pytest.raises(SystemExit):
        run(url, "vouchers", "issue", "--amount", "12,345")
    assert main(["--url", "http://127.0.0.1:9", "retailers", "list"]) == 1
    assert json.loads(capsys.readouterr().err.strip().splitlines()[-1])["error"]["code"] == "unreachable"


def test_against_aws_the_stack_output_and_the_secret_tell_where_and_who(
        server: tuple[str, list], aws_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """--stack reads the deployment's EndpointURL output, --token-secret the generated admin token (moto here)."""
    import boto3

    url, seen = server
    name = f"marktplatz-cli-{uuid.uuid4().hex[:6]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_server)  # every boto3 client of the CLI talks to moto
    cfn = boto3.client("cloudformation", region_name="eu-central-1")
    cfn.create_stack(StackName=name, TemplateBody=json.dumps({
        "Resources": {"AlarmTopic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"EndpointURL": {"Value": f"{url}/api/"}}}))  # Chalice's output: the stage is the path
    boto3.client("secretsmanager", region_name="eu-central-1").create_secret(
        Name=f"{name}/admin-token", SecretString=json.dumps({"token": "generated-by-cloudformation-0123456789"}))
    monkeypatch.delenv("MARKTPLATZ_ADMIN_TOKEN", raising=False)

    assert main(["--stack", name, "--token-secret", f"{name}/admin-token", "retailers", "list"]) == 0
    assert seen[-1]["path"] == "/api/api/v1/retailers"
    assert seen[-1]["auth"] == "Bearer generated-by-cloudformation-0123456789"

"""The Lambda zip: small, only runtime dependencies, nothing the runtime already ships, and it works in a bare
interpreter that has nothing but the zip and the runtime's boto3 (as on Lambda)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from infra.bundle import FORBIDDEN, RUNTIME_TOP_LEVEL, extract, isolated_python, runtime_site, top_level_names

pytestmark = pytest.mark.xdist_group("bundle")  # one worker builds the bundle once for all tests here

# 8 MB until the back office: schwifty (IBANs; SEPA-zone bank registries only), sepaxml and the xmlschema it
# validates each payout file with add 1.3 MB zipped; all three load only on the back office's first use.
MAX_BYTES = 9_000_000

SMOKE = r"""
import io, json, sys
from contextlib import redirect_stdout

import app
from chalicelib.vouchers.qr import qr_png
from chalicelib.signing.keyring import KeyRing, SigningKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
import stripe

class Context:
    aws_request_id = "lambda-req-1"
    function_name = "marktplatz-prod-APIHandler"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-central-1:000000000000:function:marktplatz-prod-APIHandler"

event = {"resource": "/healthz", "path": "/healthz", "httpMethod": "GET", "headers": {"Host": "example.org"},
         "multiValueHeaders": {}, "queryStringParameters": None, "multiValueQueryStringParameters": None,
         "pathParameters": None, "stageVariables": None, "body": None, "isBase64Encoded": False,
         "requestContext": {"resourcePath": "/healthz", "httpMethod": "GET", "requestId": "apigw-req-1",
                            "path": "/api/healthz", "stage": "api", "identity": {"sourceIp": "192.0.2.1"}}}
out = io.StringIO()
with redirect_stdout(out):
    answer = app.app(event, Context())
    from chalicelib.core.logs import logger
    try:
        raise ValueError("probe")
    except ValueError:
        logger().exception("probe failed")  # the formatter's traceback path, with the trimmed Powertools
ring = KeyRing([SigningKey(1, Ed25519PrivateKey.generate(), "active")])
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # the WLAN's FAS decryption
aes = Cipher(algorithms.AES(b"k" * 32), modes.CBC(b"i" * 16)).encryptor()
assert len(aes.update(b"x" * 16) + aes.finalize()) == 16
token = ring.sign("v" * 16)
png = qr_png("https://gutschein.billerbeck.de/v/" + token)
client = stripe.StripeClient("sk_test_bundle")
print(json.dumps({"status": answer["statusCode"], "logs": out.getvalue(), "verified": ring.verify(token).kid,
                  "dev_routes": sorted(p for p in app.app.routes if p.startswith("/stripe-local/")),
                  "png": png[:8].hex(), "stripe": bool(client.v1.payment_intents and stripe.PaymentIntent),
                  "outside": sorted(m.__file__ for m in list(sys.modules.values()) if getattr(m, "__file__", None)
                                    and not m.__file__.startswith((sys.base_prefix, sys.path[0], sys.path[1])))}))
"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from infra.package import package

    out = tmp_path_factory.mktemp("bundle")
    package("prod", out / "prod", bundle=True, pyc=True)
    return out / "prod" / "deployment.zip"


def test_size_and_contents(bundle: Path) -> None:
    assert bundle.stat().st_size <= MAX_BYTES
    names = top_level_names(bundle)
    assert {"app.py", "chalicelib", "chalice", "pynamodb", "cryptography", "stripe", "qrcode", "png.py",
            "aws_lambda_powertools"} <= names
    assert not names & set(RUNTIME_TOP_LEVEL)  # boto3 & co. come from the Lambda runtime
    assert not {n.lower() for n in names} & (FORBIDDEN - {"chalice"}) and "PIL" not in names
    with zipfile.ZipFile(bundle) as z:
        files = z.namelist()
        assert not any(f.startswith(("stripe/params/", "tests/", "chalicelib/cli/", "cffi/", "pycparser"))
                       for f in files)
        assert any(f.startswith("_cffi_backend.") for f in files)
        # dev-only code stays in devstack/: the localstripe bridge, its script and the footfall demo seed
        assert not [f for f in files if f.startswith("devstack/") or "stripe_local" in f or "stripe-local" in f
                    or "footfall/demo" in f or "footfall_demo" in f]
        header = z.read("__pycache__/app.cpython-311.pyc")[:8]
    assert int.from_bytes(header[4:8], "little") == 0b01  # hash-based, unchecked: valid whatever the zip mtimes


def test_no_code_imports_a_powertools_utility_the_bundle_leaves_out() -> None:
    import re

    from infra.bundle import POWERTOOLS_UTILITIES_KEPT

    root = Path(__file__).resolve().parents[2]
    for path in [root / "app.py", *(root / "chalicelib").rglob("*.py")]:
        for used in re.findall(r"aws_lambda_powertools\.utilities\.(\w+)", path.read_text()):
            assert used in POWERTOOLS_UTILITIES_KEPT, (path, used)


def test_the_bundle_runs_on_its_own(bundle: Path, tmp_path: Path) -> None:
    root = extract(bundle, tmp_path / "task")
    runtime = runtime_site(tmp_path / "runtime")
    result = json.loads(isolated_python(root, runtime, SMOKE).strip().splitlines()[-1])
    assert result["status"] == 200
    assert result["verified"] == 1 and result["png"] == "89504e470d0a1a0a" and result["stripe"]
    lines = [json.loads(line) for line in result["logs"].splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("message") == "request"]
    assert access and access[0]["request_id"] == "apigw-req-1" and access[0]["lambda_request_id"] == "lambda-req-1"
    assert "192.0.2.1" not in result["logs"]
    assert any(line.get("message") == "probe failed" and "ValueError" in line["exception"] for line in lines)
    assert result["outside"] == []  # every module came from the zip, the runtime's boto3 or the stdlib
    assert result["dev_routes"] == []  # the localstripe bridge is the local stack's, not the Lambda's


def test_libraries_with_blanked_symbols_still_load(bundle: Path, tmp_path: Path) -> None:
    """The fallback for machines without binutils: zeroed symbol tables, same zipped size as `strip`."""
    import zlib

    from infra.bundle import closure, fetch_wheels
    from infra.elf import blank_symbols

    pins = {name: version for name, version in closure().items() if name in ("cryptography", "cffi")}
    task = tmp_path / "task"
    for wheel in fetch_wheels(pins):
        with zipfile.ZipFile(wheel) as z:
            z.extractall(task)
    libraries = sorted(task.rglob("*.so"))
    assert len(libraries) == 2
    rust = next(lib for lib in libraries if lib.name.startswith("_rust"))
    before = len(zlib.compress(rust.read_bytes(), 6))
    assert all(blank_symbols(lib) > 0 for lib in libraries)
    assert len(zlib.compress(rust.read_bytes(), 6)) < before * 0.93
    code = ("from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey\n"
            "k = Ed25519PrivateKey.generate(); k.public_key().verify(k.sign(b'x'), b'x'); print('verified')")
    assert isolated_python(task, runtime_site(tmp_path / "runtime"), code).strip() == "verified"

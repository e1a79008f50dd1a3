"""Importing app.py (what Lambda's init and `chalice package` do) makes no AWS call, no Stripe call, no connection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import json, socket, sys
attempts = []

def refuse(*args, **kwargs):
    attempts.append("socket")
    raise OSError("network is blocked in this test")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse

import botocore.client
import botocore.endpoint

def no_aws(self, operation, params):
    attempts.append("aws:" + operation)
    raise RuntimeError("AWS call")

botocore.client.BaseClient._make_api_call = no_aws
original_send = botocore.endpoint.Endpoint._send
def no_send(self, request):
    attempts.append("http:" + request.url)
    raise RuntimeError("HTTP send")
botocore.endpoint.Endpoint._send = no_send

import app
at_import = list(attempts)
loaded = {name: name in sys.modules for name in ("stripe", "boto3", "qrcode", "aws_lambda_powertools")}

# The hooks do catch calls: the first use of a model after import is refused by them.
from chalicelib.store.models import Credential
try:
    Credential.get("probe")
except Exception:
    pass
print(json.dumps({"at_import": at_import, "after_use": attempts[len(at_import):], "loaded": loaded}))
"""


def test_importing_the_app_calls_nothing() -> None:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "MARKTPLATZ_MODE": "aws",
           "AWS_DEFAULT_REGION": "eu-central-1", "AWS_ACCESS_KEY_ID": "probe", "AWS_SECRET_ACCESS_KEY": "probe",
           "STRIPE_SECRET_KEY": "sk_test_probe", "AWS_EC2_METADATA_DISABLED": "true"}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["at_import"] == []
    assert result["after_use"], "the probe's hooks saw no call at all; they would not catch one at import either"
    assert result["loaded"] == {"stripe": False, "boto3": False, "qrcode": False, "aws_lambda_powertools": False}

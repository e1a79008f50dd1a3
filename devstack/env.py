"""The environment of every process of the local stack (the app reads it only through chalicelib.core.settings)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def local_env(*, aws_url: str, app_port: int, data_dir: Path, base_url: str | None = None,
              stripe_url: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "MARKTPLATZ_MODE": "local",
        "MARKTPLATZ_DYNAMODB_ENDPOINT": aws_url,
        "MARKTPLATZ_AWS_ENDPOINT": aws_url,
        "MARKTPLATZ_DATA_DIR": str(data_dir),
        "MARKTPLATZ_BASE_URL": base_url or f"http://127.0.0.1:{app_port}",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": env.get("AWS_DEFAULT_REGION", "eu-central-1"),
        "AWS_REGION": env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", "eu-central-1")),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    })
    if stripe_url:
        env["MARKTPLATZ_STRIPE_API_BASE"] = stripe_url
    return env

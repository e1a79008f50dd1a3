"""The one place that reads the environment.

Everything is read lazily on first use (never at import) and cached; tests call `reset()` after changing the
environment. Secrets come from AWS Secrets Manager in production and from the environment in local mode.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from chalicelib.core import cache as cache_registry

LOCAL_ADMIN_TOKEN = "local-admin-token"  # documented default, accepted in local mode only
LOCAL_CURSOR_KEY = b"local-cursor-key: signs page cursors of a local stack only"


class ConfigurationError(RuntimeError):
    """The deployment is misconfigured; refuse to serve rather than run insecurely."""


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


class Settings(NamedTuple):
    mode: str  # "local" or "aws"
    stage: str
    town_name: str
    base_url: str
    aws_region: str
    dynamodb_endpoint: str | None
    aws_endpoint: str | None  # SES, Secrets Manager, SSM (moto locally)
    table_prefix: str
    data_dir: Path
    admin_token_env: str | None
    secrets_prefix: str
    voucher_min_cents: int
    voucher_max_cents: int
    settlement_fee_basis_points: int
    balance_lookups_per_minute: int
    stripe_api_base: str | None
    stripe_secret_key_env: str | None
    stripe_publishable_key_env: str | None
    stripe_webhook_secret_env: str | None
    mail_from: str
    # Every AWS call (DynamoDB, SES, Secrets Manager) waits at most attempts x (connect + read), so that an API
    # answer comes within 10 s even with the store hung (then 503 store_unavailable), well inside API Gateway's 29 s
    # and the Lambda timeout. AWS: 2 x (1 + 3 s), a retry beats DynamoDB's rare slow answer. Local: 1 x (1 + 6 s),
    # the stand-in serves one request at a time, so under load a request waits its turn and a retry would only
    # queue again behind itself.
    aws_connect_timeout_s: float = 1.0
    aws_read_timeout_s: float = 3.0
    aws_max_attempts: int = 2
    extra: dict[str, str] | None = None

    def botocore_config(self) -> Any:
        """The timeouts and retries above as a botocore Config, for boto3 clients."""
        from botocore.config import Config

        return Config(connect_timeout=self.aws_connect_timeout_s, read_timeout=self.aws_read_timeout_s,
                      retries={"total_max_attempts": self.aws_max_attempts, "mode": "standard"},
                      max_pool_connections=50)

    @property
    def is_local(self) -> bool:
        return self.mode == "local"

    def table_name(self, logical: str) -> str:
        return f"{self.table_prefix}{logical}"

    def env(self, name: str, default: str | None = None) -> str | None:
        """Any further MARKTPLATZ_* value, still read only through this module."""
        return (self.extra or {}).get(name, default)


@cache
def get() -> Settings:
    env = os.environ
    mode = env.get("MARKTPLATZ_MODE", "aws")
    if mode not in ("local", "aws"):
        raise ConfigurationError("MARKTPLATZ_MODE must be 'local' or 'aws'")
    data_dir = Path(env.get("MARKTPLATZ_DATA_DIR", ".local")).resolve()
    return Settings(
        mode=mode,
        stage=env.get("MARKTPLATZ_STAGE", "local" if mode == "local" else "dev"),
        town_name=env.get("MARKTPLATZ_TOWN_NAME", "Billerbeck"),
        base_url=env.get("MARKTPLATZ_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        aws_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-central-1",
        dynamodb_endpoint=env.get("MARKTPLATZ_DYNAMODB_ENDPOINT") or None,
        aws_endpoint=env.get("MARKTPLATZ_AWS_ENDPOINT") or env.get("MARKTPLATZ_DYNAMODB_ENDPOINT") or None,
        table_prefix=env.get("MARKTPLATZ_TABLE_PREFIX", "marktplatz-"),
        data_dir=data_dir,
        admin_token_env=env.get("MARKTPLATZ_ADMIN_TOKEN") or None,
        secrets_prefix=env.get("MARKTPLATZ_SECRETS_PREFIX", "marktplatz/"),
        voucher_min_cents=_int("MARKTPLATZ_VOUCHER_MIN_CENTS", 500),
        voucher_max_cents=_int("MARKTPLATZ_VOUCHER_MAX_CENTS", 25000),
        settlement_fee_basis_points=_int("MARKTPLATZ_SETTLEMENT_FEE_BASIS_POINTS", 0),
        balance_lookups_per_minute=_int("MARKTPLATZ_BALANCE_LOOKUPS_PER_MINUTE", 30),
        stripe_api_base=env.get("MARKTPLATZ_STRIPE_API_BASE") or None,
        stripe_secret_key_env=env.get("STRIPE_SECRET_KEY") or None,
        stripe_publishable_key_env=env.get("STRIPE_PUBLISHABLE_KEY") or None,
        stripe_webhook_secret_env=env.get("STRIPE_WEBHOOK_SECRET") or None,
        mail_from=env.get("MARKTPLATZ_MAIL_FROM", "gutschein@billerbeck.example"),
        aws_connect_timeout_s=_float("MARKTPLATZ_AWS_CONNECT_TIMEOUT_S", 1.0),
        aws_read_timeout_s=_float("MARKTPLATZ_AWS_READ_TIMEOUT_S", 6.0 if mode == "local" else 3.0),
        aws_max_attempts=_int("MARKTPLATZ_AWS_MAX_ATTEMPTS", 1 if mode == "local" else 2),
        extra={k: v for k, v in env.items() if k.startswith("MARKTPLATZ_")},
    )


@cache_registry.on_reset
def reset() -> None:
    get.cache_clear()
    secret.cache_clear()
    cursor_key.cache_clear()


@cache
def secret(name: str) -> Any:
    """A secret by logical name ("admin-token", "stripe", "voucher-keys", ...).

    Production: Secrets Manager `<secrets_prefix><name>` (JSON if it parses). Local mode: the environment or the
    local data folder; the caller decides the local fallback, so this returns None when nothing is configured.
    """
    s = get()
    if s.is_local:
        return None
    from chalicelib.core import aws

    raw = aws.client("secretsmanager").get_secret_value(SecretId=f"{s.secrets_prefix}{name}")["SecretString"]
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def admin_token() -> str:
    s = get()
    if s.is_local:
        return s.admin_token_env or LOCAL_ADMIN_TOKEN
    token = s.admin_token_env
    if not token:
        value = secret("admin-token")
        token = value.get("token") if isinstance(value, dict) else value
    if not token or token == LOCAL_ADMIN_TOKEN or len(token) < 24:
        raise ConfigurationError("production needs a real admin token (>= 24 characters) in Secrets Manager")
    return token


@cache
def cursor_key() -> bytes:
    """The HMAC key page cursors are signed with (so a cursor cannot be forged or moved to another query).

    Production: the `cursor-key` secret, generated by CloudFormation. Local mode: a fixed key; nothing local is
    worth forging a cursor for, and it keeps cursors valid across `make run` restarts.
    """
    s = get()
    if s.is_local:
        return LOCAL_CURSOR_KEY
    value = secret("cursor-key")
    key = value.get("key") if isinstance(value, dict) else value
    if not isinstance(key, str) or len(key) < 32:
        raise ConfigurationError("production needs a cursor key (>= 32 characters) in Secrets Manager")
    return key.encode()

"""DynamoDB transactions for every domain, on one shared connection per endpoint.

A botocore client per transaction would cost more than the write itself (and, under `chalice local`'s thread per
connection, it made 50 concurrent redemptions time out), so the connection is made once and reused.
"""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from chalicelib.core import settings

_connections: dict[tuple[str, str | None], Connection] = {}


def transaction() -> TransactWrite:
    s = settings.get()
    key = (s.aws_region, s.dynamodb_endpoint)
    connection = _connections.get(key)
    if connection is None:
        connection = _connections.setdefault(key, Connection(
            region=key[0], host=key[1], max_pool_connections=50, connect_timeout_seconds=s.aws_connect_timeout_s,
            read_timeout_seconds=s.aws_read_timeout_s, max_retry_attempts=s.aws_max_attempts - 1))
    return TransactWrite(connection=connection)


def drop_connections() -> None:
    """Forget the shared connections (tests and the call counter re-create clients with hooks)."""
    _connections.clear()

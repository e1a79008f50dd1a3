"""PynamoDB models read their endpoint, region and table name from settings when first used, not at import."""

from __future__ import annotations

import threading
from typing import Any

from pynamodb.models import MetaModel, Model

from chalicelib.core import settings

_SESSIONS = threading.local()


def share_session(connection: Any) -> Any:
    """PynamoDB gives every model's connection a botocore session of its own, and each new session loads
    DynamoDB's service model again (~0.15 s of a cold start for every model a request touches). One session per
    thread serves them all (botocore sessions are not thread safe, hence per thread)."""
    connection._local = _SESSIONS
    return connection


def reset_sessions() -> None:
    """Connections made from now on get new sessions (the call counter of tests and benches hooks new ones)."""
    global _SESSIONS
    _SESSIONS = threading.local()


class _LazyMeta(type):
    """Metaclass for model `Meta` classes: connection details are properties evaluated on each access."""

    @property
    def table_name(cls) -> str:
        return settings.get().table_name(cls.logical_name)  # type: ignore[attr-defined]

    @property
    def host(cls) -> str | None:
        return settings.get().dynamodb_endpoint

    @property
    def region(cls) -> str:
        return settings.get().aws_region

    # Bounded waiting (settings.Settings.aws_*): PynamoDB's own defaults would wait minutes on a hung store.
    @property
    def connect_timeout_seconds(cls) -> float:
        return settings.get().aws_connect_timeout_s

    @property
    def read_timeout_seconds(cls) -> float:
        return settings.get().aws_read_timeout_s

    @property
    def max_retry_attempts(cls) -> int:
        return settings.get().aws_max_attempts - 1  # PynamoDB counts retries, botocore attempts


class TableMeta(metaclass=_LazyMeta):
    logical_name = "unset"
    billing_mode = "PAY_PER_REQUEST"
    max_pool_connections = 50  # chalice local serves each connection on its own thread


def table_meta(logical_name: str, **extra: Any) -> type:
    """A `Meta` for a model stored in table `<prefix><logical_name>`."""
    return _LazyMeta("Meta", (TableMeta,), {"logical_name": logical_name, **extra})


class BaseModel(Model, metaclass=MetaModel):
    """Common base; `Meta = table_meta("name")` in every subclass."""

    Meta = table_meta("base")

    @classmethod
    def _get_connection(cls) -> Any:
        # PynamoDB keeps a model's connection while its table name stays the same; the endpoint can change too
        # (settings re-read), and a connection made before it did must not outlive it.
        connection = cls._connection
        if connection is not None and connection.connection.host != cls.Meta.host:
            cls._connection = None
        connection = super()._get_connection()
        share_session(connection.connection)
        return connection

"""PynamoDB models read their endpoint, region and table name from settings when first used, not at import."""

from __future__ import annotations

from typing import Any

from pynamodb.models import MetaModel, Model

from chalicelib.core import settings


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

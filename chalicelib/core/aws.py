"""Lazily created, cached boto3 clients pointed at AWS or, locally, at the embedded moto server."""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.core import cache as cache_registry
from chalicelib.core import settings


@cache
def client(service: str) -> Any:
    import boto3  # imported here: keeps cold start free of botocore's loaders until first use

    s = settings.get()
    kwargs: dict[str, Any] = {"region_name": s.aws_region, "config": s.botocore_config()}
    if s.aws_endpoint:
        kwargs["endpoint_url"] = s.aws_endpoint
    return boto3.session.Session().client(service, **kwargs)


@cache_registry.on_reset
def reset() -> None:
    client.cache_clear()

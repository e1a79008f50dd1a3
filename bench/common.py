"""Shared set-up for benchmarks: a fresh moto server (with the lock) and the app's environment."""

from __future__ import annotations

import os
import tempfile
from typing import Any

_server: Any = None


def local_aws() -> str:
    """Start (once) the AWS stand-in in this process and point settings at it; returns its URL."""
    global _server
    if _server is not None:
        return os.environ["MARKTPLATZ_DYNAMODB_ENDPOINT"]
    os.environ.update({
        "MARKTPLATZ_MODE": "local",
        "MARKTPLATZ_DATA_DIR": tempfile.mkdtemp(prefix="marktplatz-bench-"),
        "MARKTPLATZ_BASE_URL": "https://gutschein.billerbeck.de",
        "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "eu-central-1", "AWS_REGION": "eu-central-1",
        # moto on a shared 2-core machine can take seconds to answer; a timeout would be the stand-in's, not ours.
        "MARKTPLATZ_AWS_READ_TIMEOUT_S": "60",
    })
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from devstack.aws_server import start_in_thread

    _server, url = start_in_thread()
    os.environ["MARKTPLATZ_DYNAMODB_ENDPOINT"] = url
    os.environ["MARKTPLATZ_AWS_ENDPOINT"] = url
    from chalicelib.core import aws, settings

    settings.reset()
    aws.reset()
    from chalicelib.store.tables import create_all

    create_all()
    return url

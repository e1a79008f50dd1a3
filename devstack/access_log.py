"""Access lines of the local stack's servers without what identifies a person: no client address, no query string.

Query strings carry Meraki's `client_mac`/`client_ip` and openNDS' `fas=` (at level 1 plain base64 of the guest's
MAC and IP); voucher URLs carry the voucher's bearer token. docs/wlan.md promises no MAC or IP is logged anywhere,
so every server `make run` starts logs `METHOD /path STATUS` with the query cut off and tokens masked.
"""

from __future__ import annotations

import re
import sys
from typing import Any

_VOUCHER_PATH = re.compile(r"^/([vV])/[^/]+")


def loggable_path(raw: str) -> str:
    """`raw` (a request target) without query string or fragment, a voucher token replaced by `…`."""
    path = raw.split("?", 1)[0].split("#", 1)[0]
    if "://" in path:  # absolute-form request targets (proxies): keep only the path
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    return _VOUCHER_PATH.sub(r"/\1/…", path)[:200]


def line(server: str, method: str, raw_path: str, status: Any) -> str:
    return f"{server}: {method} {loggable_path(raw_path)} {status}"


class PrivateRequestLog:
    """Mixin for http.server handlers: replaces the default `<client ip> - - [date] "<request line>" ...` lines."""

    server_label = "http"

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        code = getattr(code, "value", code)
        sys.stderr.write(line(self.server_label, getattr(self, "command", None) or "-",
                              getattr(self, "path", "") or "", code) + "\n")

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        # The stock messages quote the raw request line ("Bad request syntax ('GET /?client_mac=...')").
        code = args[0] if args and isinstance(args[0], int) else "-"
        sys.stderr.write(f"{self.server_label}: refused a request ({code})\n")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        sys.stderr.write(f"{self.server_label}: {format.split('%', 1)[0].strip() or 'message'}\n")


def install_on(handler: type, label: str) -> None:
    """Give an existing handler class (e.g. chalice local's) the private log methods."""
    handler.server_label = label
    for name in ("log_request", "log_error", "log_message"):
        setattr(handler, name, getattr(PrivateRequestLog, name))


def aiohttp_access_logger() -> type:
    """An aiohttp access logger class with the same private line (localstripe)."""
    from aiohttp.abc import AbstractAccessLogger

    class PrivateAccessLogger(AbstractAccessLogger):
        def log(self, request: Any, response: Any, time: float) -> None:
            self.logger.info("%s %s %s", request.method, loggable_path(request.path_qs), response.status)

    return PrivateAccessLogger

"""The embedded AWS stand-in for local mode: moto's server (DynamoDB, SES, Secrets Manager, SSM) on loopback.

moto handles requests on threads and its DynamoDB backend takes no locks, so conditional writes and transactions
are not atomic under concurrent requests. DynamoDB guarantees they are, and our money code relies on it, so every
request here runs under one lock: requests are serialized, which is what makes the guarantees true again.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Iterable
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server


class SerializedApp:
    """Runs one WSGI request at a time, including the reading of its whole response body."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        with self.lock:
            result = self.app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        return [body]


def build_app(serialize: bool = True) -> Any:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from devstack import moto_dynamodb

    moto_dynamodb.apply()

    app = DomainDispatcherApplication(create_backend_app)
    return SerializedApp(app) if serialize else app


def make(host: str = "127.0.0.1", port: int = 0, serialize: bool = True) -> BaseWSGIServer:
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    os.environ.setdefault("MOTO_PORT", str(port))
    return make_server(host, port, build_app(serialize), threaded=True, request_handler=MotoRequestHandler)


def start_in_thread(port: int = 0, serialize: bool = True) -> tuple[BaseWSGIServer, str]:
    server = make("127.0.0.1", port, serialize)
    thread = threading.Thread(target=server.serve_forever, name="moto-server", daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_port}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=4566)
    args = parser.parse_args(argv)
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per AWS call drowns the app's own output
    server = make("127.0.0.1", args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"aws stand-in listening on http://127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

"""The embedded AWS stand-in for local mode: moto's server (DynamoDB, SES, Secrets Manager, SSM) on loopback.

moto handles requests on threads and its DynamoDB backend takes no locks, so conditional writes and transactions
are not atomic under concurrent requests. DynamoDB guarantees they are, and our money code relies on it, so every
request here runs under one lock: requests are serialized, which is what makes the guarantees true again. The same
lock lets a transaction roll back with an undo log (devstack/moto_dynamodb.py) and lets every successful write be
journaled and fsynced before its answer is sent (devstack/store_journal.py), so the data survives a restart.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server


class SerializedApp:
    """Runs one WSGI request at a time, including the reading of its whole response body; journals writes."""

    def __init__(self, app: Any, journal: Any = None) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.journal = journal

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if self.journal is None:
            with self.lock:
                return [self._run(environ, start_response)[1]]
        from devstack import moto_dynamodb, store_journal

        length = int(environ.get("CONTENT_LENGTH") or 0)
        request_body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(request_body)
        with self.lock:
            moto_dynamodb.changed.clear()
            status, body = self._run(environ, start_response)
            changes = moto_dynamodb.take_changes()
            line = store_journal.journal_line(environ, request_body, changes) if status < 300 else None
            if line is not None:
                self.journal.append(line)
        return [body]

    def _run(self, environ: dict[str, Any], start_response: Any) -> tuple[int, bytes]:
        seen: list[str] = []

        def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            seen.append(status)
            return start_response(status, headers, exc_info)

        result = self.app(environ, recording_start_response)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return int(seen[0].split()[0]) if seen else 500, body


def build_app(serialize: bool = True, data_dir: Path | None = None, compact_after: int | None = None) -> Any:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from devstack import moto_dynamodb

    moto_dynamodb.apply()
    app = DomainDispatcherApplication(create_backend_app)
    if data_dir is None:
        return SerializedApp(app) if serialize else app
    from devstack.store_journal import Journal

    journal = Journal(data_dir, app) if compact_after is None else Journal(data_dir, app, compact_after)
    figures = journal.open()
    print(f"aws stand-in: loaded {figures['items']} items and replayed {figures['replayed']} writes from {data_dir}"
          f" in {figures['seconds']} s", flush=True)
    return SerializedApp(app, journal)


def make(host: str = "127.0.0.1", port: int = 0, serialize: bool = True, data_dir: Path | None = None,
         compact_after: int | None = None) -> BaseWSGIServer:
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    os.environ.setdefault("MOTO_PORT", str(port))
    return make_server(host, port, build_app(serialize, data_dir, compact_after), threaded=True,
                       request_handler=MotoRequestHandler)


def start_in_thread(port: int = 0, serialize: bool = True) -> tuple[BaseWSGIServer, str]:
    server = make("127.0.0.1", port, serialize)
    thread = threading.Thread(target=server.serve_forever, name="moto-server", daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_port}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--data-dir", type=Path, help="keep the data here (journal and snapshot); else in memory only")
    parser.add_argument("--compact-after", type=int, help="journal lines between snapshots")
    args = parser.parse_args(argv)
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per AWS call drowns the app's own output
    server = make("127.0.0.1", args.port, data_dir=args.data_dir, compact_after=args.compact_after)
    app = server.app

    def stop(*_: object) -> None:
        # Every answered write is on disk already. Let a request in progress finish, then leave at once: tearing
        # down a store of gigabytes object by object took longer than anyone waits for Ctrl-C.
        acquired = app.lock.acquire(timeout=3) if isinstance(app, SerializedApp) else False
        try:
            if isinstance(app, SerializedApp) and app.journal is not None:
                app.journal.close()
        finally:
            sys.stdout.flush()
            os._exit(0 if acquired or not isinstance(app, SerializedApp) else 1)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"aws stand-in listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

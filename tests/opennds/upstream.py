"""The "upstream" network namespace of the real-gateway tests, as one stdlib-only process run with
`ip netns exec <upstream> python -m tests.opennds.upstream ...`:

- the FAS address: plain HTTP (levels 1-2) and TLS with the test CA's certificate (level 3), each connection relayed
  byte for byte through a unix socket to the app on the host's loopback (unix sockets cross network namespaces);
- the "internet": a tiny HTTP server on another address that a guest reaches only once the gateway lets it out;
- `--hold-authmon FILE`: requests whose User-Agent names authmon wait until FILE exists (max 60 s). The start-up
  race test uses it to make "the guest accepts before authmon's first `clear`" certain, however loaded the machine.
- `--record FILE`: each request's head (method, path, headers) appended as JSON lines, for the captured fixtures.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time

INTERNET_BODY = b"marktplatz-test-internet\n"


def pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def read_head(conn: socket.socket) -> bytes:
    """The request head and, when it announces one, its (small) body."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            length = min(int(value.strip()), 65536)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def head_of(data: bytes) -> dict[str, object]:
    lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    method, _, rest = lines[0].partition(" ")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    body = data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""
    return {"method": method, "path": rest.rsplit(" ", 1)[0], "headers": headers,
            "body": body.decode("latin-1"), "at": time.time()}


class Relay:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.lock = threading.Lock()

    def handle(self, conn: socket.socket, scheme: str) -> None:
        try:
            first = read_head(conn)
            head = head_of(first)
            headers = {str(k).lower(): v for k, v in head["headers"].items()}  # type: ignore[union-attr]
            agent = str(headers.get("user-agent", ""))
            if self.args.hold_authmon and agent.startswith("openNDS(authmon"):
                deadline = time.monotonic() + 60
                while not os.path.exists(self.args.hold_authmon) and time.monotonic() < deadline:
                    time.sleep(0.05)
                head["at"] = time.time()  # when it reaches the app
            if self.args.record:
                with self.lock, open(self.args.record, "a", encoding="utf-8") as out:
                    out.write(json.dumps({**head, "scheme": scheme}) + "\n")
            app = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            app.connect(self.args.unix)
            app.sendall(first)
        except OSError:
            conn.close()
            return
        threading.Thread(target=pump, args=(app, conn), daemon=True).start()
        pump(conn, app)

    def serve(self, listener: socket.socket, scheme: str, context: ssl.SSLContext | None) -> None:
        while True:
            conn, _ = listener.accept()

            def run(conn: socket.socket = conn) -> None:
                try:
                    if context is not None:
                        conn = context.wrap_socket(conn, server_side=True)
                except (OSError, ssl.SSLError):
                    conn.close()
                    return
                self.handle(conn, scheme)

            threading.Thread(target=run, daemon=True).start()


def internet(listener: socket.socket) -> None:
    while True:
        conn, _ = listener.accept()
        try:
            read_head(conn)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: "
                         + str(len(INTERNET_BODY)).encode() + b"\r\n\r\n" + INTERNET_BODY)
        except OSError:
            pass
        finally:
            conn.close()


def listen(address: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, port))
    sock.listen(64)
    return sock


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fas-ip", required=True)
    parser.add_argument("--internet-ip", required=True)
    parser.add_argument("--unix", required=True, help="the unix socket that reaches the app")
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--hold-authmon")
    parser.add_argument("--record")
    parser.add_argument("--ready", required=True, help="file written once every listener is up")
    args = parser.parse_args(argv)
    relay = Relay(args)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    threads = [threading.Thread(target=relay.serve, args=(listen(args.fas_ip, 80), "http", None), daemon=True),
               threading.Thread(target=relay.serve, args=(listen(args.fas_ip, 443), "https", context), daemon=True),
               threading.Thread(target=internet, args=(listen(args.internet_ip, 80),), daemon=True)]
    for thread in threads:
        thread.start()
    with open(args.ready, "w", encoding="utf-8") as ready:
        ready.write(str(os.getpid()))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()

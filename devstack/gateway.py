"""A simulated openNDS gateway on loopback, for people: `make run` starts it so a newcomer can log into the town's
WLAN from a browser, exactly as a phone behind a real openNDS router would (security level 3: the FAS query is
AES-encrypted, the grant travels through authmon's polls).

    GET /         you are a new client behind the router: 307 to the captive portal with the encrypted FAS query
    GET /status   which simulated clients the gateway has let in, with their limits
"""

from __future__ import annotations

import argparse
import html
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from devstack.access_log import PrivateRequestLog
from devstack.opennds_sim import HttpClient, SimulatedOpenNDS

POLL_SECONDS = 2.0  # authmon polls every 5 s by default; quicker here so the demo feels immediate


def make_handler(sim: SimulatedOpenNDS, app_url: str, lock: threading.Lock) -> type[BaseHTTPRequestHandler]:
    class Handler(PrivateRequestLog, BaseHTTPRequestHandler):  # no client addresses in logs, not even simulated
        server_label = "gateway"

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path.startswith("/status"):
                self._status()
                return
            with lock:
                n = len(sim.clients) + 1
                client = sim.capture(f"02:00:5e:10:{n // 256:02x}:{n % 256:02x}", f"192.168.8.{10 + n % 200}")
                location = app_url + sim.redirect_path(client, originurl="http://127.0.0.1/")
            self.send_response(307)
            self.send_header("Location", location)
            self.send_header("Cache-Control", "no-store")
            self.end_headers()

        def _status(self) -> None:
            with lock:
                rows = "".join(
                    f"<tr><td>{html.escape(c.mac)}</td><td>{'online' if c.rhid in sim.authenticated else 'captured'}"
                    f"</td><td>{html.escape(' '.join(sim.authenticated.get(c.rhid, [])[2:7]))}</td></tr>"
                    for c in sim.clients.values())
            body = (f"<!doctype html><html lang='en'><meta charset='utf-8'><title>Simulated openNDS</title>"
                    f"<h1>Simulated openNDS gateway (level {sim.level})</h1><p><a href='/'>Connect a new client</a>"
                    f"</p><table><tr><th>client MAC</th><th>state</th><th>minutes up down upquota downquota</th>"
                    f"</tr>{rows}</table>").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def authmon(sim: SimulatedOpenNDS, lock: threading.Lock, stop: threading.Event) -> None:
    """authmon.sh's loop: `clear` once at start, then view / ack every few seconds."""
    while not stop.is_set():
        try:
            with lock:
                sim.authmon_start()
            break
        except OSError:
            stop.wait(POLL_SECONDS)
    while not stop.is_set():
        try:
            with lock:
                sim.authmon_cycle()
        except OSError:
            pass  # the app is restarting: authmon just tries again at the next poll
        stop.wait(POLL_SECONDS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app", required=True, help="the app's base URL")
    parser.add_argument("--gateway-id", required=True)
    # A file, never the command line: every local user can read a process's arguments with `ps`.
    parser.add_argument("--faskey-file", type=Path, required=True, help="file holding the gateway's faskey")
    parser.add_argument("--gatewayname", default="Billerbeck%20Markt%20Node%3a3ccd575265eb%20")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    faskey = args.faskey_file.read_text().strip()
    sim = SimulatedOpenNDS(HttpClient(args.app), args.gateway_id, faskey, 3, gatewayname=args.gatewayname)
    lock, stop = threading.Lock(), threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(sim, args.app, lock))
    threading.Thread(target=authmon, args=(sim, lock, stop), daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"simulated openNDS gateway on http://127.0.0.1:{server.server_port}/", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        stop.set()
        server.server_close()
        time.sleep(0)


if __name__ == "__main__":
    main()

"""`chalice local --no-autoreload`, run through Chalice's own CLI, with a listen backlog fit for a busy town and an
access log that names no person.

Chalice's dev server inherits socketserver's listen backlog of 5: fifty tills connecting at once get their
connections reset before a thread can accept them. Its access log is http.server's: the client's address and the
full request line, query string included (Meraki's `client_mac`, openNDS' `fas=`); devstack/access_log.py
replaces those lines.

`--quiet-authmon`: a gateway's authmon polls the app every few seconds; its access lines (chalice's and ours) would
scroll the banner away within a minute, so `make run` leaves them out unless asked to show them.
"""

from __future__ import annotations

import logging
import sys
import threading

AUTHMON_AGENT = "openNDS(authmon;"
QUIET_FLAG = "--quiet-authmon"


def quiet_authmon_polls() -> None:
    from chalice import local

    state = threading.local()  # chalice local serves each connection on its own thread
    handler = local.ChaliceRequestHandler
    parse_request, log_request = handler.parse_request, handler.log_request

    def parse_and_classify(self: local.ChaliceRequestHandler) -> bool:
        ok = parse_request(self)
        state.quiet = bool(ok) and self.path.startswith("/wlan/fas/") and self.headers.get(
            "User-Agent", "").startswith(AUTHMON_AGENT)
        return ok

    def log_unless_quiet(self: local.ChaliceRequestHandler, *args: object) -> None:
        if not getattr(state, "quiet", False):
            log_request(self, *args)

    class UnlessQuiet(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return not getattr(state, "quiet", False)

    handler.parse_request = parse_and_classify  # type: ignore[method-assign]
    handler.log_request = log_unless_quiet  # type: ignore[method-assign]
    logging.getLogger("marktplatz").addFilter(UnlessQuiet())


def main() -> None:
    from chalice import local
    from chalice.cli import main as chalice_main

    from devstack.access_log import install_on

    local.ThreadedHTTPServer.request_queue_size = 256
    install_on(local.ChaliceRequestHandler, "app")  # before quiet_authmon_polls wraps its log_request
    # The local stack's own routes (localstripe bridge), added to the app before `chalice local` imports it from
    # sys.modules; app.py itself, and so the Lambda, never has them.
    import app
    from devstack import stripe_local

    stripe_local.register(app.app)
    args = sys.argv[1:]
    if QUIET_FLAG in args:
        args.remove(QUIET_FLAG)
        quiet_authmon_polls()
    sys.argv = ["chalice", "local", "--no-autoreload", *args]
    sys.exit(chalice_main())


if __name__ == "__main__":
    main()

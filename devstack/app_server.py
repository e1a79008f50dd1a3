"""`chalice local --no-autoreload`, run through Chalice's own CLI, with a listen backlog fit for a busy town and an
access log that names no person.

Chalice's dev server inherits socketserver's listen backlog of 5: fifty tills connecting at once get their
connections reset before a thread can accept them. Its access log is http.server's: the client's address and the
full request line, query string included (Meraki's `client_mac`, openNDS' `fas=`); devstack/access_log.py
replaces those lines. Nothing else about `chalice local` changes.
"""

from __future__ import annotations

import sys


def main() -> None:
    from chalice import local
    from chalice.cli import main as chalice_main

    from devstack.access_log import install_on

    local.ThreadedHTTPServer.request_queue_size = 256
    install_on(local.ChaliceRequestHandler, "app")
    sys.argv = ["chalice", "local", "--no-autoreload", *sys.argv[1:]]
    sys.exit(chalice_main())


if __name__ == "__main__":
    main()

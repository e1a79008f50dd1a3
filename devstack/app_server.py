"""`chalice local --no-autoreload`, run through Chalice's own CLI, with a listen backlog fit for a busy town.

Chalice's dev server inherits socketserver's listen backlog of 5: fifty tills connecting at once get their
connections reset before a thread can accept them. Raising the backlog changes nothing else about `chalice local`.
"""

from __future__ import annotations

import sys


def main() -> None:
    from chalice import local
    from chalice.cli import main as chalice_main

    local.ThreadedHTTPServer.request_queue_size = 256
    # The local stack's own routes (localstripe bridge), added to the app before `chalice local` imports it from
    # sys.modules; app.py itself, and so the Lambda, never has them.
    import app
    from devstack import stripe_local

    stripe_local.register(app.app)
    sys.argv = ["chalice", "local", "--no-autoreload", *sys.argv[1:]]
    sys.exit(chalice_main())


if __name__ == "__main__":
    main()

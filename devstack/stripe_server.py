"""localstripe for the local stack: on loopback only, with its state in the project's local data folder.

localstripe itself always pickles its state to /tmp/localstripe.pickle and listens on every interface; here its
store is pointed at `<data dir>/localstripe.pickle` and aiohttp is started on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import logging
import pickle
from pathlib import Path


def patch_store(path: Path) -> None:
    from localstripe import resources

    def try_load_from_disk(self) -> None:  # type: ignore[no-untyped-def]
        try:
            with open(path, "rb") as f:
                old = pickle.load(f)
        except (FileNotFoundError, EOFError, pickle.UnpicklingError):
            return
        self.clear()
        self.update(old)

    def dump_to_disk(self) -> None:  # type: ignore[no-untyped-def]
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            pickle.dump(self, f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)  # never a half-written file, even if stopped mid-write

    resources.Store.try_load_from_disk = try_load_from_disk
    resources.Store.dump_to_disk = dump_to_disk


def patch_retry_after_decline() -> None:
    """Real Stripe lets a declined PaymentIntent (status `requires_payment_method`) be confirmed again with a new
    payment method: that is how a shopper retries with another card in the same form. localstripe keeps the failed
    charge, so the intent stays `requires_payment_method` and the next confirm answers 400. Giving the intent a new
    payment method forgets the failed charge, as Stripe does."""
    from localstripe.resources import PaymentIntent

    original = PaymentIntent._update

    def _update(self, **data):  # type: ignore[no-untyped-def]
        retry = ("payment_method" in data and self.latest_charge is not None
                 and self.status == "requires_payment_method")
        original(self, **data)
        if retry:
            self.latest_charge = None

    PaymentIntent._update = _update


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--from-scratch", action="store_true")
    args = parser.parse_args(argv)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    patch_store(args.data_dir / "localstripe.pickle")
    patch_retry_after_decline()

    from aiohttp import web
    from localstripe.resources import store
    from localstripe.server import app

    if not args.from_scratch:
        store.try_load_from_disk()
    logging.getLogger("aiohttp.access").setLevel(logging.INFO)
    logging.basicConfig(level=logging.INFO, format="localstripe: %(message)s")
    print(f"localstripe listening on http://127.0.0.1:{args.port}", flush=True)
    from devstack.access_log import aiohttp_access_logger

    # aiohttp's default access line starts with the client's address; ours names no one.
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, handle_signals=True,
                access_log_class=aiohttp_access_logger())


if __name__ == "__main__":
    main()

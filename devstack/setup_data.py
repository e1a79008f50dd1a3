"""Create the tables from the models (and seed demo data) against the running AWS stand-in."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from chalicelib.store.tables import create_all


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", dest="seed", action="store_true", default=True)
    parser.add_argument("--no-seed", dest="seed", action="store_false")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    create_all()
    if args.seed:
        from devstack.seed import seed

        demo = seed()
        if args.out:
            args.out.write_text(json.dumps(demo, indent=1))


if __name__ == "__main__":
    main()

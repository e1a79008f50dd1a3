"""Create the tables from the models against the running AWS stand-in, and seed demo data into an empty store.

The store keeps its data across restarts (devstack/store_journal.py): a store that already has tables keeps what it
holds, and the demo keys written at its first start (`--out`, demo.json) stay valid.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from chalicelib.store.tables import all_models, create_all, existing_tables


def store_is_empty() -> bool:
    return not existing_tables() & {model.Meta.table_name for model in all_models()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", dest="seed", action="store_true", default=True)
    parser.add_argument("--no-seed", dest="seed", action="store_false")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    empty = store_is_empty()
    create_all()
    if args.seed and empty:
        from devstack.seed import seed

        demo = seed()
        if args.out:
            args.out.write_text(json.dumps(demo, indent=1))
    elif empty and args.out:
        args.out.unlink(missing_ok=True)  # demo keys of an earlier store would not exist in this one


if __name__ == "__main__":
    main()

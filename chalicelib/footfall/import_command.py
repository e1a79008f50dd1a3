"""Admin command: import hystreet-style CSV files (the German web export or the flattened form).

    python -m chalicelib.footfall.import_command FILE... --zone markt [--sensor sen_...]

Runs against the DynamoDB that the environment configures (settings), like the app; prints one JSON summary per
file. Large files are fine here (the HTTP route is bounded by API Gateway's 10 MB and 29 s).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from chalicelib.core.errors import DomainError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="import-footfall", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--zone", help="zone the file's locations belong to (sensors are created per location)")
    parser.add_argument("--sensor", help="import a one-location file into this existing sensor")
    args = parser.parse_args(argv)
    from chalicelib.footfall.importing import import_csv

    status = 0
    for path in args.files:
        try:
            summary = import_csv(path.read_bytes(), zone=args.zone, sensor_id=args.sensor)
        except DomainError as err:
            summary, status = {"file": str(path), **err.body()}, 1
        else:
            summary = {"file": str(path), **summary}
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    return status


if __name__ == "__main__":
    sys.exit(main())

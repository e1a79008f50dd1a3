"""`make bench`: run every bench/<domain>.py module's run(), print the measured figures as JSON and as text."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path
from typing import Any

import bench


def _flatten(prefix: str, value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    else:
        out.append(f"  {prefix:<72} {value}")


def main(argv: list[str] | None = None) -> None:
    wanted = set(argv if argv is not None else sys.argv[1:])
    results: dict[str, Any] = {}
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(bench.__file__).parent)]))
    for name in names:
        if name in ("run", "common") or (wanted and name not in wanted):
            continue
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "run"):
            continue
        start = time.perf_counter()
        try:
            results[name] = module.run()
        except Exception as err:  # a broken benchmark must not hide the others' figures
            results[name] = {"error": repr(err)}
        results[name]["_seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(results, indent=2, default=str))
    lines: list[str] = []
    for name, value in results.items():
        lines.append(f"{name}:")
        _flatten("", value, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()

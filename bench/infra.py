"""Deployment figures: zipped Lambda bundle size, and cold import of app.py from the bundle with and without .pyc.

Cold import is measured as on Lambda: a fresh interpreter that sees only the unpacked zip, the runtime's boto3
stand-in and the stdlib, with bytecode writing off (the task root is read-only), median of several runs.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from infra.bundle import extract, isolated_python, runtime_site

RUNS = 9
IMPORT_APP = "import time\nt = time.perf_counter()\nimport app\nprint(time.perf_counter() - t)"
# What the runtime has loaded before our handler module (its bootstrap) or loads from /var/runtime anyway: timing
# `import app` after these shows the share of the zip's own code and packages.
RUNTIME_PRELOAD = "import json, logging, decimal, uuid, botocore.session, botocore.client\n"


def _cold_import_ms(task_root: Path, runtime: Path, preload: str = "") -> float:
    return statistics.median(float(isolated_python(task_root, runtime, preload + IMPORT_APP).strip()) * 1000
                             for _ in range(RUNS))


def run() -> dict:
    from infra.package import package

    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="marktplatz-bench-infra-") as tmp_name:
        tmp = Path(tmp_name)
        started = time.perf_counter()
        package("prod", tmp / "template", bundle=False)
        figures["template_synthesis_s"] = round(time.perf_counter() - started, 2)
        runtime = runtime_site(tmp / "runtime")
        for label, pyc in (("with_pyc", True), ("without_pyc", False)):
            started = time.perf_counter()
            package("prod", tmp / label, bundle=True, pyc=pyc)
            figures[f"bundle_build_{label}_s"] = round(time.perf_counter() - started, 2)
            zipped = tmp / label / "deployment.zip"
            figures[f"bundle_zipped_mb_{label}"] = round(zipped.stat().st_size / 1e6, 2)
            figures[f"bundle_unzipped_mb_{label}"] = round(
                sum(p.stat().st_size for p in extract(zipped, tmp / f"{label}-task").rglob("*") if p.is_file())
                / 1e6, 2)
            figures[f"cold_import_app_ms_{label}"] = round(_cold_import_ms(tmp / f"{label}-task", runtime), 1)
            figures[f"cold_import_app_after_runtime_ms_{label}"] = round(
                _cold_import_ms(tmp / f"{label}-task", runtime, RUNTIME_PRELOAD), 1)
    figures["bundle_target_mb"] = 8
    figures["pyc_speedup"] = round(figures["cold_import_app_ms_without_pyc"] / figures["cold_import_app_ms_with_pyc"],
                                   2)
    figures["pyc_speedup_after_runtime"] = round(figures["cold_import_app_after_runtime_ms_without_pyc"]
                                                 / figures["cold_import_app_after_runtime_ms_with_pyc"], 2)
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))

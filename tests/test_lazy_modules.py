"""Route modules name their services lazily: nothing of footfall or payments loads with app.py; it loads once."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from chalicelib.core.lazy import lazy

ROOT = Path(__file__).resolve().parent.parent


def test_importing_app_loads_no_footfall_payment_staff_or_settlement_service() -> None:
    code = ("import sys, app; print(sorted(m for m in sys.modules if m.startswith(('chalicelib.footfall.', "
            "'chalicelib.payments.', 'chalicelib.staff.', 'chalicelib.settlement.', 'schwifty', 'sepaxml'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(["chalicelib.footfall.routes", "chalicelib.payments.routes",
                                      "chalicelib.payments.staff_routes", "chalicelib.settlement.routes",
                                      "chalicelib.staff.middleware", "chalicelib.staff.routes"])


def test_a_lazy_module_loads_once_under_concurrent_first_use() -> None:
    sys.modules.pop("json.tool", None)
    proxy = lazy("json.tool")
    assert "json.tool" not in sys.modules
    seen: list[object] = []
    barrier = threading.Barrier(8)

    def first_use() -> None:
        barrier.wait()
        seen.append(proxy.main)

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "json.tool" in sys.modules
    assert len(seen) == 8 and all(fn is sys.modules["json.tool"].main for fn in seen)


def test_importing_app_loads_routes_not_services_models_or_botocore_clients() -> None:
    """Cold start: app.py wires route modules; DynamoDB models, PynamoDB and botocore, and every domain service
    load with the first request that needs them."""
    code = ("import sys, app; print(sorted(m for m in sys.modules if m in ('pynamodb.models', 'botocore', "
            "'chalicelib.store.transactions', 'chalicelib.vouchers.redemption', 'chalicelib.wlan.portal', "
            "'chalicelib.signing.keystore') or m.endswith('.models')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

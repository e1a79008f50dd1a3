"""Every domain error code a service can raise has exactly one HTTP status, in one table at the edge."""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib.core.http import ERROR_STATUS

ROOT = Path(__file__).resolve().parents[1]


def _raised_codes() -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "chalicelib").rglob("*.py"):
        codes |= set(re.findall(r'DomainError\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    return codes


def test_every_raised_code_is_mapped() -> None:
    codes = _raised_codes()
    assert {"invalid_token", "insufficient_balance", "busy", "order_busy"} <= codes  # the scan finds them
    assert sorted(codes - set(ERROR_STATUS)) == []


def test_no_service_names_a_status() -> None:
    for path in (ROOT / "chalicelib").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"DomainError\([^)]*,\s*[1-5]\d\d\s*\)", text), path
        assert "cancellation_reasons" not in text or path.parent.name == "store", path

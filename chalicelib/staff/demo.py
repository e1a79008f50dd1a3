"""Demo staff for `make run` (local mode only): one account per role, with a documented demo password."""

from __future__ import annotations

from typing import Any

from chalicelib.core import settings

DEMO_PASSWORD = "Billerbeck-Demo-2026"
DEMO_STAFF = [("verwaltung@billerbeck.example", "Anna Verwaltung", "admin"),
              ("kasse@billerbeck.example", "Frank Finanzen", "finance"),
              ("buergerbuero@billerbeck.example", "Sina Support", "support")]


def seed_staff() -> list[dict[str, Any]]:
    from chalicelib.staff.accounts import create_staff

    if not settings.get().is_local:
        raise RuntimeError("demo staff accounts are for the local stack only")
    for email, name, role in DEMO_STAFF:
        create_staff(email, name, role, DEMO_PASSWORD)
    return [{"email": e, "name": n, "role": r, "password": DEMO_PASSWORD} for e, n, r in DEMO_STAFF]


def banner_lines(app_url: str, staff: list[dict[str, Any]] | None) -> list[str]:
    lines = [f"  Back office:       {app_url}/verwaltung"]
    for s in staff or []:
        lines.append(f"    {s['role']:<8} {s['email']}  /  {s['password']}")
    return lines

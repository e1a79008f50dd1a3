"""Footfall fixtures: zones, sensors and marketing users made through the API, and record builders."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import ADMIN_TOKEN, Api


def records(start: datetime, n: int, minutes: int = 15, count: Any = 10, **extra: Any) -> list[dict[str, Any]]:
    """n consecutive interval records; `count` may be a function of the index."""
    out = []
    for i in range(n):
        value = count(i) if callable(count) else count
        out.append({"timestamp": (start + timedelta(minutes=minutes * i)).isoformat(), "interval_minutes": minutes,
                    "count": value, **extra})
    return out


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class Footfall:
    def __init__(self, api: Api) -> None:
        self.api = api

    def zone(self, zone_id: str | None = None, name: str | None = None) -> str:
        zone_id = zone_id or f"z-{uuid.uuid4().hex[:10]}"
        self.api.json("POST", "/api/v1/zones", {"zone_id": zone_id, "name": name or zone_id.title()}, ADMIN_TOKEN,
                      expect=201)
        return zone_id

    def sensor(self, zone: str, name: str = "Laser Nord") -> dict[str, Any]:
        return self.api.json("POST", "/api/v1/sensors", {"name": name, "zone": zone, "kind": "laser",
                                                          "ltr_label": "Markt", "rtl_label": "Bahnhof"},
                             ADMIN_TOKEN, expect=201)

    def marketing(self, name: str = "Stadtmarketing") -> str:
        return self.api.json("POST", "/api/v1/marketing-users", {"name": name, "email": "m@example.org"},
                             ADMIN_TOKEN, expect=201)["token"]

    def ingest(self, key: str, recs: list[dict[str, Any]], expect: int = 200) -> dict[str, Any]:
        return self.api.json("POST", "/api/v1/footfall/measurements", {"records": recs}, key, expect=expect)

    def stats(self, zone: str, start: str, end: str, resolution: str = "day", token: str = ADMIN_TOKEN,
              expect: int = 200) -> dict[str, Any]:
        path = f"/api/v1/stats/footfall?zone={zone}&from={start}&to={end}&resolution={resolution}"
        return self.api.json("GET", path.replace("+", "%2B"), token=token, expect=expect)

    def series(self, zone: str, start: str, end: str, resolution: str = "day") -> list[int | None]:
        return self.stats(zone, start, end, resolution)["zones"][0]["footfall"]["count"]


@pytest.fixture
def ff(api: Api) -> Footfall:
    return Footfall(api)

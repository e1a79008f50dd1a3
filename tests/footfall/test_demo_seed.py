"""The demo month that `make run` seeds: every day has counts, the shopping Sunday stands out, a marketing token
reads the stats."""

from __future__ import annotations

from datetime import UTC, datetime

from devstack.footfall_demo import banner_lines, seed_footfall
from tests.footfall.conftest import Footfall


def test_demo_month_is_complete_and_the_shopping_sunday_stands_out(ff: Footfall) -> None:
    demo = seed_footfall(now=datetime(2026, 11, 26, 10, 30, tzinfo=UTC))
    assert demo["zones"] == ["markt", "muensterstrasse"] and demo["event"]["starts_at"].startswith("2026-11-15T13")
    path = f"/api/v1/stats/footfall?zone=markt,muensterstrasse&from={demo['from']}&to=2026-11-25&resolution=day"
    stats = ff.api.json("GET", path, token=demo["marketing_token"], expect=200)
    markt, strasse = (z["footfall"]["count"] for z in stats["zones"])
    assert len(markt) == 30 and None not in markt and None not in strasse
    day = {b[:10]: n for b, n in zip(stats["buckets"], markt, strict=True)}
    assert day["2026-11-15"] > 1.5 * day["2026-11-08"]  # shopping Sunday against an ordinary one
    assert [e["name"] for e in stats["events"]] == ["Verkaufsoffener Sonntag"]
    assert any(demo["marketing_token"] in line for line in banner_lines({"footfall": demo}))
    # The market square has the same weeks a year earlier: the "Vorjahr" line is there, complete, for every day.
    markt_zone, strasse_zone = stats["zones"]
    assert markt_zone["year_before"] is not None and strasse_zone["year_before"] is None
    assert None not in markt_zone["year_before"]["count"] and min(markt_zone["year_before"]["hours"]) >= 23

"""Demo data for `make run`: two retailers and a few vouchers, printed with their keys and URLs."""

from __future__ import annotations

from typing import Any

from chalicelib.footfall.demo import seed_footfall
from chalicelib.vouchers import issuing, retailers, views

DEMO_RETAILERS = [
    ("Buchhandlung am Markt", "Markt 3, 48727 Billerbeck", "buch@example.org", "markt"),
    ("Café Domblick", "Münsterstraße 12, 48727 Billerbeck", "cafe@example.org", "muensterstrasse"),
]


def seed() -> dict[str, Any]:
    shops = []
    for name, address, email, zone in DEMO_RETAILERS:
        retailer, key = retailers.register_retailer(name, address, email, zone)
        shops.append({"retailer_id": retailer.retailer_id, "name": name, "zone": zone, "api_key": key})
    vouchers = issuing.issue_vouchers(2500, 3, campaign="Demo")
    demo = {"retailers": shops, "vouchers": [views.voucher_issued(v) for v in vouchers]}
    demo["footfall"] = seed_footfall()  # a month of counts for the marketing dashboard, and a marketing token
    return demo

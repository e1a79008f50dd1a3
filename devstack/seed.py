"""Demo data for `make run`: two retailers and a few vouchers, printed with their keys and URLs."""

from __future__ import annotations

import os
import random
from datetime import UTC, timedelta
from typing import Any

from chalicelib.core import clock
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
    demo["gateway"] = seed_wlan()
    from chalicelib.staff.demo import seed_staff

    demo["staff"] = seed_staff()  # one back-office account per role
    return demo


DEMO_GATEWAYNAME = "Billerbeck%20Markt%20Node%3a3ccd575265eb%20"


def seed_wlan(days: int = 30) -> dict[str, Any]:
    """A level-3 openNDS gateway on the market square (devstack/gateway.py simulates the router), and a month of
    WLAN session counts beside the footfall, so the dashboard's WLAN line has history above the suppression limit."""
    from chalicelib.wlan.gateway_settings import Limits, NewGateway, OpenNdsSettings
    from chalicelib.wlan.gateways import register_gateway
    from chalicelib.wlan.models import OPENNDS, WlanHourlyCount

    faskey = os.urandom(16).hex()
    gateway = register_gateway(NewGateway(
        "Marktplatz (Demo)", OPENNDS, "markt", Limits(session_minutes=120, upload_kbps=1000, download_kbps=5000),
        opennds=OpenNdsSettings(security_level=3, faskey=faskey, gatewayname=DEMO_GATEWAYNAME)))
    now = clock.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    with WlanHourlyCount.batch_write() as batch:
        for h in range(days * 24):
            hour = now - timedelta(hours=h + 1)
            local_hour = hour.astimezone(clock.BERLIN).hour
            if not 8 <= local_hour < 20:
                continue
            rnd = random.Random(f"wlan|{hour.isoformat()}")
            sessions = rnd.randint(8, 40)
            batch.save(WlanHourlyCount("markt", hour.strftime("%Y-%m-%dT%H:00Z"), sessions=sessions,
                                       devices=max(0, sessions - rnd.randint(0, 6)), dwell_minutes=sessions * 25))
    return {"gateway_id": gateway.gateway_id, "faskey": faskey, "gatewayname": DEMO_GATEWAYNAME}

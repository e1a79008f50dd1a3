"""Demo data for `make run`: two retailers and a few vouchers, printed with their keys and URLs."""

from __future__ import annotations

import os
import random
from datetime import UTC, timedelta
from typing import Any

from chalicelib.core import clock
from chalicelib.vouchers import issuing, retailers, views
from devstack.footfall_demo import seed_footfall

DEMO_RETAILERS = [
    ("Buchhandlung am Markt", "Markt 3, 48727 Billerbeck", "buch@example.org", "markt"),
    ("Café Domblick", "Münsterstraße 12, 48727 Billerbeck", "cafe@example.org", "muensterstrasse"),
]


def seed() -> dict[str, Any]:
    shops = []
    for name, address, email, zone in DEMO_RETAILERS:
        retailer, key = retailers.register_retailer(name, address, email, zone)
        shops.append({"retailer_id": retailer.retailer_id, "name": name, "zone": zone, "api_key": key})
    redeemed = seed_redemptions(shops)  # first, while the clock is moved back; the fresh vouchers stay untouched
    vouchers = issuing.issue_vouchers(2500, 3, campaign="Demo")
    demo = {"retailers": shops, "vouchers": [views.voucher_issued(v) for v in vouchers], "redemptions": redeemed}
    demo["footfall"] = seed_footfall()  # a month of counts for the marketing dashboard, and a marketing token
    demo["gateway"] = seed_wlan()
    return demo


def seed_redemptions(shops: list[dict[str, Any]], days: int = 30) -> int:
    """A month of voucher spending in the demo shops, a few purchases a day at shop hours, so the dashboard shows
    redemptions beside footfall and WLAN on one axis. Each goes through the real `redeem` (ledger entry, balance,
    idempotency record in one transaction), with the clock moved back to when it happened."""
    from chalicelib.core.auth import Principal
    from chalicelib.core.ids import key_hash
    from chalicelib.vouchers.redemption import redeem
    from chalicelib.vouchers.rules import Refused

    now = clock.now()
    rng = random.Random("demo-redemptions")
    count = 0
    try:
        clock.shift(-(days + 1) * 86400)
        wallet = [{"token": views.voucher_issued(v)["token"], "balance": 5000}
                  for v in issuing.issue_vouchers(5000, 12, campaign="Demo (eingelöst)")]
        clock.reset()
        for day in range(days, 0, -1):
            for _ in range(rng.randint(1, 4)):
                shop = rng.choice(shops)
                voucher = rng.choice([w for w in wallet if w["balance"] > 0] or wallet)
                if voucher["balance"] <= 0:
                    return count
                amount = min(voucher["balance"], rng.choice([450, 790, 1000, 1250, 1590, 2000, 2500]))
                local = (now - timedelta(days=day)).astimezone(clock.BERLIN).replace(
                    hour=rng.randint(9, 17), minute=rng.randint(0, 59))
                clock.reset()
                clock.shift((local - now).total_seconds())
                principal = Principal(role="retailer", subject_id=shop["retailer_id"], zone=shop["zone"],
                                      name=shop["name"], key_hash=key_hash(shop["api_key"]))
                result = redeem(principal, voucher["token"], amount, f"demo-{day}-{count}", voucher["balance"])
                if isinstance(result, Refused):
                    raise RuntimeError(f"demo redemption refused: {result.code}")
                voucher["balance"] -= amount
                count += 1
    finally:
        clock.reset()
    return count


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

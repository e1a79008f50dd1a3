"""50+ threads redeem from the same few vouchers at once over HTTP against the real local stack."""

from __future__ import annotations

import random
import threading
import uuid
from collections import defaultdict

import pytest
import requests

from tests.conftest import ADMIN_TOKEN

pytestmark = [pytest.mark.stack, pytest.mark.xdist_group("stack")]

THREADS = 56
TRIES_PER_THREAD = 4
VOUCHERS = 4
VALUE = 10_000  # 4 × 100 € against 56 × 4 tries of 5–30 €: far more demand than money


def test_concurrent_redemptions_keep_the_invariant(stack) -> None:  # type: ignore[no-untyped-def]
    base = stack.app_url
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    shops = []
    for i in range(3):
        r = requests.post(f"{base}/api/v1/retailers", json={"name": f"Laden {i}", "address": "Markt", "zone": "markt",
                                                            "email": "x@example.org"}, headers=admin, timeout=10)
        shops.append(r.json()["api_key"])
    vouchers = requests.post(f"{base}/api/v1/vouchers", json={"amount_cents": VALUE, "quantity": VOUCHERS},
                             headers=admin, timeout=10).json()["vouchers"]

    accepted: dict[str, list[dict]] = defaultdict(list)
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def till(n: int) -> None:
        rnd = random.Random(n)
        session = requests.Session()
        barrier.wait()
        for _ in range(TRIES_PER_THREAD):
            voucher = rnd.choice(vouchers)
            amount = rnd.randint(500, 3000)
            r = session.post(f"{base}/api/v1/redemptions", json={"token": voucher["token"], "amount_cents": amount},
                             headers={"Authorization": f"Bearer {rnd.choice(shops)}",
                                      "Idempotency-Key": uuid.uuid4().hex}, timeout=60)
            with lock:
                statuses.append(r.status_code)
                if r.status_code == 201:
                    accepted[voucher["voucher_id"]].append(r.json())
                else:
                    assert r.status_code == 409, r.text
                    assert r.json()["error"]["code"] == "insufficient_balance"  # never busy while it suffices

    threads = [threading.Thread(target=till, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(statuses) == THREADS * TRIES_PER_THREAD
    assert statuses.count(201) > 0 and statuses.count(409) > 0  # contention really happened
    for voucher in vouchers:
        detail = requests.get(f"{base}/api/v1/vouchers/{voucher['voucher_id']}", headers=admin, timeout=10).json()
        ledger = detail["ledger"]
        redemptions = {e["redemption_id"]: -e["amount_cents"] for e in ledger if e["kind"] == "redemption"}
        mine = {a["redemption_id"]: a["amount_cents"] for a in accepted[voucher["voucher_id"]]}
        assert redemptions == mine  # every accepted redemption is in the ledger, and nothing else is
        assert detail["balance_cents"] >= 0
        assert VALUE - sum(redemptions.values()) == detail["balance_cents"]  # initial − redemptions = balance
        assert sum(e["amount_cents"] for e in ledger) == detail["balance_cents"]
        # each answer's balance is a point in the voucher's history after its own redemption: the balance right
        # after it (compare-and-set) or, under contention, read right after its decrement
        for a in accepted[voucher["voucher_id"]]:
            assert detail["balance_cents"] <= a["balance_cents"] <= VALUE - a["amount_cents"]

"""The maintained totals equal a full recomputation from the ledger, after a random mix of everything that moves
money: purchases with bonus, admin issuing, redemptions, reversals, Stripe refunds, blocks, unblocks, re-issues and
expiries. Runs on tables of its own, so the recomputation sees exactly this test's ledger."""

from __future__ import annotations

import json
import random
import uuid
from datetime import timedelta
from typing import Any

from chalicelib.cli import totals as recompute
from chalicelib.core import clock, settings
from tests.conftest import ADMIN_TOKEN
from tests.payments.conftest import Shop


def _mix(shop: Shop, rng: random.Random) -> dict[str, int]:
    api = shop.api
    code = f"MIX{uuid.uuid4().hex[:4]}".upper()
    now = clock.now()
    api.json("POST", "/api/v1/campaigns", {
        "name": "Mix", "percent": 20, "budget_cents": 6_000, "code": code,
        "starts_at": clock.iso(now - timedelta(minutes=1)), "ends_at": clock.iso(now + timedelta(days=60))},
        token=ADMIN_TOKEN, expect=201)
    zones = ("markt", "markt", "kirchplatz")
    keys = [api.retailer(zone=zone, name=f"Laden {i}")["api_key"] for i, zone in enumerate(zones)]
    orders = [shop.paid_order(rng.choice((1000, 2500, 5000)), rng.randint(1, 3), bonus_code=code) for _ in range(5)]
    kept_order = orders.pop()  # refunded at the end while its vouchers are blocked
    vouchers = [v for o in orders for v in shop.status(o)["vouchers"]]
    short_lived = api.vouchers(1500, 3, expires_at=clock.iso(clock.now() + timedelta(days=40)))
    vouchers += api.vouchers(rng.choice((2000, 3000)), 4) + short_lived
    redemptions: list[str] = []
    done = {"redeemed": 0, "reversed": 0, "refunds": 0, "blocks": 0, "reissues": 0, "expired": 0}

    def redeem(voucher: dict[str, Any], amount: int) -> str | None:
        r = api.redeem(rng.choice(keys), voucher["token"], amount)
        if r.status_code != 201:
            return None
        done["redeemed"] += 1
        return str(r.json_body["redemption_id"])

    def reverse(redemption_id: str) -> dict[str, Any] | None:
        r = api.call("POST", f"/api/v1/redemptions/{redemption_id}/reversal", token=ADMIN_TOKEN)
        body = json.loads(r.body)
        if r.status_code == 409:  # the holder's voucher was refunded or has expired: the retailer settles directly
            assert body["error"]["code"] in ("voucher_refunded", "voucher_expired"), body
            return None
        assert r.status_code == 201, body
        done["reversed"] += 1
        return dict(body)

    def block(voucher: dict[str, Any]) -> None:
        api.json("POST", f"/api/v1/vouchers/{voucher['voucher_id']}/block", {"reason": "lost"}, ADMIN_TOKEN,
                 expect=200)
        done["blocks"] += 1

    def reissue(voucher: dict[str, Any]) -> dict[str, Any]:
        new = api.json("POST", f"/api/v1/vouchers/{voucher['voucher_id']}/reissue", token=ADMIN_TOKEN,
                       expect=201)["voucher"]
        done["reissues"] += 1
        return new

    def refund(order: dict[str, Any], amount: int) -> None:
        assert shop.deliver(shop.charge_event(order, "charge.refunded", amount_refunded=amount)).status_code == 200
        done["refunds"] += 1

    for _ in range(60):
        clock.shift(rng.randint(1, 36) * 3600)  # the mix spreads over several Berlin months and UTC days
        action = rng.random()
        voucher = rng.choice(vouchers)
        if action < 0.55:
            rid = redeem(voucher, rng.randint(1, 900))
            if rid:
                redemptions.append(rid)
        elif action < 0.7 and redemptions:
            reverse(redemptions.pop(rng.randrange(len(redemptions))))
        elif action < 0.78 and orders:
            order = orders.pop(rng.randrange(len(orders)))
            intent_total = shop.intent(order)["amount"]
            refund(order, rng.choice((intent_total, intent_total // 2)))
        elif action < 0.92:
            path = f"/api/v1/vouchers/{voucher['voucher_id']}"
            state = api.json("GET", path, token=ADMIN_TOKEN, expect=200)
            if state["status"] == "active":
                block(voucher)
            elif state["status"] == "blocked" and state["balance_cents"] > 0 and rng.random() < 0.5:
                vouchers.append(reissue(voucher))
            elif state["status"] == "blocked":
                api.call("POST", f"{path}/unblock", token=ADMIN_TOKEN)  # refused for refunded or re-issued ones
        else:
            done["expired"] += _hourly_job(api)["booked"]

    # Whatever the dice gave, the paths where money sits on a blocked voucher happen at least once:
    [spare, frozen, *_] = api.vouchers(3000, 3)
    forwarded = redeem(spare, 700)  # a reversal after a re-issue is forwarded along the chain
    assert forwarded
    block(spare)
    reissue(spare)
    reversed_forward = reverse(forwarded)
    done["forwarded"] = bool(reversed_forward and reversed_forward["credited_voucher_id"] != spare["voucher_id"])
    onto_blocked = redeem(frozen, 400)  # a reversal credits a blocked voucher, whose money stays frozen
    assert onto_blocked
    block(frozen)
    assert reverse(onto_blocked)
    for voucher in shop.status(kept_order)["vouchers"]:  # a refund takes back blocked vouchers
        block(voucher)
    refund(kept_order, shop.intent(kept_order)["amount"])
    block(api.vouchers(1200, 1, expires_at=clock.iso(clock.now() + timedelta(days=30)))[0])  # expires blocked

    clock.shift(90 * 86400)
    job = _hourly_job(api)
    done["expired"] += job["booked"]
    done["months_closed"] = len(job["months_closed"])
    return done


def _hourly_job(api: Any) -> dict[str, Any]:
    """The scheduled voucher bookkeeping, invoked as Lambda runs it: expiries, then month closings and rollups."""
    client = api.client
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=[])
    return client.lambda_.invoke("voucher_bookkeeping", event).payload


def test_totals_equal_the_recomputation_after_a_random_mix(shop: Shop, own_tables: str) -> None:
    rng = random.Random(1013)
    done = _mix(shop, rng)
    assert done["redeemed"] > 10 and done["reversed"] and done["refunds"] and done["blocks"] and done["expired"]
    assert done["forwarded"] and done["reissues"] >= 1
    assert done["months_closed"] >= 2  # so the check covers closings and the reports read through them
    result = recompute.check()
    assert result["differences"] == [] and result["missing_rollups"] == 0
    assert result["ledger_entries"] > 50 and result["items"] > 20, (done, result)

    # The liability of the last month balances: everything sold is redeemed, refunded, expired or still owed.
    month = clock.now().astimezone(clock.BERLIN).strftime("%Y-%m")
    report = shop.api.json("GET", f"/api/v1/reports/liability?month={month}", token=ADMIN_TOKEN, expect=200)
    # ... and it owes exactly what is on the vouchers: outstanding on the active ones, blocked on the blocked ones
    # that still hold their money (not re-issued; refunded and expired ones hold 0).
    from chalicelib.vouchers.models import ACTIVE, BLOCKED, LedgerEntry, Voucher

    vouchers = list(Voucher.scan(consistent_read=True))
    on_active = sum(int(v.balance_cents) for v in vouchers if v.status == ACTIVE)
    on_blocked = sum(int(v.balance_cents) for v in vouchers if v.status == BLOCKED and not v.replaced_by)
    assert (report["outstanding"]["total_cents"], report["blocked"]["total_cents"]) == (on_active, on_blocked)
    ledger = list(LedgerEntry.scan())
    assert any(e.kind == "refund" and e.from_status == BLOCKED for e in ledger)
    assert any(e.kind == "expiry" and e.from_status == BLOCKED for e in ledger)
    assert any(e.kind == "reversal" and e.from_status == BLOCKED for e in ledger)

    # And the check does catch drift: change one counter and one zone rollup behind the ledger's back, then
    # rebuild repairs both.
    from chalicelib.vouchers.models import MonthTotal, ZoneMonthRedemptions

    some = next(iter(MonthTotal.query("town")))
    some.update(actions=[MonthTotal.sold_cents.add(7)])
    rollup = next(i for i in ZoneMonthRedemptions.query("markt", ZoneMonthRedemptions.month_retailer.startswith(
        "all#")) if i.days.strip(";"))
    packed = rollup.days
    rollup.update(actions=[ZoneMonthRedemptions.days.set(";" * 30)])
    diffs = recompute.check()["differences"]
    assert [(d["range_key"], d["counter"]) for d in diffs] == [(some.key, "sold_cents"),
                                                               (rollup.month_retailer, "days")]
    assert diffs[0]["stored"] - diffs[0]["ledger"] == 7 and diffs[1]["ledger"] == packed
    assert recompute.rebuild()["written"] == 2
    assert recompute.check()["differences"] == []

    months = sorted({i.key[:7] for i in MonthTotal.query("town")})
    every = [shop.api.json("GET", f"/api/v1/reports/liability?month={m}", token=ADMIN_TOKEN, expect=200)
             for m in months]
    for measure in ("paid_cents", "bonus_cents"):
        sold = sum(m["sold"][measure] for m in every)
        gone = sum(m["redeemed"][measure] + m["refunded"][measure] + m["expired"][measure] for m in every)
        assert sold == gone + report["outstanding"][measure] + report["blocked"][measure]
    assert settings.get().table_prefix == own_tables


def test_rebuild_migrates_a_deployment_whose_ledger_predates_the_totals(api: Any, own_tables: str) -> None:
    """An older deployment: ledger entries without their split, no totals, retailers not in the shop index."""
    from chalicelib.vouchers.models import LedgerEntry, MonthTotal, Retailer, Voucher, ZoneDayRedemptions

    shop_key = api.retailer(zone="markt")["api_key"]
    [voucher] = api.vouchers(6000, 1)
    assert api.redeem(shop_key, voucher["token"], 601).status_code == 201
    for model in (MonthTotal, ZoneDayRedemptions):  # as if these tables had just been created
        for item in model.scan():
            item.delete()
    for retailer in Retailer.scan():
        retailer.update(actions=[Retailer.listed.remove()])
    for v in Voucher.scan():
        v.update(actions=[Voucher.expiry_due.remove()])
    for entry in LedgerEntry.scan():  # entries written before the totals carried no split
        if entry.paid_cents is not None:
            LedgerEntry(entry.voucher_id, entry.entry_id, **{k: v for k, v in entry.attribute_values.items()
                                                              if k not in ("voucher_id", "entry_id", "paid_cents",
                                                                           "bonus_cents")}).save()
    assert len(recompute.check()["differences"]) > 3
    migrated = recompute.rebuild()
    assert (migrated["retailers_listed"], migrated["vouchers_marked_for_expiry"]) == (1, 1)
    assert recompute.check()["differences"] == []
    assert api.json("GET", "/api/v1/shops", expect=200)["shops"]
    month = clock.now().astimezone(clock.BERLIN).strftime("%Y-%m")
    settled = api.json("GET", f"/api/v1/settlements?month={month}", token=ADMIN_TOKEN, expect=200)
    assert settled["totals"]["redeemed_cents"] == 601


def test_the_liability_report_is_the_same_before_and_after_the_job_closes_the_months(api: Any,
                                                                                   own_tables: str) -> None:
    """Unclosed months are read back to the latest closing; closed ones through their closing: same figures. And
    an expiry is booked once, in the month it happens, however often the job runs."""
    from chalicelib.vouchers.expiring import book_expiries

    key = api.retailer(zone="markt")["api_key"]
    soon = clock.iso(clock.now() + timedelta(days=20))
    [short] = api.vouchers(3000, 1, expires_at=soon)
    [held] = api.vouchers(1500, 1, expires_at=soon)
    [long] = api.vouchers(5000, 1)
    assert api.redeem(key, short["token"], 1000).status_code == 201
    for blocked in (long, held):
        api.json("POST", f"/api/v1/vouchers/{blocked['voucher_id']}/block", {"reason": "lost"}, ADMIN_TOKEN,
                 expect=200)
    first = clock.now().astimezone(clock.BERLIN).strftime("%Y-%m")
    clock.shift(70 * 86400)
    assert book_expiries() == {"booked": 2, "skipped": 0} and book_expiries() == {"booked": 0, "skipped": 0}
    later = clock.now().astimezone(clock.BERLIN).strftime("%Y-%m")

    def reports() -> list[dict[str, Any]]:
        out = []
        for month in (first, later):
            report = api.json("GET", f"/api/v1/reports/liability?month={month}", token=ADMIN_TOKEN, expect=200)
            out.append({k: v for k, v in report.items() if k != "as_of"})
        return out

    unclosed = reports()
    assert _hourly_job(api)["months_closed"] and _hourly_job(api)["months_closed"] == []
    assert reports() == unclosed
    start, end = unclosed
    assert start["sold"]["total_cents"] == 9500 and start["redeemed"]["total_cents"] == 1000
    assert start["blocked"] == {"count": 2, "paid_cents": 6500, "bonus_cents": 0, "total_cents": 6500}
    assert start["outstanding"] == {"count": 1, "paid_cents": 2000, "bonus_cents": 0, "total_cents": 2000}
    assert end["expired"] == {"count": 2, "paid_cents": 3500, "bonus_cents": 0, "total_cents": 3500}
    assert end["outstanding"]["total_cents"] == 0 and end["outstanding"]["count"] == 0
    assert end["blocked"] == {"count": 1, "paid_cents": 5000, "bonus_cents": 0, "total_cents": 5000}
    assert end["opening"] == {"outstanding": start["outstanding"], "blocked": start["blocked"]}
    # Unblocking a voucher whose money expired would count it twice: refused.
    assert api.json("POST", f"/api/v1/vouchers/{held['voucher_id']}/unblock", token=ADMIN_TOKEN,
                    expect=409)["error"]["code"] == "voucher_expired"
    assert recompute.check()["differences"] == []

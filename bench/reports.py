"""Report benchmarks: the city's reports and the dashboard at 1,000 and at 50,000 ledger entries (DynamoDB requests
and latency; the requests must not grow with the ledger), and what the totals add to a redemption's transaction.

A year of a town (2025: 50 shops in 5 zones) is seeded directly into the store, not through HTTP: vouchers, their
ledger entries (issues, redemptions, reversals, refunds, expiries) and the totals those entries give through the
same mapping the live transactions use (chalicelib/vouchers/totals.py), then the month closings and zone rollups
the hourly job writes (as at noon on 31 December). The dashboard's zones hold no footfall here (bench/footfall.py
measures that part, and moto needs seconds to serialize a year of it): what differs between the sizes is the
voucher data alone.
"""

from __future__ import annotations

import os
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import local_aws

YEAR = 2025
MONTH = f"{YEAR}-12"
ZONES = ("markt", "kirchplatz", "muensterstrasse", "bahnhof", "lange-strasse")
SHOPS_PER_ZONE = 10
RUNS = 5


def _use_tables(prefix: str) -> None:
    from chalicelib.core import settings
    from chalicelib.store.tables import create_all
    from devstack.ddb_calls import _drop_connections

    os.environ["MARKTPLATZ_TABLE_PREFIX"] = prefix
    settings.reset()
    _drop_connections()
    create_all()


def _iso(at: datetime) -> str:
    from chalicelib.core import clock

    return clock.iso_ms(at)


def _seed(n_entries: int, seed: int = 13) -> dict[str, Any]:
    """A year of Billerbeck-like business with about `n_entries` ledger entries."""
    from chalicelib.footfall.models import Zone
    from chalicelib.vouchers import bookkeeping, totals
    from chalicelib.vouchers.models import ACTIVE, LISTED, LedgerEntry, Retailer, Voucher

    rng = random.Random(seed)
    start = datetime(YEAR, 1, 1, tzinfo=UTC)
    retailers = [(f"ret_{z}_{i}", z) for z in ZONES for i in range(SHOPS_PER_ZONE)]
    with Retailer.batch_write() as batch:
        for rid, zone in retailers:
            batch.save(Retailer(rid, name=f"Laden {rid}", address="Markt 1", email="laden@example.org", zone=zone,
                                status=ACTIVE, listed=LISTED, key_hash=uuid.uuid4().hex, created_at=_iso(start)))
    entries: list[LedgerEntry] = []
    vouchers: list[Voucher] = []
    per_voucher_moves = 8.0
    v = -1
    while len(entries) < n_entries:
        v += 1
        vid = f"{v:016d}"
        issued = start + timedelta(seconds=rng.randrange(360 * 86400))
        initial = rng.choice((1000, 2500, 5000))
        bonus = initial // 6 if v % 3 == 0 else 0
        expires = issued + timedelta(days=rng.choice((60, 3 * 365)))
        voucher = Voucher(vid, status=ACTIVE, balance_cents=initial, initial_cents=initial, paid_cents=initial - bonus,
                          bonus_cents=bonus, expires_at=int(expires.timestamp()), issued_at=_iso(issued), kid=1,
                          expiry_due="due")
        entries.append(LedgerEntry(vid, f"{issued.timestamp():017.6f}a", kind="issue", amount_cents=initial,
                                   created_at=_iso(issued), actor="stripe", paid_cents=initial - bonus,
                                   bonus_cents=bonus))
        at, balance = issued, initial
        moves = int(per_voucher_moves) + (1 if rng.random() < per_voucher_moves % 1 else 0)
        for m in range(moves):
            at += timedelta(minutes=rng.randrange(30, 10 * 24 * 60))
            if at.year != YEAR or balance <= 0:
                break
            share = totals.split
            if at.timestamp() >= expires.timestamp():
                amount, b = share(balance, totals.Terms(initial, bonus))
                entries.append(LedgerEntry(vid, f"{at.timestamp():017.6f}x", kind="expiry", amount_cents=-amount,
                                           created_at=_iso(at), actor="system", paid_cents=-(amount - b),
                                           bonus_cents=-b))
                balance, voucher.expiry_due = 0, None
                break
            if rng.random() < 0.01:
                amount, b = share(balance, totals.Terms(initial, bonus))
                entries.append(LedgerEntry(vid, f"{at.timestamp():017.6f}f", kind="refund", amount_cents=-amount,
                                           created_at=_iso(at), actor="stripe", paid_cents=-(amount - b),
                                           bonus_cents=-b))
                balance, voucher.status = 0, "blocked"
                break
            rid, zone = rng.choice(retailers)
            amount, b = share(min(balance, rng.randint(100, 2500)), totals.Terms(initial, bonus))
            entry_id = f"{at.timestamp():017.6f}{m:03d}"
            entries.append(LedgerEntry(vid, entry_id, kind="redemption", amount_cents=-amount, created_at=_iso(at),
                                       retailer_id=rid, zone=zone, actor=rid, paid_cents=-(amount - b),
                                       bonus_cents=-b))
            balance -= amount
            if rng.random() < 0.03:
                back = at + timedelta(minutes=5)
                entries.append(LedgerEntry(vid, f"{entry_id}r", kind="reversal", amount_cents=amount,
                                           created_at=_iso(back), retailer_id=rid, zone=zone, reverses=entry_id,
                                           actor=rid, paid_cents=amount - b, bonus_cents=b))
                balance += amount
        voucher.balance_cents = balance
        vouchers.append(voucher)
    with Voucher.batch_write() as batch:
        for voucher in vouchers:
            batch.save(voucher)
    with LedgerEntry.batch_write() as batch:
        for entry in entries:
            batch.save(entry)
    deltas = totals.merge(d for e in entries for d in totals.entry_deltas(e))
    by_model: dict[Any, list[Any]] = {}
    for delta in deltas:
        item = bookkeeping.item_for(delta)
        for name, value in delta.adds.items():
            setattr(item, name, value)
        by_model.setdefault(type(item), []).append(item)
    for model, items in by_model.items():
        with model.batch_write() as batch:
            for item in items:
                batch.save(item)
    with Zone.batch_write() as batch:
        for z in ZONES:
            batch.save(Zone(z, name=z.replace("-", " ").title(), created_at=_iso(start)))
    # What the hourly job has done by noon on 31 December: the closings and zone rollups of the months that are
    # over, and December's zone rollups through the 30th.
    bookkeeping.close_months(MONTH)
    bookkeeping.roll_up_month_so_far(datetime(YEAR, 12, 31, 11, tzinfo=UTC))
    return {"ledger_entries": len(entries), "vouchers": len(vouchers), "shops": len(retailers),
            "total_items": {m.Meta.logical_name: len(i) for m, i in by_model.items()}}


def _measure(label: str, fn: Any) -> dict[str, Any]:
    from devstack.ddb_calls import count_dynamodb_calls

    with count_dynamodb_calls() as calls:
        fn()
    times = []
    for _ in range(RUNS):
        begin = time.perf_counter()
        fn()
        times.append(time.perf_counter() - begin)
    return {"requests": len(calls), "by_operation": dict(calls.by_operation()),
            "latency_ms_median": round(statistics.median(times) * 1000, 1)}


def reports_at(n_entries: int) -> dict[str, Any]:
    from chalicelib.footfall import sources, stats
    from chalicelib.payments import settlement

    _use_tables(f"bench-{n_entries}-{uuid.uuid4().hex[:6]}-")
    seeded = _seed(n_entries)
    first = datetime(YEAR, 1, 1, tzinfo=UTC)
    start, end = first.replace(hour=0) - timedelta(hours=1), datetime(YEAR, 12, 31, 23, tzinfo=UTC)  # Berlin year
    shop = f"ret_{ZONES[0]}_0"
    out = {"seeded": seeded}
    out["liability_month"] = _measure("liability", lambda: settlement.liability_report(MONTH))
    out["settlement_all_shops"] = _measure("settlement", lambda: settlement.settle_month(MONTH))
    out["retailer_statement"] = _measure("statement", lambda: settlement.retailer_statement(shop, MONTH))
    out["dashboard_year_5_zones"] = _measure("dashboard", lambda: stats.footfall_stats(list(ZONES), start, end, "day"))
    out["dashboard_redemption_series_only"] = _measure(
        "series", lambda: [sources.redemptions(z, start, end, "day") for z in ZONES])
    out["check"] = {"liability_december_sold_total_cents":
                    settlement.liability_report(MONTH)["sold"]["total_cents"]}
    return out


def compare(small: dict[str, Any], large: dict[str, Any]) -> dict[str, Any]:
    rows = {}
    for name in ("liability_month", "settlement_all_shops", "retailer_statement", "dashboard_year_5_zones",
                 "dashboard_redemption_series_only"):
        a, b = small[name], large[name]
        rows[name] = {"requests_1k": a["requests"], "requests_50k": b["requests"],
                      "requests_equal": a["requests"] == b["requests"],
                      "latency_ms_1k": a["latency_ms_median"], "latency_ms_50k": b["latency_ms_median"],
                      "latency_ratio": round(b["latency_ms_median"] / max(a["latency_ms_median"], 0.01), 2),
                      "target": "requests equal; latency ratio <= 1.2"}
    return rows


def run() -> dict[str, Any]:
    local_aws()
    previous = os.environ.get("MARKTPLATZ_TABLE_PREFIX")
    # moto on a shared 2-core machine can take seconds to answer; a timeout would be the stand-in's, not ours.
    # (Settings are the one reader of the environment, so the timeout is set there.)
    previous_timeout = os.environ.get("MARKTPLATZ_AWS_READ_TIMEOUT_S")
    os.environ["MARKTPLATZ_AWS_READ_TIMEOUT_S"] = "60"
    try:
        small = reports_at(1_000)
        large = reports_at(50_000)
        writes = redemption_transaction()
    finally:
        for name, value in (("MARKTPLATZ_TABLE_PREFIX", previous), ("MARKTPLATZ_AWS_READ_TIMEOUT_S", previous_timeout)):
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        from chalicelib.core import settings

        settings.reset()
    return {"at_1k": small, "at_50k": large, "comparison": compare(small, large), "redemption": writes}


# --- the write side: what the totals add to a redemption ------------------------------------------------------------

class TransactionLog:
    """Every TransactWriteItems sent: its items (table, key) and its client-side [start, end] in flight."""

    def __init__(self) -> None:
        import threading

        self.sent: list[tuple[float, float, list[tuple[str, str, str]], dict[str, Any]]] = []
        self._local = threading.local()
        self._lock = threading.Lock()

    def before(self, params: dict[str, Any], **_: Any) -> None:
        self._local.start = time.perf_counter()
        self._local.params = params

    def after(self, **_: Any) -> None:
        params = self._local.params
        items = []
        for action in params["TransactItems"]:
            (kind, body), = action.items()
            key = tuple(sorted((k, next(iter(v.values()))) for k, v in body.get("Key", body.get("Item", {})).items()
                               if k in _key_names(body["TableName"])))
            items.append((body["TableName"], kind, repr(key)))
        with self._lock:
            self.sent.append((self._local.start, time.perf_counter(), items, params))


def _key_names(table: str) -> set[str]:
    from chalicelib.store.tables import all_models

    for model in all_models():
        if model.Meta.table_name == table:
            return {a.attr_name for a in model.get_attributes().values() if a.is_hash_key or a.is_range_key}
    return set()


def _logged(log: TransactionLog) -> Any:
    import pynamodb.connection.base as base

    from devstack.ddb_calls import _drop_connections

    original = base.get_session

    def session() -> Any:
        s = original()
        s.register("before-parameter-build.dynamodb.TransactWriteItems", log.before)
        s.register("after-call.dynamodb.TransactWriteItems", log.after)
        return s

    base.get_session = session
    _drop_connections()
    return original


def _unlogged(original: Any) -> None:
    import pynamodb.connection.base as base

    from devstack.ddb_calls import _drop_connections

    base.get_session = original
    _drop_connections()


def conflicts(sent: list[tuple[float, float, list[tuple[str, str, str]], dict[str, Any]]],
              counted: Any) -> int:
    """Pairs of transactions in flight at the same time that write a common item: what DynamoDB may cancel with
    TransactionConflict (moto serializes requests and never does, so the overlap is counted instead)."""
    n = 0
    for i, (s1, e1, items1, _) in enumerate(sent):
        keys1 = {(t, k) for t, kind, k in items1 if kind != "ConditionCheck" and counted(t)}
        for s2, e2, items2, _ in sent[i + 1:]:
            if s2 < e1 and s1 < e2 and keys1 & {(t, k) for t, kind, k in items2 if kind != "ConditionCheck"
                                                 and counted(t)}:
                n += 1
    return n


def _item_size(item: dict[str, Any]) -> int:
    """DynamoDB's item size: attribute name lengths plus value sizes (numbers ~ digits/2 + 1)."""
    size = 0
    for name, value in item.items():
        size += len(name.encode())
        (kind, v), = value.items()
        if kind == "S":
            size += len(v.encode())
        elif kind == "N":
            size += len(v.lstrip("-").replace(".", "")) // 2 + 1
        else:
            size += len(repr(v))
    return size


def redemption_transaction(n_tills: int = 8, per_till: int = 25) -> dict[str, Any]:
    """Requests per redemption with the totals, the transaction's items and write units, and 8 tills of 8 shops
    (one zone, the worst case for zone totals) redeeming at once: overlapping transactions sharing an item."""
    import threading

    import boto3

    from chalicelib.core import settings
    from chalicelib.core.auth import RETAILER, Principal
    from chalicelib.vouchers import issuing, retailers, views
    from chalicelib.vouchers.redemption import redeem
    from devstack.ddb_calls import count_dynamodb_calls

    _use_tables(f"bench-tills-{uuid.uuid4().hex[:6]}-")
    principals, tokens = [], []
    for i in range(n_tills):
        shop, _ = retailers.register_retailer(f"Kasse {i}", "Markt 1", "kasse@example.org", "markt")
        principals.append(Principal(RETAILER, shop.retailer_id, shop.key_hash, shop.zone, shop.name))
        tokens.append([views.token_for(v) for v in issuing.issue_vouchers(100_000, 4)])
    # Requests per redemption: a warm till (hints filled by its first redemption of each voucher).
    with count_dynamodb_calls() as calls:
        for k in range(100):
            redeem(principals[0], tokens[0][k % 4], 100, uuid.uuid4().hex)
    per_redemption = {"redemptions": 100, "requests": len(calls), "per_redemption": len(calls) / 100,
                      "by_operation": dict(calls.by_operation()), "target": "1 TransactWriteItems, <= 1.05 in all"}
    log = TransactionLog()
    original = _logged(log)
    try:
        redeem(principals[1], tokens[1][0], 100, uuid.uuid4().hex)
        _, _, items, params = log.sent[-1]
        log.sent.clear()
        barrier = threading.Barrier(n_tills)

        def till(i: int) -> None:
            barrier.wait()
            for k in range(per_till):
                redeem(principals[i], tokens[i][k % 4], 100, uuid.uuid4().hex)

        threads = [threading.Thread(target=till, args=(i,)) for i in range(n_tills)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        _unlogged(original)
    totals_tables = {settings.get().table_name(n) for n in ("voucher-month-totals", "voucher-day-totals",
                                                           "voucher-zone-days", "voucher-zone-months")}
    s = settings.get()
    ddb = boto3.client("dynamodb", endpoint_url=s.dynamodb_endpoint, region_name=s.aws_region)
    units = []
    for action in params["TransactItems"]:
        (kind, body), = action.items()
        key = {k: v for k, v in body.get("Key", body.get("Item", {})).items()
               if k in _key_names(body["TableName"])}
        stored = ddb.get_item(TableName=body["TableName"], Key=key, ConsistentRead=True).get("Item", {})
        size = _item_size(stored)
        # Every item of a transaction is billed as a transactional write of its size, a ConditionCheck too.
        units.append({"table": body["TableName"], "action": kind, "item_bytes": size,
                      "write_units": 2 * max(1, -(-size // 1024))})
    sent = log.sent
    with_totals = conflicts(sent, lambda t: True)
    without_totals = conflicts(sent, lambda t: t not in totals_tables)
    town_counter = conflicts([(a, b, [*i, ("town-counter", "Update", "one")], p) for a, b, i, p in sent],
                             lambda t: True)
    return {
        "requests_per_redemption": per_redemption,
        "transaction_items": units,
        "transaction_write_units": sum(u["write_units"] for u in units),
        "concurrent_tills": {"tills": n_tills, "shops": n_tills, "zone": "markt (all eight)",
                             "redemptions": len(sent),
                             "conflicting_pairs_without_totals": without_totals,
                             "conflicting_pairs_with_totals": with_totals,
                             "conflicting_pairs_if_one_town_wide_counter": town_counter,
                             "target": "with totals <= without totals"},
    }

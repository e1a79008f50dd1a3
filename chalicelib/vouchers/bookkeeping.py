"""The DynamoDB edge of the maintained totals: the transaction actions that add a ledger entry's deltas, the hourly
job's month closings and zone rollups, and the reads behind the reports (each one Query or one GetItem, the
dashboard's two Queries a zone, whatever the size of the ledger)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.core import clock, dates
from chalicelib.vouchers import totals
from chalicelib.vouchers.models import DayTotal, MonthTotal, ZoneDayRedemptions, ZoneMonthRedemptions
from chalicelib.vouchers.totals import BOOK, MONTH_TABLE, Delta

if TYPE_CHECKING:
    from chalicelib.store.transactions import UnitOfWork

MODELS = {MONTH_TABLE: MonthTotal, totals.DAY_TABLE: DayTotal, totals.ZONE_TABLE: ZoneDayRedemptions,
          totals.ZONE_MONTH_TABLE: ZoneMonthRedemptions}


def item_for(delta: Delta) -> Any:
    return MODELS[delta.table](delta.hash_key, delta.range_key)


def update_actions(delta: Delta) -> list[Any]:
    model = MODELS[delta.table]
    return [getattr(model, name).add(value) for name, value in sorted(delta.adds.items())]


def add_totals(tx: UnitOfWork, entries: Iterable[Any]) -> list[Delta]:
    """Add the counters of the ledger entries a transaction writes: one unconditional ADD per item, named
    `totals:<table>:<key>`. Call it once per transaction with all its entries (their deltas are merged, since a
    transaction names each item once). Returns the deltas written."""
    deltas = totals.merge(d for entry in entries for d in totals.entry_deltas(entry))
    for delta in deltas:
        tx.update(item_for(delta), actions=update_actions(delta),
                  name=f"totals:{delta.table}:{delta.hash_key}:{delta.range_key}")
    return deltas


def _attributes(item: Any) -> dict[str, int]:
    return {k: int(v) for k, v in item.attribute_values.items() if isinstance(v, (int, float))}


def back_to_closing(month: str) -> tuple[str | None, dict[str, int], list[tuple[str, dict[str, int]]]]:
    """Reading backwards from the end of `month` to the latest closing of an earlier month: (that month or None,
    its counters, the (sort key, counters) of every item after it through `month`). One Query, stopped early; a
    closing of `month` itself is passed over. Bounded by the months since the last closing, not by the years."""
    after: list[tuple[str, dict[str, int]]] = []
    for item in MonthTotal.query(BOOK, MonthTotal.key < f"{month}#~", scan_index_forward=False,
                                 consistent_read=True):
        if totals.is_closing(item.key):
            if item.key[:7] < month:
                return item.key[:7], _attributes(item), after
            continue
        after.append((item.key, _attributes(item)))
    return None, {}, after


def liability_inputs(month: str) -> tuple[dict[str, int], list[dict[str, int]]]:
    """(counters through the end of the month before `month`, the items of `month`). One Query: the previous
    month's closing sorts right before the month's own items. Only when that month is not closed yet (the hour
    after a month ends, or a deployment whose job has not run) does it read back
    to the latest closing."""
    before = totals.closing_key(dates.month_before(month))
    items = [(i.key, _attributes(i)) for i in MonthTotal.query(
        BOOK, MonthTotal.key.between(before, f"{month}#~"), consistent_read=True)]
    if items and items[0][0] == before:
        return items[0][1], [item for key, item in items[1:] if not totals.is_closing(key)]
    _, closing, after = back_to_closing(month)
    earlier = [item for key, item in after if key[:7] < month]
    return totals.add_up([closing, *earlier]), [item for key, item in after if key[:7] == month]


def close_months(before: str) -> list[str]:
    """Write the closing of every month before `before` not closed yet (the hourly job; a month is over, so its
    items no longer change), and every known zone's rollup of those months. Returns the months closed."""
    last = dates.month_before(before)
    try:
        MonthTotal.get(BOOK, totals.closing_key(last))
        return []  # the usual hour: last month is closed already (one GetItem)
    except DoesNotExist:
        pass
    closed, closing, after = back_to_closing(before)
    if closed == last:
        return []
    earlier = [(k, i) for k, i in after if k[:7] <= last]
    # Nothing booked before `before` yet (a new deployment): an empty closing of last month all the same, so a
    # report of this month finds its opening in its one Query.
    first = dates.month_after(closed) if closed else min((k[:7] for k, _ in earlier), default=last)
    chain = totals.closings(closing, first, last, earlier)
    write_rollups(known_zones(), first, last)  # before the closings, which mark the months done
    for month, counters in chain.items():
        item = MonthTotal(BOOK, totals.closing_key(month))
        for name, value in counters.items():
            setattr(item, name, value)
        item.save()  # the same value however often it is written: a repeated or concurrent run is harmless
    return list(chain)


def known_zones() -> set[str]:
    """The town's zones (the dashboard's) and the zones its shops are in: one Scan of a handful of zones, one
    Query of the shop index."""
    from chalicelib.footfall.models import Zone
    from chalicelib.vouchers.retailers import list_retailers

    return {z.zone_id for z in Zone.scan()} | {r.zone for r in list_retailers() if r.zone}


def write_rollups(zones: Iterable[str], first: str, last: str) -> None:
    """Each zone's rollup of every month in [first, last] (months that are over), empty months too, so that the
    dashboard finds one for every closed month: one Query of the zone's retailer items and one PutItem a month."""
    months = dates.months_between(first, last)
    for zone in sorted(zones):
        by_month: dict[str, list[dict[str, int]]] = {}
        for month, counters in _retailer_months(zone, first, last):
            by_month.setdefault(month, []).append(counters)
        for month in months:
            # The same value however often it is written: a repeated or concurrent run is harmless.
            ZoneMonthRedemptions(zone, totals.rollup_key(month), days=totals.pack_days(by_month.get(month, []))).save()


def roll_up_month_so_far(at: datetime) -> int:
    """Each known zone's rollup of the month of `at` (Berlin) through the day before: the days that are over (the
    job passes an hour ago, so no transaction stamped with such a day is still in flight). Hourly, the same value
    all day; it never replaces the rollup of a closed month (a late run racing the closing). Returns `through`."""
    local = at.astimezone(clock.BERLIN)
    month, through = local.strftime("%Y-%m"), local.day - 1
    if through < 1:
        return 0
    for zone in sorted(known_zones()):
        items = [counters for _, counters in _retailer_months(zone, month, month)]
        rollup = ZoneMonthRedemptions(zone, totals.rollup_key(month), days=totals.pack_days(items, through),
                                      through=through)
        try:
            rollup.save(condition=ZoneMonthRedemptions.month_retailer.does_not_exist()
                        | ZoneMonthRedemptions.through.exists())
        except PutError as err:
            if err.cause_response_code != "ConditionalCheckFailedException":
                raise
    return through


def day_items(day: str) -> list[dict[str, int]]:
    """Every shop's and voucher shard's counters of one Berlin day (YYYY-MM-DD): one Query."""
    return [_attributes(i) for i in DayTotal.query(day)]


def retailer_months(month: str) -> dict[str, dict[str, int]]:
    """retailer_id -> counters of `month`: one Query."""
    prefix = f"{month}#r#"
    return {i.key[len(prefix):]: _attributes(i) for i in MonthTotal.query(
        BOOK, MonthTotal.key.startswith(prefix))}


def retailer_month(month: str, retailer_id: str) -> dict[str, int]:
    try:
        return _attributes(MonthTotal.get(BOOK, totals.retailer_key(month, retailer_id)))
    except DoesNotExist:
        return {}


def zone_days(zone: str, first_day: str, last_day: str) -> list[tuple[str, dict[str, int]]]:
    """(UTC day, counters) of every retailer's zone-day item in [first_day, last_day]: one Query."""
    items = ZoneDayRedemptions.query(zone, ZoneDayRedemptions.day_retailer.between(first_day, f"{last_day}#~"))
    return [(i.day_retailer.split("#", 1)[0], _attributes(i)) for i in items]


def _retailer_months(zone: str, first_month: str, last_month: str) -> list[tuple[str, dict[str, int]]]:
    """(Berlin month, counters) of every retailer's zone-month item in [first_month, last_month]: one Query (the
    rollups' keys sort after all of them)."""
    items = ZoneMonthRedemptions.query(
        zone, ZoneMonthRedemptions.month_retailer.between(first_month, f"{last_month}#~"))
    return [(i.month_retailer.split("#", 1)[0], _attributes(i)) for i in items]


def zone_months(zone: str, first_month: str, last_month: str) -> list[tuple[str, dict[str, int]]]:
    """(Berlin month, day counters) of the zone's redemptions in [first_month, last_month]: the rollups (one
    Query), then the retailer items from the first month without a whole-month rollup on (one Query). Usually that
    is the running month, rolled up through yesterday, so only today's cells are read. Two requests, however many
    shops, years or redemptions."""
    rollups: dict[str, tuple[dict[str, int], int]] = {}  # month -> (counters, the last day it holds)
    for i in ZoneMonthRedemptions.query(zone, ZoneMonthRedemptions.month_retailer.between(
            totals.rollup_key(first_month), totals.rollup_key(last_month))):
        rollups[i.month_retailer[len(totals.ROLLUP):]] = (totals.unpack_days(i.days or ""),
                                                          31 if i.through is None else int(i.through))
    out = [(month, counters) for month, (counters, _) in rollups.items()]
    pending = [m for m in dates.months_between(first_month, last_month) if rollups.get(m, ({}, 0))[1] < 31]
    if not pending:
        return out
    since = pending[0]
    held = {month: through for month, (_, through) in rollups.items()}
    wanted = None
    if since == last_month and since in held:  # the running month: only the days its rollup does not hold yet
        wanted = ["month_retailer", *totals.days_after(held[since])]
    items = ZoneMonthRedemptions.query(zone, ZoneMonthRedemptions.month_retailer.between(since, f"{last_month}#~"),
                                       attributes_to_get=wanted)
    for item in items:
        month, after = item.month_retailer[:7], held.get(item.month_retailer[:7], 0)
        if after < 31:
            out.append((month, {k: v for k, v in _attributes(item).items() if int(k[1:]) > after}))
    return out

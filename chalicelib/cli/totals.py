"""`marktplatz totals check|rebuild`: recompute the maintained totals from the ledger and compare, or repair.

Runs against the DynamoDB the environment configures (settings), like `import_command`, with the operator's
credentials, not the Lambda role: it reads whole tables, which no request path may do. `check` reports every
difference (exit code 1 if there is one), month closings and the dashboard's zone rollups included; `rebuild`
writes the recomputed items over the stored ones, deletes items the ledger does not explain and writes the zone
rollups of closed months that are missing. `rebuild` is also the migration for a deployment whose ledger predates
the totals: it fills the totals, lists every retailer in the shop index and marks unexpired vouchers for the expiry
job. Run `rebuild` when no till is redeeming (at night): a redemption between the read and the write would be
overwritten; `check` afterwards says whether it was quiet.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chalicelib.core import dates
from chalicelib.vouchers import bookkeeping, totals
from chalicelib.vouchers.totals import Delta

ItemKey = tuple[str, str, str]  # (table, hash key, range key)
Counters = dict[str, Any]  # counter -> int; a zone rollup's "days" -> its packed string


def expected_totals(entries: Iterable[Any], terms: dict[str, totals.Terms], closed: tuple[str, str] | None = None,
                    zones: Iterable[str] = (), so_far: dict[ItemKey, int] | None = None) -> dict[ItemKey, Counters]:
    """The totals a full recomputation from the ledger gives, through the same mapping as the live writes, with a
    closing for every month of `closed` (first, last: the months the job has closed; the first may precede any
    booking, an empty closing) and, for those months, the rollups of `zones` and of every zone with redemptions;
    `so_far` names the running month's rollups and the day each holds through."""
    deltas = (d for e in entries for d in totals.entry_deltas(e, terms.get(e.voucher_id)))
    out: dict[ItemKey, Counters] = {(d.table, d.hash_key, d.range_key): d.adds for d in totals.merge(deltas)}
    months = [(k[2], v) for k, v in out.items() if k[:2] == (totals.MONTH_TABLE, totals.BOOK)]
    if closed:
        first = min([closed[0], *(key[:7] for key, _ in months)])
        for month, counters in totals.closings({}, first, closed[1], months).items():
            out[(totals.MONTH_TABLE, totals.BOOK, totals.closing_key(month))] = counters
        out.update(expected_rollups(out, first, closed[1], zones))
    for (table, zone, key), through in (so_far or {}).items():
        if closed and key[len(totals.ROLLUP):] <= closed[1]:
            continue  # a closed month's rollup holds the whole month
        items = [v for (t, z, k), v in out.items() if t == table and z == zone and k[:7] == key[len(totals.ROLLUP):]]
        out[(table, zone, key)] = {"days": totals.pack_days(items, through), "through": through}
    return out


def expected_rollups(items: dict[ItemKey, Counters], first: str, last: str,
                     zones: Iterable[str]) -> dict[ItemKey, Counters]:
    """What the job writes when it closes [first, last]: per zone and month, its retailer items' cells packed."""
    by_zone_month: dict[tuple[str, str], list[Counters]] = {}
    for (table, zone, key), counters in items.items():
        if table == totals.ZONE_MONTH_TABLE and not totals.is_rollup(key):
            by_zone_month.setdefault((zone, key[:7]), []).append(counters)
    every_zone = set(zones) | {zone for zone, _ in by_zone_month}
    return {(totals.ZONE_MONTH_TABLE, zone, totals.rollup_key(month)):
            {"days": totals.pack_days(by_zone_month.get((zone, month), []))}
            for zone in every_zone for month in dates.months_between(first, last)}


def closed_months(stored: dict[ItemKey, Counters]) -> tuple[str, str] | None:
    """(first, last) month with a stored closing."""
    months = [k[2][:7] for k in stored if k[:2] == (totals.MONTH_TABLE, totals.BOOK) and totals.is_closing(k[2])]
    return (min(months), max(months)) if months else None


def stored_totals() -> dict[ItemKey, Counters]:
    from chalicelib.vouchers.models import DayTotal, MonthTotal, ZoneDayRedemptions, ZoneMonthRedemptions

    out: dict[ItemKey, Counters] = {}
    for item in MonthTotal.scan(consistent_read=True):
        out[(totals.MONTH_TABLE, item.book, item.key)] = _nonzero(item)
    for item in DayTotal.scan(consistent_read=True):
        out[(totals.DAY_TABLE, item.day, item.key)] = _nonzero(item)
    for item in ZoneDayRedemptions.scan(consistent_read=True):
        out[(totals.ZONE_TABLE, item.zone, item.day_retailer)] = _nonzero(item)
    for item in ZoneMonthRedemptions.scan(consistent_read=True):
        rollup = totals.is_rollup(item.month_retailer)
        out[(totals.ZONE_MONTH_TABLE, item.zone, item.month_retailer)] = _rollup(item) if rollup else _nonzero(item)
    return out


def _rollup(item: Any) -> Counters:
    return {"days": item.days} if item.through is None else {"days": item.days, "through": int(item.through)}


def month_so_far(stored: dict[ItemKey, Counters]) -> dict[ItemKey, int]:
    """The running month's rollups (the job writes them through the last day that is over)."""
    return {k: int(v["through"]) for k, v in stored.items()
            if k[0] == totals.ZONE_MONTH_TABLE and totals.is_rollup(k[2]) and "through" in v}


def _zones(stored: dict[ItemKey, Counters]) -> set[str]:
    """The zones the job knows now, and every zone that has items (a rollup of a zone gone since stays checked)."""
    return bookkeeping.known_zones() | {k[1] for k in stored if k[0] == totals.ZONE_MONTH_TABLE}


def _nonzero(item: Any) -> dict[str, int]:
    return {k: int(v) for k, v in item.attribute_values.items() if isinstance(v, (int, float)) and v}


def missing_rollups(expected: dict[ItemKey, Counters], stored: dict[ItemKey, Counters]) -> list[ItemKey]:
    """Rollups the job has not written (a zone it did not know then, a deployment older than the rollups): not
    wrong, the dashboard reads the zone's retailer items instead, only slower. `rebuild` writes them."""
    return sorted(k for k in expected if k[0] == totals.ZONE_MONTH_TABLE and totals.is_rollup(k[2])
                  and k not in stored)


def differences(expected: dict[ItemKey, Counters], stored: dict[ItemKey, Counters]) -> list[dict[str, Any]]:
    out = []
    missing = set(missing_rollups(expected, stored))
    for key in sorted((set(expected) | set(stored)) - missing):
        want, have = expected.get(key, {}), stored.get(key, {})
        for name in sorted(set(want) | set(have)):
            if want.get(name, 0) != have.get(name, 0):
                out.append({"table": key[0], "hash_key": key[1], "range_key": key[2], "counter": name,
                            "stored": have.get(name, 0), "ledger": want.get(name, 0)})
    return out


def _ledger_and_terms() -> tuple[list[Any], dict[str, totals.Terms]]:
    from chalicelib.vouchers.models import LedgerEntry, Voucher

    terms = {v.voucher_id: totals.Terms(int(v.initial_cents), int(v.bonus_cents or 0)) for v in Voucher.scan()}
    return list(LedgerEntry.scan()), terms


def check() -> dict[str, Any]:
    entries, terms = _ledger_and_terms()
    stored = stored_totals()
    expected = expected_totals(entries, terms, closed_months(stored), _zones(stored), month_so_far(stored))
    diffs = differences(expected, stored)
    return {"ledger_entries": len(entries), "items": len(expected), "differences": diffs,
            "missing_rollups": len(missing_rollups(expected, stored))}


def rebuild() -> dict[str, Any]:
    entries, terms = _ledger_and_terms()
    stored = stored_totals()
    expected = expected_totals(entries, terms, closed_months(stored), _zones(stored), month_so_far(stored))
    diffs = differences(expected, stored)
    changed = {(d["table"], d["hash_key"], d["range_key"]) for d in diffs} | set(missing_rollups(expected, stored))
    written = deleted = 0
    for key in sorted(changed):
        item = bookkeeping.item_for(Delta(*key, {}))
        if key in expected:
            for name, value in expected[key].items():
                setattr(item, name, value)
            item.save()  # replaces the whole item: counters the ledger does not explain disappear
            written += 1
        else:
            item.delete()
            deleted += 1
    return {"ledger_entries": len(entries), "items": len(expected), "differences": diffs, "written": written,
            "deleted": deleted, **_migrate(entries)}


def _migrate(entries: list[Any]) -> dict[str, int]:
    """Markers that later code relies on, set where an older deployment's items lack them."""
    from chalicelib.vouchers.models import EXPIRY_DUE, LISTED, Retailer, Voucher

    listed = 0
    for retailer in Retailer.scan():
        if retailer.listed != LISTED:
            retailer.update(actions=[Retailer.listed.set(LISTED)])
            listed += 1
    booked = {e.voucher_id for e in entries if e.kind == "expiry"}
    marked = 0
    for voucher in Voucher.scan():
        if voucher.expiry_due is None and voucher.voucher_id not in booked and int(voucher.balance_cents) > 0:
            voucher.update(actions=[Voucher.expiry_due.set(EXPIRY_DUE)], condition=Voucher.expiry_due.does_not_exist())
            marked += 1
    return {"retailers_listed": listed, "vouchers_marked_for_expiry": marked}

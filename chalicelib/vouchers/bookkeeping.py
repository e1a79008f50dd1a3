"""The DynamoDB edge of the maintained totals: the transaction actions that add a ledger entry's deltas, and the
reads behind the reports (each one Query or one GetItem, whatever the size of the ledger)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.vouchers import totals
from chalicelib.vouchers.models import MonthTotal, ZoneDayRedemptions
from chalicelib.vouchers.totals import BOOK, MONTH_TABLE, Delta

MODELS = {MONTH_TABLE: MonthTotal, totals.ZONE_TABLE: ZoneDayRedemptions}


def item_for(delta: Delta) -> Any:
    return MODELS[delta.table](delta.hash_key, delta.range_key)


def update_actions(delta: Delta) -> list[Any]:
    model = MODELS[delta.table]
    return [getattr(model, name).add(value) for name, value in sorted(delta.adds.items())]


def add_totals(tx: Any, entries: Iterable[Any], terms: totals.Terms | None = None) -> list[Delta]:
    """Add the counters of `entries` to the transaction `tx`: one unconditional ADD per item (merged, since a
    transaction names each item once). Returns the deltas written."""
    deltas = totals.merge(d for entry in entries for d in totals.entry_deltas(entry, terms))
    for delta in deltas:
        tx.update(item_for(delta), actions=update_actions(delta))
    return deltas


def _attributes(item: Any) -> dict[str, int]:
    return {k: int(v) for k, v in item.attribute_values.items() if isinstance(v, (int, float))}


def months_up_to(month: str) -> dict[str, dict[str, int]]:
    """Every month item from the first month through `month` (sort key -> counters): one Query."""
    return {i.key: _attributes(i) for i in MonthTotal.query(BOOK, MonthTotal.key < f"{month}#~")}


def retailer_months(month: str) -> dict[str, dict[str, int]]:
    """retailer_id -> counters of `month`: one Query."""
    prefix = f"{month}#r#"
    return {i.key[len(prefix):]: _attributes(i) for i in MonthTotal.query(BOOK, MonthTotal.key.startswith(prefix))}


def retailer_month(month: str, retailer_id: str) -> dict[str, int]:
    try:
        return _attributes(MonthTotal.get(BOOK, totals.retailer_key(month, retailer_id)))
    except DoesNotExist:
        return {}


def zone_days(zone: str, first_day: str, last_day: str) -> list[tuple[str, dict[str, int]]]:
    """(UTC day, counters) of every retailer's zone-day item in [first_day, last_day]: one Query."""
    items = ZoneDayRedemptions.query(zone, ZoneDayRedemptions.day_retailer.between(first_day, f"{last_day}#~"))
    return [(i.day_retailer.split("#", 1)[0], _attributes(i)) for i in items]

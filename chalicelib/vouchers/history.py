"""A retailer's own redemptions and reversals, newest first, straight from the ledger's by-retailer index."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.core import clock
from chalicelib.core.pagination import decode_cursor, encode_cursor
from chalicelib.vouchers import views
from chalicelib.vouchers.models import LedgerEntry


def day_bounds(day: date) -> tuple[str, str]:
    start = datetime(day.year, day.month, day.day, tzinfo=clock.BERLIN)
    end = start + timedelta(days=1)
    return clock.iso_ms(start), clock.iso_ms(end)


def retailer_history(retailer_id: str, *, limit: int, cursor: str | None = None,
                     day: date | None = None) -> dict[str, Any]:
    query = f"redemptions|{retailer_id}|{day or ''}"
    condition = None
    if day:
        start, end = day_bounds(day)
        condition = LedgerEntry.created_at.between(start, end)
    result = LedgerEntry.by_retailer.query(retailer_id, range_key_condition=condition, scan_index_forward=False,
                                           limit=limit, last_evaluated_key=decode_cursor(cursor, query))
    items = []
    for entry in result:
        view = views.ledger_entry(entry)
        view["voucher_id"] = entry.voucher_id
        if entry.kind == "reversal" and entry.reverses:
            view["redemption_id"] = views.redemption_id(entry.voucher_id, entry.reverses)
        items.append(view)
    return {"items": items, "next_cursor": encode_cursor(result.last_evaluated_key, query)}

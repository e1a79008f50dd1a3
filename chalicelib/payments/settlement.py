"""settle_month: what each retailer gets for a month; and the liability report: what the city owes voucher
holders, buyer's money and bonus money apart. Both read the maintained month totals (chalicelib/vouchers/totals.py),
never the ledger: the same few requests in year ten as in month one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.core import clock, dates
from chalicelib.payments import config
from chalicelib.payments.statement import RetailerStatement, finish
from chalicelib.vouchers import bookkeeping, totals
from chalicelib.vouchers.models import Retailer
from chalicelib.vouchers.retailers import get_retailer, list_retailers


def month_bounds(month: str) -> tuple[str, str]:
    """[start, end) of a Berlin calendar month as ISO-ms UTC strings, comparable with ledger `created_at`."""
    year, mon = dates.parse_month(month)
    start = datetime(year, mon, 1, tzinfo=clock.BERLIN)
    end = datetime(*dates.next_month(year, mon), 1, tzinfo=clock.BERLIN)
    return clock.iso_ms(start), clock.iso_ms(end)


def current_month() -> str:
    return clock.now().astimezone(clock.BERLIN).strftime("%Y-%m")


def _statement(retailer: Retailer, counters: dict[str, int]) -> dict[str, Any]:
    """A retailer's month from its month item (redemptions and reversals booked in the month)."""
    statement = RetailerStatement(retailer.retailer_id, retailer.name, retailer.zone,
                                  redemptions=counters.get("redeemed_n", 0),
                                  redeemed_cents=counters.get("redeemed_cents", 0),
                                  reversals=counters.get("reversed_n", 0),
                                  reversed_cents=counters.get("reversed_cents", 0),
                                  bonus_cents=counters.get("redeemed_bonus", 0) - counters.get("reversed_bonus", 0))
    return finish(statement, config.fee_basis_points()).view()


def settle_month(month: str) -> dict[str, Any]:
    """Every retailer's month: one Query on the month totals and one on the shop list, whatever the ledger holds."""
    month_bounds(month)
    counters = bookkeeping.retailer_months(month)
    rows = [_statement(r, counters[r.retailer_id]) for r in list_retailers() if r.retailer_id in counters]
    rows = [r for r in rows if r["redemptions"] or r["reversals"]]
    totals = {k: sum(r[k] for r in rows) for k in ("redeemed_cents", "reversed_cents", "turnover_cents",
                                                   "fee_cents", "payout_cents", "bonus_cents", "buyer_money_cents")}
    return {"month": month, "fee_basis_points": config.fee_basis_points(), "retailers": rows, "totals": totals}


def retailer_statement(retailer_id: str, month: str) -> dict[str, Any]:
    """One retailer's month: two GetItems."""
    month_bounds(month)
    row = _statement(get_retailer(retailer_id), bookkeeping.retailer_month(month, retailer_id))
    return {"month": month, "fee_basis_points": config.fee_basis_points(), **row}


def liability_report(month: str | None = None) -> dict[str, Any]:
    """What the city owes voucher holders, booked by month (Europe/Berlin): the month's flows and the stocks at its
    end, buyer's and bonus money apart (default: this month). One Query, backwards from the month to the latest
    month closing."""
    month = month or current_month()
    month_bounds(month)
    report = totals.liability(month, *bookkeeping.liability_inputs(month))
    return {"as_of": clock.iso(clock.now()), **report}

"""settle_month: what each retailer gets for a month, from the ledger's by-retailer index; and the liability
report: what the city owes voucher holders, buyer's money and bonus money apart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.core import clock, dates
from chalicelib.payments import config
from chalicelib.payments.statement import RetailerStatement, add_entry, finish
from chalicelib.vouchers.models import ACTIVE, LedgerEntry, Retailer, Voucher
from chalicelib.vouchers.retailers import get_retailer, list_retailers
from chalicelib.vouchers.rules import bonus_share


def month_bounds(month: str) -> tuple[str, str]:
    """[start, end) of a Berlin calendar month as ISO-ms UTC strings, comparable with ledger `created_at`."""
    year, mon = dates.parse_month(month)
    start = datetime(year, mon, 1, tzinfo=clock.BERLIN)
    end = datetime(*dates.next_month(year, mon), 1, tzinfo=clock.BERLIN)
    return clock.iso_ms(start), clock.iso_ms(end)


def current_month() -> str:
    return clock.now().astimezone(clock.BERLIN).strftime("%Y-%m")


def _vouchers(ids: set[str]) -> dict[str, Voucher]:
    if not ids:
        return {}
    return {v.voucher_id: v for v in Voucher.batch_get(list(ids))}


def settle_retailer(retailer: Retailer, month: str) -> dict[str, Any]:
    start, end = month_bounds(month)
    # created_at < end: `between` is inclusive and the first millisecond of the next month is not ours.
    entries = [e for e in LedgerEntry.by_retailer.query(retailer.retailer_id,
                                                        range_key_condition=LedgerEntry.created_at.between(start, end))
               if e.created_at < end and e.kind in ("redemption", "reversal")]
    vouchers = _vouchers({e.voucher_id for e in entries})
    statement = RetailerStatement(retailer.retailer_id, retailer.name, retailer.zone)
    for entry in entries:
        voucher = vouchers.get(entry.voucher_id)
        bonus = int(voucher.bonus_cents or 0) if voucher else 0
        initial = int(voucher.initial_cents) if voucher else 1
        add_entry(statement, entry.kind, int(entry.amount_cents), bonus, initial)
    return finish(statement, config.fee_basis_points()).view()


def settle_month(month: str) -> dict[str, Any]:
    rows = [settle_retailer(r, month) for r in list_retailers()]
    rows = [r for r in rows if r["redemptions"] or r["reversals"]]
    totals = {k: sum(r[k] for r in rows) for k in ("redeemed_cents", "reversed_cents", "turnover_cents",
                                                   "fee_cents", "payout_cents", "bonus_cents", "buyer_money_cents")}
    return {"month": month, "fee_basis_points": config.fee_basis_points(), "retailers": rows, "totals": totals}


def retailer_statement(retailer_id: str, month: str) -> dict[str, Any]:
    row = settle_retailer(get_retailer(retailer_id), month)
    return {"month": month, "fee_basis_points": config.fee_basis_points(), **row}


def _split(amount: int, voucher: Voucher) -> tuple[int, int]:
    bonus = bonus_share(amount, int(voucher.bonus_cents or 0), int(voucher.initial_cents))
    return amount - bonus, bonus


def liability_report() -> dict[str, Any]:
    """Scans vouchers and ledger (an admin report, run rarely): sold, redeemed, refunded, and where the rest is."""
    buckets = {k: {"count": 0, "paid_cents": 0, "bonus_cents": 0}
               for k in ("sold", "redeemed", "refunded", "outstanding", "expired", "blocked")}

    def add(bucket: str, amount: int, voucher: Voucher, count: bool = True) -> None:
        paid, bonus = _split(amount, voucher)
        b = buckets[bucket]
        b["count"] += 1 if count else 0
        b["paid_cents"] += paid
        b["bonus_cents"] += bonus

    vouchers = {v.voucher_id: v for v in Voucher.scan()}
    now_epoch = int(clock.now().timestamp())
    for v in vouchers.values():
        if not v.replaces:  # a re-issued voucher carries over money already counted as sold
            add("sold", int(v.initial_cents), v)
        balance = int(v.balance_cents)
        if v.status != ACTIVE:
            if balance:
                add("blocked", balance, v)
        elif int(v.expires_at) <= now_epoch:
            add("expired", balance, v)
        elif balance:
            add("outstanding", balance, v)
    redeemed: dict[str, int] = {}
    refunded: dict[str, int] = {}
    for e in LedgerEntry.scan():
        if e.kind in ("redemption", "reversal"):
            redeemed[e.voucher_id] = redeemed.get(e.voucher_id, 0) - int(e.amount_cents)
        elif e.kind == "refund":
            refunded[e.voucher_id] = refunded.get(e.voucher_id, 0) - int(e.amount_cents)
    for bucket, sums in (("redeemed", redeemed), ("refunded", refunded)):
        for voucher_id, amount in sums.items():
            if voucher_id in vouchers and amount:
                add(bucket, amount, vouchers[voucher_id])
    for b in buckets.values():
        b["total_cents"] = b["paid_cents"] + b["bonus_cents"]
    return {"as_of": clock.iso(clock.now()), **buckets}

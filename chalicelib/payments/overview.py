"""The back office's overview figures: sales and redemptions today and this month, outstanding liability, open
refunds and disputes.

Until the maintained aggregates land (issue 13), this reads orders with one filtered scan and the ledger per
retailer: fine for a town's admin page opened a few times a day, and replaced by the aggregates' reads later.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.core import clock
from chalicelib.payments.models import PAID, PARTIALLY_REFUNDED, REFUNDED, Order
from chalicelib.payments.settlement import liability_report, month_bounds
from chalicelib.vouchers.models import LedgerEntry
from chalicelib.vouchers.retailers import list_retailers


def overview() -> dict[str, Any]:
    now = clock.now().astimezone(clock.BERLIN)
    month = now.strftime("%Y-%m")
    month_start, month_end = month_bounds(month)
    today_start = clock.iso_ms(datetime(now.year, now.month, now.day, tzinfo=clock.BERLIN))
    sales = {"today": {"orders": 0, "cents": 0}, "month": {"orders": 0, "cents": 0}}
    open_disputes = 0
    for order in Order.scan(Order.created_at >= month_start, attributes_to_get=[
            "order_id", "status", "total_cents", "paid_at", "created_at", "disputed"]):
        if order.disputed:
            open_disputes += 1
        if order.status in (PAID, REFUNDED, PARTIALLY_REFUNDED) and order.paid_at and order.paid_at >= month_start:
            for bucket in ("month",) + (("today",) if order.paid_at >= today_start else ()):
                sales[bucket]["orders"] += 1
                sales[bucket]["cents"] += int(order.total_cents)
    redemptions = {"today": {"count": 0, "cents": 0}, "month": {"count": 0, "cents": 0}}
    for retailer in list_retailers():
        for entry in LedgerEntry.by_retailer.query(retailer.retailer_id,
                                                   range_key_condition=LedgerEntry.created_at >= month_start):
            if entry.created_at >= month_end or entry.kind not in ("redemption", "reversal"):
                continue
            for bucket in ("month",) + (("today",) if entry.created_at >= today_start else ()):
                redemptions[bucket]["count"] += 1 if entry.kind == "redemption" else -1
                redemptions[bucket]["cents"] -= int(entry.amount_cents)
    liability = liability_report()
    refunds_due = sum(1 for _ in Order.with_refund_due.query("due"))
    return {"as_of": clock.iso(clock.now()), "month": month, "sales": sales, "redemptions": redemptions,
            "outstanding_cents": liability["outstanding"]["total_cents"],
            "outstanding_vouchers": liability["outstanding"]["count"], "open_refunds": refunds_due,
            "open_disputes": open_disputes}

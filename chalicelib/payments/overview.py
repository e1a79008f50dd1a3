"""The back office's overview figures: vouchers sold and redemptions today and this month, outstanding liability,
open refunds and disputes.

Five Queries whatever the data holds: the month's liability, today's day items of the maintained totals, and three
counts on sparse order indexes (refunds due, refunds failed, open disputes).
"""

from __future__ import annotations

from typing import Any

from chalicelib.core import clock
from chalicelib.payments.models import DISPUTE_OPEN, REFUND_DUE, REFUND_FAILED, Order
from chalicelib.vouchers import bookkeeping, totals


def overview() -> dict[str, Any]:
    now = clock.now().astimezone(clock.BERLIN)
    month = now.strftime("%Y-%m")
    liability = totals.liability(month, *bookkeeping.liability_inputs(month))
    today = totals.day_figures(bookkeeping.day_items(now.strftime("%Y-%m-%d")))
    redeemed = liability["redeemed"]
    return {
        "as_of": clock.iso(clock.now()), "month": month,
        "sales": {"today": today["sold"],
                  "month": {"count": liability["sold"]["count"], "cents": liability["sold"]["total_cents"]}},
        "redemptions": {"today": today["redeemed"],
                        "month": {"count": redeemed["count"], "cents": redeemed["total_cents"]}},
        "outstanding_cents": liability["outstanding"]["total_cents"],
        "outstanding_vouchers": liability["outstanding"]["count"],
        "blocked_cents": liability["blocked"]["total_cents"],
        "open_refunds": Order.with_refund_due.count(REFUND_DUE),
        "failed_refunds": Order.with_refund_due.count(REFUND_FAILED),
        "open_disputes": Order.with_open_dispute.count(DISPUTE_OPEN),
    }

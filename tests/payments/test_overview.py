"""The back office's Übersicht: today's and this month's figures come from the maintained totals and sparse order
indexes, in the same few requests however much the town has sold."""

from __future__ import annotations

from typing import Any

from devstack.ddb_calls import count_dynamodb_calls
from tests.conftest import ADMIN_TOKEN
from tests.payments.conftest import Shop


def _overview(shop: Shop) -> dict[str, Any]:
    return shop.api.json("GET", "/api/v1/overview", token=ADMIN_TOKEN, expect=200)


def _change(after: dict[str, Any], before: dict[str, Any], *path: str) -> int:
    a, b = after, before
    for name in path:
        a, b = a[name], b[name]
    return a - b


def test_overview_counts_sales_redemptions_liability_and_open_disputes(shop: Shop) -> None:
    before = _overview(shop)
    bought = shop.status(shop.paid_order(2000, 2))["vouchers"]
    disputed = shop.paid_order(1000, 1)
    key = shop.api.retailer()["api_key"]
    assert shop.api.redeem(key, bought[0]["token"], 1250).status_code == 201
    assert shop.deliver(shop.charge_event(disputed, "charge.dispute.created")).status_code == 200
    after = _overview(shop)
    for period in ("today", "month"):
        assert _change(after, before, "sales", period, "count") == 3
        assert _change(after, before, "sales", period, "cents") == 5000
        assert _change(after, before, "redemptions", period, "count") == 1
        assert _change(after, before, "redemptions", period, "cents") == 1250
    assert _change(after, before, "outstanding_cents") == 4000 - 1250  # the disputed voucher's money is blocked
    assert _change(after, before, "blocked_cents") == 1000
    assert _change(after, before, "open_disputes") == 1
    assert shop.deliver(shop.dispute_closed(disputed, "won", 1000)).status_code == 200
    closed = _overview(shop)
    assert _change(closed, before, "open_disputes") == 0
    assert _change(closed, before, "blocked_cents") == 0
    assert _change(closed, before, "outstanding_cents") == 5000 - 1250


def test_overview_reads_the_same_few_requests_however_much_was_sold(shop: Shop) -> None:
    from chalicelib.payments.overview import overview

    # What the hourly job has done: last month's closing is in place (run as Lambda runs it, with its role).
    client = shop.api.client
    client.lambda_.invoke("voucher_bookkeeping", client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
    with count_dynamodb_calls() as calls:
        overview()
    first = dict(calls.by_operation())
    shop.paid_order(1000, 3)
    with count_dynamodb_calls() as calls:
        overview()
    assert dict(calls.by_operation()) == first
    assert first == {"Query": 5}  # the month's totals, today's, refunds due, refunds failed, open disputes

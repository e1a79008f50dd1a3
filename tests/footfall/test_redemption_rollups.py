"""The dashboard's redemption series over closed months: the hourly job's month closing writes, per zone, one
rollup item per month (the day cells of all the zone's shops, packed); the reader takes the rollups and only the
running month's shop items. The series is the same either way, and a zone's year costs two Queries."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.cli import totals as recompute
from chalicelib.core import clock
from chalicelib.vouchers import totals
from tests.conftest import ADMIN_TOKEN
from tests.footfall.conftest import Footfall


def _month(at: datetime) -> str:
    return at.astimezone(clock.BERLIN).strftime("%Y-%m")


def _first_of_month(at: datetime) -> datetime:
    return at.astimezone(clock.BERLIN).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _series(zone: str, start: datetime, end: datetime) -> list[tuple[Any, ...]]:
    from chalicelib.footfall import sources

    return sorted(tuple(r) for r in sources.redemptions(zone, start, end, "day"))


def test_closed_months_are_read_from_the_zone_rollups(ff: Footfall, own_tables: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.vouchers.models import ZoneMonthRedemptions
    from devstack.ddb_calls import count_dynamodb_calls

    api = ff.api
    busy, quiet = ff.zone(), ff.zone()  # a zone without a single redemption gets its (empty) rollups too
    keys = [api.retailer(zone=busy, name=f"Laden {i}")["api_key"] for i in range(3)]
    [voucher] = api.vouchers(20_000, 1)
    start = _first_of_month(clock.now())
    months = []
    for m in range(3):
        months.append(_month(clock.now()))
        for i, key in enumerate(keys[: m + 1]):
            r = api.redeem(key, voucher["token"], 100 * (m + 1) + i)
            assert r.status_code == 201
        if m == 1:  # a storno counts too (minus one redemption, in its own hour)
            rid = r.json_body["redemption_id"]
            api.json("POST", f"/api/v1/redemptions/{rid}/reversal", token=ADMIN_TOKEN, expect=201)
        if m < 2:
            clock.shift((_first_of_month(clock.now() + timedelta(days=32)) + timedelta(days=9, hours=12) - clock.now())
                        .total_seconds())  # noon on the 10th of the next month
    end = _first_of_month(clock.now() + timedelta(days=32))  # the running month is the view's last
    unclosed = _series(busy, start, end)
    assert sum(n for _, n, _ in unclosed) == 1 + 2 - 1 + 3 and _series(quiet, start, end) == []

    job = _hourly_job(api)  # noon on the 10th: the first two months are over, and nine days of the third
    assert (job["months_closed"], job["days_rolled_up"]) == (months[:2], 9)
    rollups = _rollups(busy, quiet)
    assert set(rollups) == {(z, f"all#{m}") for z in (busy, quiet) for m in months}
    assert rollups[(quiet, f"all#{months[0]}")] == (";" * 30, None)
    assert rollups[(busy, f"all#{months[2]}")] == (";" * 30, 9)  # the 10th is not over
    job = _hourly_job(api)  # an hour later: nothing to close, the same rollups
    assert (job["months_closed"], job["days_rolled_up"], _rollups(busy, quiet)) == ([], 9, rollups)

    read: list[tuple[str, list[str] | None]] = []  # (first month of the shop items' Query, attributes asked)
    query = ZoneMonthRedemptions.query

    def recorded(zone: str, condition: Any, **kwargs: Any) -> Any:
        if "all#" not in str(condition):
            read.append((str(condition).split("'S': '")[1][:7], kwargs.get("attributes_to_get")))
        return query(zone, condition, **kwargs)

    monkeypatch.setattr(ZoneMonthRedemptions, "query", recorded)
    with count_dynamodb_calls() as calls:
        assert _series(busy, start, end) == unclosed
    assert list(calls) == ["Query", "Query"]
    assert read == [(months[2], ["month_retailer", *totals.days_after(9)])]  # today's cells of the running month

    clock.shift(2 * 86400)
    assert api.redeem(keys[0], voucher["token"], 999).status_code == 201  # the 12th
    assert _hourly_job(api)["days_rolled_up"] == 11
    unclosed = _series(busy, start, end)
    read.clear()
    with count_dynamodb_calls() as calls:
        assert _series(busy, start, end) == unclosed
    assert sum(n for _, n, _ in unclosed) == 6 and list(calls) == ["Query", "Query"]
    assert read == [(months[2], ["month_retailer", *totals.days_after(11)])]
    assert recompute.check()["differences"] == []

    # A late run of an earlier day cannot turn a closed month's rollup back into one of a month so far.
    before = _rollups(busy, quiet)
    clock.shift((datetime.fromisoformat(f"{months[1]}-20T12:00:00+01:00") - clock.now()).total_seconds())
    assert _hourly_job(api)["days_rolled_up"] == 19 and _rollups(busy, quiet) == before

    # A month without a rollup (a zone the job did not know then) is read from the shop items, from that month on.
    ZoneMonthRedemptions(busy, f"all#{months[1]}").delete()
    read.clear()
    assert _series(busy, start, end) == unclosed and read == [(months[1], None)]
    checked = recompute.check()
    assert checked["differences"] == [] and checked["missing_rollups"] == 1
    assert recompute.rebuild()["written"] == 1  # the migration writes what is missing
    assert recompute.check()["missing_rollups"] == 0
    read.clear()
    assert _series(busy, start, end) == unclosed and read[0][0] == months[2]


def _hourly_job(api: Any) -> dict[str, Any]:
    """The scheduled voucher bookkeeping, invoked as Lambda runs it."""
    event = api.client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                resources=[])
    return dict(api.client.lambda_.invoke("voucher_bookkeeping", event).payload)


def _rollups(*zones: str) -> dict[tuple[str, str], tuple[str, int | None]]:
    from chalicelib.vouchers.models import ZoneMonthRedemptions

    return {(i.zone, i.month_retailer): (i.days, None if i.through is None else int(i.through)) for z in zones
            for i in ZoneMonthRedemptions.query(z, ZoneMonthRedemptions.month_retailer.startswith("all#"))}

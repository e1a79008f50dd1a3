"""The one mapping from ledger entries to the maintained totals, and the liability arithmetic on top (pure, no I/O)."""

from __future__ import annotations

from typing import Any, NamedTuple

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.vouchers import totals
from chalicelib.vouchers.totals import Terms, entry_deltas, merge


class E(NamedTuple):
    voucher_id: str
    kind: str
    amount_cents: int
    created_at: str
    retailer_id: str | None = None
    zone: str | None = None
    paid_cents: int | None = None
    bonus_cents: int | None = None
    from_status: str | None = None


def test_a_redemption_touches_only_its_own_shops_items() -> None:
    entry = E("v1", "redemption", -999, "2029-01-31T22:30:00.000Z", "ret_a", "markt", -832, -167)
    month, today, zone_hour, zone_day = entry_deltas(entry)
    # 22:30 UTC on 31 January is 23:30 in Billerbeck: January's settlement and day, the UTC hour 22.
    assert month == totals.Delta("month", "town", "2029-01#r#ret_a",
                                 {"redeemed_n": 1, "redeemed_cents": 999, "redeemed_bonus": 167})
    assert today == totals.Delta("day", "2029-01-31", "r#ret_a", {"rn": 1, "rc": 999})  # the Berlin day
    assert zone_hour == totals.Delta("zone_day", "markt", "2029-01-31#ret_a", {"n22": 1, "c22": 999})
    assert zone_day == totals.Delta("zone_month", "markt", "2029-01#ret_a", {"n31": 1, "c31": 999})
    other_shop = entry_deltas(entry._replace(retailer_id="ret_b"))
    assert not {(d.table, d.hash_key, d.range_key) for d in other_shop} & {(d.table, d.hash_key, d.range_key)
                                                                           for d in (month, zone_hour, zone_day)}
    february = E("v1", "redemption", -100, "2029-01-31T23:30:00.000Z", "ret_a", "markt")
    assert entry_deltas(february)[0].range_key == "2029-02#r#ret_a"


def test_older_entries_without_their_own_split_are_split_by_the_vouchers_terms() -> None:
    old = E("v1", "reversal", 601, "2029-01-12T11:00:00.000Z", "ret_a", "markt")
    [month, today, zone_hour, zone_day] = entry_deltas(old, Terms(initial_cents=6000, bonus_cents=1000))
    assert month.adds == {"reversed_n": 1, "reversed_cents": 601, "reversed_bonus": 100}  # 100.17 -> 100
    assert today.adds == {"rn": -1, "rc": -601}
    assert zone_hour.adds == {"n11": -1, "c11": -601} and zone_day.adds == {"n12": -1, "c12": -601}


def test_voucher_events_spread_over_shards_and_merge_into_one_action_per_item() -> None:
    issues = [E(f"v{i}", "issue", 5000, "2029-03-01T10:00:00.000Z", paid_cents=5000, bonus_cents=0)
              for i in range(200)]
    deltas = [d for e in issues for d in entry_deltas(e) if d.table == totals.MONTH_TABLE]
    merged = merge(deltas)
    assert len({d.range_key for d in deltas}) == totals.SHARDS  # crc32 spreads 200 ids over every shard
    assert len(merged) == totals.SHARDS
    assert sum(d.adds["sold_cents"] for d in merged) == 200 * 5000
    assert merge([*entry_deltas(issues[0]), *entry_deltas(issues[0]._replace(amount_cents=-5000, paid_cents=-5000,
                                                                             kind="issue"))])[0].adds["sold_n"] == 2


def test_status_changes_carry_the_money_they_hold_and_unknown_kinds_count_nothing() -> None:
    block = E("v1", "block", 0, "2029-03-02T10:00:00.000Z", paid_cents=3000, bonus_cents=300)
    assert entry_deltas(block)[0].adds == {"blocked_n": 1, "blocked_cents": 3300, "blocked_bonus": 300}
    expired = E("v1", "expiry", -3300, "2029-03-02T10:00:00.000Z", paid_cents=-3000, bonus_cents=-300,
                from_status="blocked")
    assert set(entry_deltas(expired)[0].adds) == {"expired_blocked_n", "expired_blocked_cents",
                                                  "expired_blocked_bonus"}
    assert entry_deltas(E("v1", "reissue_in", 3300, "2029-03-02T10:00:00.000Z", paid_cents=3000,
                          bonus_cents=300)) == []


def _items(entries: list[E]) -> dict[str, dict[str, Any]]:
    return {d.range_key: d.adds for d in merge(d for e in entries for d in entry_deltas(e))
            if d.table == totals.MONTH_TABLE}


def _report(month: str, items: dict[str, dict[str, Any]], closed_through: str | None = None) -> dict[str, Any]:
    """As the reader does it: the latest closing before the month (if any), the months after it, the month."""
    chain = totals.closings({}, min(k[:7] for k in items), closed_through, items.items()) if closed_through else {}
    opening = totals.add_up([chain.get(closed_through, {}) if closed_through and closed_through < month else {},
                             *(v for k, v in items.items() if (closed_through or "") < k[:7] < month)])
    return totals.liability(month, opening, [v for k, v in items.items() if k[:7] == month])


def test_liability_moves_money_between_flows_and_stocks() -> None:
    jan, feb = "2029-01-15T10:00:00.000Z", "2029-02-15T10:00:00.000Z"
    entries = [
        E("a", "issue", 4400, jan, paid_cents=4000, bonus_cents=400),
        E("b", "issue", 4400, jan, paid_cents=4000, bonus_cents=400),
        E("a", "redemption", -1100, jan, "r1", "markt", -1000, -100),
        E("a", "block", 0, feb, paid_cents=3000, bonus_cents=300),
        E("b", "refund", -4400, feb, paid_cents=-4000, bonus_cents=-400),
        E("a", "reissue_out", -3300, feb, paid_cents=-3000, bonus_cents=-300),
        E("c", "reissue_in", 3300, feb, paid_cents=3000, bonus_cents=300),
        E("c", "expiry", -3300, feb.replace("-15", "-20"), paid_cents=-3000, bonus_cents=-300),
    ]
    january = _report("2029-01", _items(entries))
    assert january["sold"] == {"count": 2, "paid_cents": 8000, "bonus_cents": 800, "total_cents": 8800}
    assert january["redeemed"] == {"count": 1, "paid_cents": 1000, "bonus_cents": 100, "total_cents": 1100}
    assert january["outstanding"] == {"count": 2, "paid_cents": 7000, "bonus_cents": 700, "total_cents": 7700}
    february = _report("2029-02", _items(entries))
    assert _report("2029-02", _items(entries), closed_through="2029-01") == february
    assert february["opening"]["outstanding"] == january["outstanding"]
    assert february["sold"]["count"] == 0 and february["refunded"]["total_cents"] == 4400
    assert february["expired"] == {"count": 1, "paid_cents": 3000, "bonus_cents": 300, "total_cents": 3300}
    assert february["blocked"] == {"count": 0, "paid_cents": 0, "bonus_cents": 0, "total_cents": 0}
    assert february["outstanding"] == {"count": 0, "paid_cents": 0, "bonus_cents": 0, "total_cents": 0}


@given(st.lists(st.tuples(st.sampled_from(["issue", "redemption", "reversal", "refund", "expiry"]),
                          st.integers(1, 10_000), st.integers(0, 3), st.integers(1, 12)), max_size=60))
def test_every_euro_is_somewhere(moves: list[tuple[str, int, int, int]]) -> None:
    """Whatever happened: sold = redeemed (net) + refunded + expired + outstanding + blocked, paid and bonus alike."""
    entries = []
    for kind, amount, bonus_tenths, month in moves:
        bonus = amount * bonus_tenths // 10
        sign = 1 if kind in ("issue", "reversal") else -1
        entries.append(E(f"v{amount}", kind, sign * amount, f"2029-{month:02d}-10T10:00:00.000Z", "r1", "markt",
                         sign * (amount - bonus), sign * bonus))
    items = _items(entries)
    report = _report("2029-12", items)
    assert _report("2029-12", items, closed_through="2029-07") == report if items else True
    every_month = [_report(f"2029-{m:02d}", items) for m in range(1, 13)]
    for measure in ("paid_cents", "bonus_cents"):
        sold = sum(m["sold"][measure] for m in every_month)
        gone = sum(m["redeemed"][measure] + m["refunded"][measure] + m["expired"][measure] for m in every_month)
        assert sold == gone + report["outstanding"][measure] + report["blocked"][measure]


def test_money_taken_from_or_credited_to_a_blocked_voucher_moves_the_blocked_stock() -> None:
    at = "2029-03-02T10:00:00.000Z"
    refund = E("v1", "refund", -3300, at, paid_cents=-3000, bonus_cents=-300, from_status="blocked")
    assert entry_deltas(refund)[0].adds == {"refunded_blocked_n": 1, "refunded_blocked_cents": 3300,
                                            "refunded_blocked_bonus": 300}
    reversal = E("v1", "reversal", 500, at, "ret_a", "markt", 450, 50, from_status="blocked")
    shop, today, hour, day, frozen = entry_deltas(reversal)
    assert shop.adds == {"reversed_n": 1, "reversed_cents": 500, "reversed_bonus": 50}  # the shop's settlement
    assert today.adds == {"rn": -1, "rc": -500}
    assert (hour.adds, day.adds) == ({"n10": -1, "c10": -500}, {"n02": -1, "c02": -500})
    assert frozen == totals.Delta("month", "town", totals.voucher_key("2029-03", "v1"), {
        "reversed_blocked_n": 1, "reversed_blocked_cents": 500, "reversed_blocked_bonus": 50})
    for kind, sign in (("reissue_out", -1), ("reissue_in", 1)):  # a reversal forwarded along a re-issue chain
        assert entry_deltas(E("v1", kind, sign * 500, at, paid_cents=sign * 450, bonus_cents=sign * 50,
                              from_status="forwarded")) == []


def test_outstanding_and_blocked_are_what_the_active_and_blocked_vouchers_hold() -> None:
    jan, feb = "2029-01-15T10:00:00.000Z", "2029-02-15T10:00:00.000Z"
    entries = [
        # a: blocked, then its order refunded: the money leaves the blocked stock.
        E("a", "issue", 5000, jan, paid_cents=5000, bonus_cents=0),
        E("a", "redemption", -1000, jan, "r1", "markt", -1000, 0),
        E("a", "block", 0, feb, paid_cents=4000, bonus_cents=0),
        E("a", "refund", -4000, feb, paid_cents=-4000, bonus_cents=0, from_status="blocked"),
        # b: re-issued as c, then b's redemption reversed: forwarded to c, active.
        E("b", "issue", 3000, jan, paid_cents=3000, bonus_cents=0),
        E("b", "redemption", -500, jan, "r1", "markt", -500, 0),
        E("b", "block", 0, feb, paid_cents=2500, bonus_cents=0),
        E("b", "reissue_out", -2500, feb, paid_cents=-2500, bonus_cents=0),
        E("c", "reissue_in", 2500, feb, paid_cents=2500, bonus_cents=0),
        E("b", "reversal", 500, feb, "r1", "markt", 500, 0),
        E("b", "reissue_out", -500, feb, paid_cents=-500, bonus_cents=0, from_status="forwarded"),
        E("c", "reissue_in", 500, feb, paid_cents=500, bonus_cents=0, from_status="forwarded"),
        # d: blocked after a redemption, which is then reversed onto it: frozen with the rest.
        E("d", "issue", 2000, jan, paid_cents=2000, bonus_cents=0),
        E("d", "redemption", -300, jan, "r1", "markt", -300, 0),
        E("d", "block", 0, feb, paid_cents=1700, bonus_cents=0),
        E("d", "reversal", 300, feb, "r1", "markt", 300, 0, from_status="blocked"),
    ]
    february = _report("2029-02", _items(entries))
    assert february["outstanding"] == {"count": 1, "paid_cents": 3000, "bonus_cents": 0, "total_cents": 3000}  # c
    assert february["blocked"] == {"count": 1, "paid_cents": 2000, "bonus_cents": 0, "total_cents": 2000}  # d
    assert february["refunded"]["total_cents"] == 4000 and february["reversed"]["total_cents"] == 800
    assert february["redeemed"] == {"count": -2, "paid_cents": -800, "bonus_cents": 0, "total_cents": -800}


@given(st.lists(st.dictionaries(st.sampled_from(totals.DAY_ATTRIBUTES), st.integers(-50, 10**7)), max_size=6))
def test_a_rollup_packs_the_day_cells_of_all_shops(items: list[dict[str, int]]) -> None:
    packed = totals.pack_days(items)
    summed = {name: sum(i.get(name, 0) for i in items) for name in totals.DAY_ATTRIBUTES}
    assert totals.unpack_days(packed) == {k: v for k, v in summed.items() if v}
    assert packed.count(";") == 30 and totals.day_series("2029-01", totals.unpack_days(packed)) == \
        totals.day_series("2029-01", summed)


def test_a_days_sales_and_redemptions_are_read_from_the_month_items() -> None:
    entries = [E("v1", "issue", 2500, "2029-03-04T23:30:00.000Z", paid_cents=2500, bonus_cents=0),  # 5 March in Berlin
               E("v2", "issue", 1000, "2029-03-05T09:00:00.000Z", paid_cents=1000, bonus_cents=0),
               E("v1", "redemption", -700, "2029-03-05T10:00:00.000Z", "ret_a", paid_cents=-700, bonus_cents=0),
               E("v1", "reversal", 700, "2029-03-05T10:05:00.000Z", "ret_a", paid_cents=700, bonus_cents=0),
               E("v2", "redemption", -300, "2029-03-05T11:00:00.000Z", "ret_b", paid_cents=-300, bonus_cents=0),
               E("v2", "redemption", -200, "2029-03-06T11:00:00.000Z", "ret_b", paid_cents=-200, bonus_cents=0)]
    deltas = merge(d for e in entries for d in entry_deltas(e))

    def day(date: str) -> list[dict[str, int]]:
        return [d.adds for d in deltas if (d.table, d.hash_key) == ("day", date)]

    assert totals.day_figures(day("2029-03-05")) == {"sold": {"count": 2, "cents": 3500},
                                                     "redeemed": {"count": 1, "cents": 300}}
    assert totals.day_figures(day("2029-03-06"))["redeemed"] == {"count": 1, "cents": 200}
    assert totals.day_figures(day("2029-03-04")) == {"sold": {"count": 0, "cents": 0},
                                                     "redeemed": {"count": 0, "cents": 0}}
    # Day items sit in their own partition: the month items (and so the reports) carry no day cells.
    assert {d.table for d in deltas if set(d.adds) & set(totals.DAY_TOTAL_ATTRIBUTES)} == {"day"}

"""Berlin buckets across midnight and both daylight-saving switches, comparisons, heatmap, suppression (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.footfall.timeseries import (
    HourSeries,
    RangeError,
    buckets,
    change_percent,
    heatmap,
    parse_bound,
    series,
    suppress,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def flat(start: datetime, hours: int, value: int = 1) -> HourSeries:
    return HourSeries({start + timedelta(hours=h): (value, None, None, None, None) for h in range(hours)})


def test_bare_dates_are_inclusive_berlin_days() -> None:
    assert parse_bound("2026-11-26", end=False) == utc(2026, 11, 25, 23)
    assert parse_bound("2026-11-26", end=True) == utc(2026, 11, 26, 23)
    assert parse_bound("2026-07-01", end=False) == utc(2026, 6, 30, 22)
    assert parse_bound("2026-07-01T10:00:00+02:00", end=False) == utc(2026, 7, 1, 8)
    assert parse_bound("2026-07-01T10:00", end=False) == utc(2026, 7, 1, 8)  # no offset: Berlin wall clock
    with pytest.raises(RangeError):
        parse_bound("2026-02-30", end=False)


def test_spring_switch_day_has_23_hours_and_autumn_switch_day_25() -> None:
    b = buckets(parse_bound("2026-03-28", end=False), parse_bound("2026-03-30", end=True), "day")
    hours = flat(utc(2026, 3, 27), 24 * 5)
    assert series(hours, b)["count"] == [24, 23, 24]
    b = buckets(parse_bound("2026-10-24", end=False), parse_bound("2026-10-26", end=True), "day")
    hours = flat(utc(2026, 10, 23), 24 * 5)
    assert series(hours, b)["count"] == [24, 25, 24]
    assert [s.isoformat() for s in b.starts] == ["2026-10-24T00:00:00+02:00", "2026-10-25T00:00:00+02:00",
                                                 "2026-10-26T00:00:00+01:00"]


def test_hour_buckets_on_the_switch_days() -> None:
    autumn = buckets(parse_bound("2026-10-25", end=False), parse_bound("2026-10-25", end=True), "hour")
    labels = [s.isoformat() for s in autumn.starts]
    assert len(labels) == 25
    assert labels[2:4] == ["2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00"]
    spring = buckets(parse_bound("2026-03-29", end=False), parse_bound("2026-03-29", end=True), "hour")
    labels = [s.isoformat() for s in spring.starts]
    assert len(labels) == 23
    assert labels[1:3] == ["2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00"]


def test_midnight_splits_days_in_local_time_not_utc() -> None:
    # 22:00-24:00 UTC on 30 June is already 1 July in Berlin (CEST).
    hours = HourSeries({utc(2026, 6, 30, 21): (5, None, None, None, None),
                        utc(2026, 6, 30, 22): (7, None, None, None, None),
                        utc(2026, 6, 30, 23): (11, None, None, None, None)})
    b = buckets(parse_bound("2026-06-30", end=False), parse_bound("2026-07-01", end=True), "day")
    assert series(hours, b)["count"] == [5, 18]


def test_weeks_start_monday_and_months_on_the_first_in_berlin() -> None:
    b = buckets(parse_bound("2026-10-21", end=False), parse_bound("2026-11-03", end=True), "week")
    assert [s.isoformat() for s in b.starts] == ["2026-10-19T00:00:00+02:00", "2026-10-26T00:00:00+01:00",
                                                 "2026-11-02T00:00:00+01:00"]
    hours = flat(utc(2026, 10, 18, 22), 24 * 7 + 1)  # one week of Berlin hours, autumn switch inside
    assert series(hours, b)["count"] == [24 * 7 + 1, None, None]
    m = buckets(parse_bound("2026-10-15", end=False), parse_bound("2026-11-15", end=True), "month")
    assert [s.isoformat() for s in m.starts] == ["2026-10-01T00:00:00+02:00", "2026-11-01T00:00:00+01:00"]
    m = buckets(parse_bound("2026-12-15", end=False), parse_bound("2027-01-02", end=True), "month")
    assert [s.date().isoformat() for s in m.starts] == ["2026-12-01", "2027-01-01"]


def test_gaps_are_none_not_zero_and_hours_counted() -> None:
    hours = HourSeries({utc(2026, 5, 4, 10): (3, 1, 2, None, None)})
    b = buckets(parse_bound("2026-05-03", end=False), parse_bound("2026-05-05", end=True), "day")
    out = series(hours, b)
    assert out["count"] == [None, 3, None]
    assert out["ltr_count"] == [None, 1, None]
    assert out["adult_count"] == [None, None, None]
    assert out["hours"] == [0, 1, 0]


def test_weekday_aligned_shift_uses_wall_clock_across_the_switch() -> None:
    # 2026-11-01 10:00 CET (09:00Z) one week back is 2026-10-25 10:00 CET (09:00Z);
    # 2026-10-25 10:00 one week back is 2026-10-18 10:00 CEST (08:00Z).
    hours = HourSeries({utc(2026, 10, 25, 9): (40, None, None, None, None),
                        utc(2026, 10, 18, 8): (30, None, None, None, None),
                        utc(2026, 10, 18, 9): (99, None, None, None, None)})
    b = buckets(parse_bound("2026-10-25T10:00:00+01:00", end=False),
                parse_bound("2026-10-25T11:00:00+01:00", end=False), "hour")
    assert series(hours, b, 7)["count"] == [30]
    b = buckets(parse_bound("2026-11-01T10:00:00+01:00", end=False),
                parse_bound("2026-11-01T11:00:00+01:00", end=False), "hour")
    assert series(hours, b, 7)["count"] == [40]
    # The spring switch has no 02:00: one week later, 02:00 compares with nothing.
    b = buckets(parse_bound("2026-04-05T02:00:00+02:00", end=False),
                parse_bound("2026-04-05T03:00:00+02:00", end=False), "hour")
    assert series(flat(utc(2026, 3, 28), 48), b, 7)["count"] == [None]


def test_change_percent_ignores_buckets_missing_on_either_side() -> None:
    assert change_percent([117, 50, None], [100, None, 80]) == 17.0
    assert change_percent([None], [5]) is None
    assert change_percent([5], [0]) is None


def test_suppression_below_ten() -> None:
    assert [suppress(v) for v in (None, 0, 1, 9, 10, 250)] == [None, 0, None, None, 10, 250]


def test_heatmap_averages_weekday_by_hour_skipping_gaps() -> None:
    # Mondays 2026-11-02 and 2026-11-09, 10:00 CET = 09:00Z: 100 and 200; a Tuesday gap is not a sample.
    hours = HourSeries({utc(2026, 11, 2, 9): (100, None, None, None, None),
                        utc(2026, 11, 9, 9): (200, None, None, None, None),
                        utc(2026, 11, 3, 9): (None, None, None, None, None)})
    values, samples = heatmap(hours, utc(2026, 11, 1), utc(2026, 11, 15))
    assert values[0][10] == 150.0 and samples[0][10] == 2
    assert values[1][10] is None and samples[1][10] == 0


def test_too_many_buckets_and_reversed_range_refused() -> None:
    with pytest.raises(RangeError):
        buckets(utc(2020, 1, 1), utc(2026, 1, 1), "hour")
    with pytest.raises(RangeError):
        buckets(utc(2026, 1, 2), utc(2026, 1, 1), "day")


def test_csv_marks_partial_buckets_and_counts_clock_change_weeks() -> None:
    """A week with only some hours measured says so in the CSV ("Vollständig": nein), so Excel users do not read the
    last, running week of a range as a collapse; the week of the October switch has 169 hours."""
    import csv
    import io

    from chalicelib.footfall.csv_export import bucket_hours, footfall_csv

    stats = {"buckets": ["2026-10-19T00:00:00+02:00", "2026-10-26T00:00:00+01:00"], "to": "2026-11-02T00:00:00+01:00",
             "zones": [{"name": "Markt", "footfall": {"count": [1000, 400], "ltr_count": [None, None],
                                                      "rtl_count": [None, None], "adult_count": [None, None],
                                                      "child_count": [None, None], "hours": [169, 96]},
                        "week_before": None, "year_before": None, "wlan": None,
                        "vouchers": {"redemptions": [0, 0], "redeemed_cents": [0, 0]}}]}
    assert bucket_hours(stats) == [169, 168]
    rows = list(csv.DictReader(io.StringIO(footfall_csv(stats).lstrip("\ufeff")), delimiter=";"))
    assert [(r["Stunden mit Daten"], r["Stunden im Zeitabschnitt"], r["Vollständig"]) for r in rows] == [
        ("169", "169", "ja"), ("96", "168", "nein")]

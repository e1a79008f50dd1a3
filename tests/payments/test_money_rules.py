"""Pure rules, no I/O: bonus shares, which vouchers a refund takes, fees, month bounds in Berlin, the CSV format."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core.excel_csv import euros
from chalicelib.payments.allocation import Holding, paid_value, vouchers_to_refund
from chalicelib.payments.campaigns import bonus_per_voucher
from chalicelib.payments.orders import voucher_ids_for
from chalicelib.payments.settlement import month_bounds
from chalicelib.payments.statement import fee_of, to_csv
from chalicelib.vouchers.rules import bonus_share


def test_bonus_share_is_proportional_and_rounds_half_up() -> None:
    assert bonus_share(1200, 1000, 6000) == 200
    assert bonus_share(999, 1000, 6000) == 167  # 166.5
    assert bonus_share(601, 1000, 6000) == 100  # 100.17
    assert bonus_share(-601, 1000, 6000) == -100  # a reversal mirrors its redemption
    assert bonus_share(500, 0, 5000) == 0


@given(st.integers(1, 100_000), st.integers(0, 50_000), st.integers(1, 10_000))
def test_bonus_share_never_exceeds_the_amount(amount: int, bonus: int, paid: int) -> None:
    share = bonus_share(amount, bonus, paid + bonus)
    assert 0 <= share <= amount
    assert bonus_share(-amount, bonus, paid + bonus) == -share


def test_bonus_per_voucher_rounds_down() -> None:
    assert bonus_per_voucher(2500, 20) == 500
    assert bonus_per_voucher(999, 20) == 199


def test_refund_takes_unspent_vouchers_first_and_stops_when_covered() -> None:
    spent = Holding("a", 700, 1000, 1000, 0)
    whole = [Holding(x, 1000, 1000, 1000, 0) for x in "bcd"]
    taken = vouchers_to_refund([spent, *whole], 1500)
    assert [h.voucher_id for h in taken] == ["b", "c"]
    assert [h.voucher_id for h in vouchers_to_refund([spent, *whole], 3500)] == ["b", "c", "d", "a"]
    assert vouchers_to_refund([Holding("e", 0, 1000, 1000, 0)], 1000) == []  # nothing left to take
    bonus_voucher = Holding("f", 1200, 1200, 1000, 200)
    assert paid_value(bonus_voucher) == 1000  # only the buyer's money counts against a refund


def test_fee_and_decimal_comma() -> None:
    assert fee_of(2175, 300) == 65 and fee_of(999, 300) == 30 and fee_of(100, 0) == 0 and fee_of(-5, 300) == 0
    assert euros(211000) == "2110,00" and euros(5) == "0,05" and euros(-661) == "-6,61"


def test_month_bounds_follow_berlin_time_across_daylight_saving() -> None:
    assert month_bounds("2029-01") == ("2028-12-31T23:00:00.000Z", "2029-01-31T23:00:00.000Z")
    assert month_bounds("2029-03") == ("2029-02-28T23:00:00.000Z", "2029-03-31T22:00:00.000Z")
    assert month_bounds("2029-12")[1] == "2029-12-31T23:00:00.000Z"


def test_csv_has_bom_semicolons_and_no_formulas() -> None:
    row = {"retailer_id": "ret_1", "name": "=HYPERLINK(\"x\")", "zone": "Markt; Süd", "redemptions": 2,
           "redeemed_cents": 1234, "reversals": 0, "reversed_cents": 0, "turnover_cents": 1234, "fee_cents": 37,
           "payout_cents": 1197, "bonus_cents": 100}
    text = to_csv("2029-01", [row])
    assert text.startswith("\ufeffMonat;Händler-ID;")
    line = text.split("\r\n")[1]
    assert line.startswith("2029-01;ret_1;\"'=HYPERLINK(\"\"x\"\")\";\"Markt; Süd\";2;12,34;")
    assert line.endswith(";11,97;1,00")


def test_voucher_ids_derive_from_the_order() -> None:
    ids = voucher_ids_for("ord_abc", 5)
    assert ids == voucher_ids_for("ord_abc", 5) and len(set(ids)) == 5
    assert all(len(i) == 16 for i in ids)
    assert set(ids).isdisjoint(voucher_ids_for("ord_abd", 5))

"""Settlement against a month computed by hand: redemptions, reversals across the month boundary (Berlin time),
the fee, and how much of each payout is the city's bonus money. Plus the liability report."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.core import clock, settings
from tests.conftest import ADMIN_TOKEN
from tests.payments.conftest import Shop


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> None:
    """Move the app's clock to a wall-clock time in Billerbeck."""
    target = datetime(year, month, day, hour, minute, tzinfo=clock.BERLIN)
    clock.reset()
    clock.shift((target - datetime.now(UTC)).total_seconds())


def _redeem(shop: Shop, key: str, token: str, amount: int) -> str:
    r = shop.api.redeem(key, token, amount)
    assert r.status_code == 201, r.json_body
    return r.json_body["redemption_id"]


def _reverse(shop: Shop, redemption_id: str) -> None:
    shop.api.json("POST", f"/api/v1/redemptions/{redemption_id}/reversal", token=ADMIN_TOKEN, expect=201)


_MONTHS: dict[str, dict[str, Any]] = {}


@pytest.fixture
def month_of_business(shop: Shop, aws_server: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("MARKTPLATZ_SETTLEMENT_FEE_BASIS_POINTS", "300")  # 3 %
    settings.reset()
    # The ledger is append-only and the month is in the future: build it once per store, read it in every test.
    if aws_server not in _MONTHS:
        _MONTHS[aws_server] = _business(shop)
    return _MONTHS[aws_server]


def _business(shop: Shop) -> dict[str, Any]:
    code = f"STADT{uuid.uuid4().hex[:4]}".upper()
    now = clock.now()
    campaign = shop.api.json("POST", "/api/v1/campaigns", {
        "name": "Stadtbonus", "percent": 20, "budget_cents": 10_000, "code": code,
        "starts_at": clock.iso(now - timedelta(minutes=1)), "ends_at": clock.iso(now + timedelta(minutes=5))},
        token=ADMIN_TOKEN, expect=201)
    order = shop.paid_order(5000, 1, bonus_code=code)
    a = shop.status(order)["vouchers"][0]  # 60 EUR: 50 paid by the buyer + 10 bonus from the city
    assert (a["paid_cents"], a["bonus_cents"]) == (5000, 1000)
    b = shop.api.vouchers(3000)[0]  # 30 EUR issued by the city without payment, no bonus
    r1 = shop.api.retailer(zone="markt", name="Laden; Eins")
    r2 = shop.api.retailer(zone="kirchplatz", name="Laden Zwei")
    k1, k2 = r1["api_key"], r2["api_key"]

    at(2028, 12, 31, 23, 50)
    december = _redeem(shop, k1, a["token"], 60)          # December; reversed in January
    at(2029, 1, 2, 9)
    _reverse(shop, december)                              # January: -60 (bonus -10)
    at(2029, 1, 10, 10)
    _redeem(shop, k1, a["token"], 1200)                   # bonus 200
    at(2029, 1, 10, 10, 5)
    _redeem(shop, k1, b["token"], 735)                    # bonus 0
    at(2029, 1, 11, 9)
    odd = _redeem(shop, k1, a["token"], 601)              # bonus 100.17 -> 100
    at(2029, 1, 12, 12)
    _reverse(shop, odd)                                   # -601, bonus -100
    at(2029, 1, 20, 15)
    _redeem(shop, k2, a["token"], 999)                    # bonus 166.5 -> 167 (half up)
    at(2029, 1, 31, 23, 30)                               # 22:30 UTC: still January in Billerbeck
    _redeem(shop, k1, a["token"], 300)                    # bonus 50
    at(2029, 2, 1, 0, 30)                                 # 31 Jan 23:30 UTC: February in Billerbeck
    _redeem(shop, k1, b["token"], 100)
    clock.reset()
    return {"r1": r1, "r2": r2, "k1": k1, "campaign": campaign}


def test_settlement_matches_the_hand_computed_month(shop: Shop, month_of_business: dict[str, Any]) -> None:
    r1, r2 = month_of_business["r1"], month_of_business["r2"]
    january = shop.api.json("GET", "/api/v1/settlements?month=2029-01", token=ADMIN_TOKEN, expect=200)
    assert january["fee_basis_points"] == 300
    rows = {row["retailer_id"]: row for row in january["retailers"]}
    assert set(rows) == {r1["retailer_id"], r2["retailer_id"]}
    # R1: redeemed 12,00 + 7,35 + 6,01 + 3,00 = 28,36; reversed 6,01 + 0,60 = 6,61; turnover 21,75;
    # fee 3 % = 0,6525 -> 0,65; payout 21,10; bonus 2,00 + 1,00 - 1,00 - 0,10 + 0,50 = 2,40.
    assert rows[r1["retailer_id"]] == {
        "retailer_id": r1["retailer_id"], "name": "Laden; Eins", "zone": "markt",
        "redemptions": 4, "redeemed_cents": 2836, "reversals": 2, "reversed_cents": 661,
        "turnover_cents": 2175, "fee_cents": 65, "payout_cents": 2110, "bonus_cents": 240,
        "buyer_money_cents": 1935}
    # R2: 9,99; fee 0,2997 -> 0,30; payout 9,69; bonus 9,99 x 10/60 = 1,665 -> 1,67.
    assert rows[r2["retailer_id"]] == {
        "retailer_id": r2["retailer_id"], "name": "Laden Zwei", "zone": "kirchplatz",
        "redemptions": 1, "redeemed_cents": 999, "reversals": 0, "reversed_cents": 0,
        "turnover_cents": 999, "fee_cents": 30, "payout_cents": 969, "bonus_cents": 167,
        "buyer_money_cents": 832}
    assert january["totals"]["payout_cents"] == 2110 + 969
    assert january["totals"]["bonus_cents"] == 240 + 167

    february = shop.api.json("GET", "/api/v1/settlements?month=2029-02", token=ADMIN_TOKEN, expect=200)
    [feb] = february["retailers"]
    assert (feb["retailer_id"], feb["redeemed_cents"], feb["fee_cents"], feb["payout_cents"]) == \
        (r1["retailer_id"], 100, 3, 97)
    december = shop.api.json("GET", "/api/v1/settlements?month=2028-12", token=ADMIN_TOKEN, expect=200)
    [dec] = december["retailers"]
    assert (dec["redeemed_cents"], dec["bonus_cents"], dec["reversed_cents"]) == (60, 10, 0)


def test_settlement_csv_is_excel_friendly(shop: Shop, month_of_business: dict[str, Any]) -> None:
    r1 = month_of_business["r1"]
    response = shop.api.call("GET", "/api/v1/settlements?month=2029-01&format=csv", token=ADMIN_TOKEN)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "abrechnung-2029-01.csv" in response.headers["Content-Disposition"]
    raw = response.body if isinstance(response.body, bytes) else response.body.encode("utf-8")
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0].split(";")[:3] == ["Monat", "Händler-ID", "Händler"]
    assert "Auszahlung (EUR)" in lines[0] and "davon Bonusgeld der Stadt (EUR)" in lines[0]
    row = next(line for line in lines if r1["retailer_id"] in line)
    assert row == f'2029-01;{r1["retailer_id"]};"Laden; Eins";markt;4;28,36;2;6,61;21,75;0,65;21,10;2,40'


def test_retailer_sees_only_its_own_statement(shop: Shop, month_of_business: dict[str, Any]) -> None:
    r1, k1 = month_of_business["r1"], month_of_business["k1"]
    mine = shop.api.json("GET", "/api/v1/retailers/me/settlements?month=2029-01", token=k1, expect=200)
    assert mine["retailer_id"] == r1["retailer_id"] and mine["payout_cents"] == 2110 and mine["bonus_cents"] == 240
    csv = shop.api.call("GET", "/api/v1/retailers/me/settlements?month=2029-01&format=csv", token=k1)
    assert csv.status_code == 200 and "21,10" in (csv.body if isinstance(csv.body, str) else csv.body.decode())
    assert shop.api.json("GET", "/api/v1/settlements?month=2029-01", token=k1, expect=403)["error"]["code"] == \
        "forbidden"
    for bad in ("2029-13", "29-01", "januar"):
        answer = shop.api.json("GET", f"/api/v1/settlements?month={bad}", token=ADMIN_TOKEN, expect=400)
        assert answer["error"]["field"] == "month"
    assert shop.api.json("GET", "/api/v1/settlements?month=2029-01&format=xls", token=ADMIN_TOKEN,
                         expect=400)["error"]["field"] == "format"


def test_liability_report_moves_with_sales_redemptions_refunds_and_blocks(shop: Shop) -> None:
    def report() -> dict[str, Any]:
        return shop.api.json("GET", "/api/v1/reports/liability", token=ADMIN_TOKEN, expect=200)

    def delta(after: dict[str, Any], before: dict[str, Any], bucket: str) -> tuple[int, int, int]:
        return tuple(after[bucket][k] - before[bucket][k] for k in ("count", "paid_cents", "bonus_cents"))

    code = f"LIAB{uuid.uuid4().hex[:4]}".upper()
    now = clock.now()
    shop.api.json("POST", "/api/v1/campaigns", {
        "name": "Liability", "percent": 10, "budget_cents": 1000, "code": code,
        "starts_at": clock.iso(now - timedelta(minutes=1)), "ends_at": clock.iso(now + timedelta(minutes=5))},
        token=ADMIN_TOKEN, expect=201)
    before = report()
    order = shop.paid_order(4000, 2, bonus_code=code)  # 2 x (40 paid + 4 bonus)
    spent, refunded = shop.status(order)["vouchers"]
    key = shop.api.retailer()["api_key"]
    assert shop.api.redeem(key, spent["token"], 1100).status_code == 201  # 10 paid + 1 bonus
    shop.api.json("POST", f"/api/v1/vouchers/{spent['voucher_id']}/block", token=ADMIN_TOKEN, expect=200)
    assert shop.deliver(shop.charge_event(order, "charge.refunded", amount_refunded=4000)).status_code == 200
    after = report()
    assert delta(after, before, "sold") == (2, 8000, 800)
    assert delta(after, before, "redeemed") == (1, 1000, 100)
    assert delta(after, before, "refunded") == (1, 4000, 400)
    assert delta(after, before, "blocked") == (1, 3000, 300)
    assert delta(after, before, "outstanding") == (0, 0, 0)
    assert after["sold"]["total_cents"] == after["sold"]["paid_cents"] + after["sold"]["bonus_cents"]

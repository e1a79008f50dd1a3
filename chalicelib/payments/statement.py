"""Settlement arithmetic and its German CSV. Pure: month counters in, figures out.

Rules (docs/payments.md):
- A month is a calendar month in Europe/Berlin; an entry belongs to the month of its `created_at`.
- Turnover = redemptions minus reversals booked in the month (a reversal counts in the month it happens).
- Fee = turnover x fee basis points / 10,000, rounded half up to whole cents; payout = turnover - fee.
- Bonus share of each redemption or reversal = amount x voucher bonus / voucher initial value, rounded half up
  per entry; the bonus part of the payout is paid from the campaign budget, the rest from buyers' money in trust.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class RetailerStatement:
    retailer_id: str
    name: str
    zone: str
    redemptions: int = 0
    redeemed_cents: int = 0
    reversals: int = 0
    reversed_cents: int = 0
    bonus_cents: int = 0
    fee_cents: int = 0

    @property
    def turnover_cents(self) -> int:
        return self.redeemed_cents - self.reversed_cents

    @property
    def payout_cents(self) -> int:
        return self.turnover_cents - self.fee_cents

    def view(self) -> dict[str, Any]:
        return {
            "retailer_id": self.retailer_id,
            "name": self.name,
            "zone": self.zone,
            "redemptions": self.redemptions,
            "redeemed_cents": self.redeemed_cents,
            "reversals": self.reversals,
            "reversed_cents": self.reversed_cents,
            "turnover_cents": self.turnover_cents,
            "fee_cents": self.fee_cents,
            "payout_cents": self.payout_cents,
            "bonus_cents": self.bonus_cents,
            "buyer_money_cents": self.turnover_cents - self.bonus_cents,
        }


def fee_of(turnover_cents: int, basis_points: int) -> int:
    return (2 * turnover_cents * basis_points + 10_000) // 20_000 if turnover_cents > 0 else 0


def finish(statement: RetailerStatement, fee_basis_points: int) -> RetailerStatement:
    statement.fee_cents = fee_of(statement.turnover_cents, fee_basis_points)
    return statement


def decimal_comma(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100},{cents % 100:02d}"


CSV_HEADER = ["Monat", "Händler-ID", "Händler", "Lage", "Anzahl Einlösungen", "Einlösungen (EUR)",
              "Anzahl Stornos", "Stornos (EUR)", "Umsatz (EUR)", "Gebühr (EUR)", "Auszahlung (EUR)",
              "davon Bonusgeld der Stadt (EUR)"]


def _cell(value: str) -> str:
    """Text cells: quoted when needed, and never read by Excel as a formula."""
    if value[:1] in ("=", "+", "-", "@"):
        value = "'" + value
    if any(ch in value for ch in ';"\n\r'):
        value = value.replace('"', '""')
        return f'"{value}"'
    return value


def to_csv(month: str, statements: list[dict[str, Any]]) -> str:
    """Excel in Germany opens this as is: UTF-8 with BOM, semicolons, decimal comma, CRLF line ends."""
    rows = [CSV_HEADER]
    for s in statements:
        rows.append([month, _cell(s["retailer_id"]), _cell(s["name"]), _cell(s["zone"]), str(s["redemptions"]),
                     decimal_comma(s["redeemed_cents"]), str(s["reversals"]), decimal_comma(s["reversed_cents"]),
                     decimal_comma(s["turnover_cents"]), decimal_comma(s["fee_cents"]),
                     decimal_comma(s["payout_cents"]), decimal_comma(s["bonus_cents"])])
    return "\ufeff" + "".join(";".join(row) + "\r\n" for row in rows)

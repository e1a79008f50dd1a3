"""Settlement arithmetic and its German CSV. Pure: ledger rows in, figures out.

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

from chalicelib.core import excel_csv
from chalicelib.core.excel_csv import euros, whole
from chalicelib.vouchers.rules import bonus_share


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


def add_entry(statement: RetailerStatement, kind: str, amount_cents: int, voucher_bonus: int,
              voucher_initial: int) -> None:
    """One ledger entry of the retailer: a redemption (negative amount) or a reversal (positive)."""
    moved = -amount_cents  # money that went to the retailer
    bonus = bonus_share(moved, voucher_bonus, voucher_initial)
    if kind == "redemption":
        statement.redemptions += 1
        statement.redeemed_cents += moved
    elif kind == "reversal":
        statement.reversals += 1
        statement.reversed_cents += -moved
    else:
        return
    statement.bonus_cents += bonus


def finish(statement: RetailerStatement, fee_basis_points: int) -> RetailerStatement:
    statement.fee_cents = fee_of(statement.turnover_cents, fee_basis_points)
    return statement


CSV_HEADER = ["Monat", "Händler-ID", "Händler", "Lage", "Anzahl Einlösungen", "Einlösungen (EUR)",
              "Anzahl Stornos", "Stornos (EUR)", "Umsatz (EUR)", "Gebühr (EUR)", "Auszahlung (EUR)",
              "davon Bonusgeld der Stadt (EUR)"]


def to_csv(month: str, statements: list[dict[str, Any]]) -> str:
    """Excel in Germany opens this as is (core/excel_csv.py)."""
    rows: list[list[str]] = [CSV_HEADER]
    for s in statements:
        rows.append([month, s["retailer_id"], s["name"], s["zone"], whole(s["redemptions"]),
                     euros(s["redeemed_cents"]), whole(s["reversals"]), euros(s["reversed_cents"]),
                     euros(s["turnover_cents"]), euros(s["fee_cents"]), euros(s["payout_cents"]),
                     euros(s["bonus_cents"])])
    return excel_csv.document(rows)

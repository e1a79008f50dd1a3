"""month_settlement, close_month: the monthly payout run.

A month can be closed once it is over. Closing freezes its settlement (with each payee's bank account) in one
`ClosedMonth` item written with `attribute_not_exists`, so a second close fails and nothing is half-written. The
settlement of a closed month is read from that item and never recomputed: a reversal made later is a ledger entry
with a later `created_at`, so it is booked into the month in which it happens, which is still open (the current
month cannot be closed). See docs/backoffice.md.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.core import clock
from chalicelib.core.errors import DomainError, not_found
from chalicelib.payments import settlement
from chalicelib.settlement.models import ClosedMonth
from chalicelib.store.transactions import TransactionCancelled, transaction

FIRST_MONTH = "2020-01"
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_month(month: str) -> str:
    """A known month: YYYY-MM (else 400), not before the platform existed and not in the future (else 404)."""
    if not isinstance(month, str) or not MONTH_RE.match(month):
        raise DomainError("invalid_request", "'month' must be YYYY-MM.", field="month")
    if month < FIRST_MONTH or month > settlement.current_month():
        raise not_found(f"There is no settlement for {month}.")
    return month


def closed(month: str) -> ClosedMonth | None:
    try:
        return ClosedMonth.get(month, consistent_read=True)
    except DoesNotExist:
        return None


def _with_accounts(result: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.vouchers.retailers import list_retailers

    retailers = {r.retailer_id: r for r in list_retailers()}  # one Query on the `listed` index
    for row in result["retailers"]:
        r = retailers.get(row["retailer_id"])
        row["iban"] = getattr(r, "iban", None) if r else None
        row["bic"] = getattr(r, "bic", None) if r else None
        row["account_holder"] = getattr(r, "account_holder", None) if r else None
    result["missing_iban"] = [{"retailer_id": row["retailer_id"], "name": row["name"]}
                              for row in result["retailers"] if row["payout_cents"] > 0 and not row["iban"]]
    return result


def month_settlement(month: str) -> dict[str, Any]:
    """The settlement of a month: frozen if closed, live from the ledger if open."""
    check_month(month)
    record = closed(month)
    if record is not None:
        frozen = json.loads(record.settlement)
        frozen.update(status="closed", closed_at=record.closed_at, closed_by=record.closed_by)
        return frozen
    live = _with_accounts(settlement.settle_month(month))
    live.update(status="open", closed_at=None, closed_by=None,
                closable=month < settlement.current_month())
    return live


def close_month(month: str, actor: str) -> dict[str, Any]:
    check_month(month)
    if closed(month) is not None:
        raise DomainError("month_closed", f"{month} is already closed.")
    if month >= settlement.current_month():
        raise DomainError("month_not_over", f"{month} is not over yet; it can be closed from the first of next month.")
    result = _with_accounts(settlement.settle_month(month))
    if result["missing_iban"]:
        names = ", ".join(r["name"] for r in result["missing_iban"])
        raise DomainError("missing_iban", f"These retailers are owed money but have no IBAN: {names}.",
                       retailers=result["missing_iban"])
    payees = [r for r in result["retailers"] if r["payout_cents"] > 0]
    now = clock.iso(clock.now())
    record = ClosedMonth(month, closed_at=now, closed_by=actor, payouts=len(payees),
                         payout_cents=sum(r["payout_cents"] for r in payees),
                         settlement=json.dumps(result, ensure_ascii=False, separators=(",", ":")))
    try:
        with transaction() as tx:
            tx.save(record, name="closed_month", condition=ClosedMonth.month.does_not_exist())
    except TransactionCancelled:
        raise DomainError("month_closed", f"{month} is already closed.") from None
    result.update(status="closed", closed_at=now, closed_by=actor)
    return result


def closed_settlement(month: str) -> dict[str, Any]:
    """The frozen settlement of a closed month, or 409 while it is open (pay out only what cannot change)."""
    result = month_settlement(month)
    if result["status"] != "closed":
        raise DomainError("month_open", f"Close {month} before paying it out.")
    return result

"""voucher_spending: when and where a voucher was spent, for its holder (the voucher page, the balance check).

Only what a shopper may see: the time, the amount and the shop's public name; a redemption that the shop undid
is shown once, marked as reversed. One Query on the voucher's ledger partition and one BatchGetItem for the shops'
names — no scan, however many vouchers the town has.
"""

from __future__ import annotations

from typing import Any

from chalicelib.vouchers.models import LedgerEntry, Retailer

MAX_ENTRIES = 500  # a voucher of 250 € spent in 1-cent steps is absurd; the page stays bounded anyway


def _shop_names(retailer_ids: set[str]) -> dict[str, str]:
    if not retailer_ids:
        return {}
    found = Retailer.batch_get(sorted(retailer_ids), attributes_to_get=["retailer_id", "name"])
    return {r.retailer_id: r.name for r in found}


def voucher_spending(voucher_id: str) -> list[dict[str, Any]]:
    """The voucher's redemptions, oldest first: `at`, `amount_cents` (positive), `shop`, `reversed`."""
    entries = list(LedgerEntry.query(voucher_id, consistent_read=True, limit=MAX_ENTRIES))
    reversed_ids = {e.reverses for e in entries if e.kind == "reversal" and e.reverses}
    redemptions = [e for e in entries if e.kind == "redemption"]
    names = _shop_names({e.retailer_id for e in redemptions if e.retailer_id})
    return [{"at": e.created_at, "amount_cents": -int(e.amount_cents),
             "shop": names.get(e.retailer_id or "", ""), "reversed": e.entry_id in reversed_ids}
            for e in redemptions]

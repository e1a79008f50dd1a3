"""How vouchers and ledger entries look in API answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalicelib.core import clock, settings
from chalicelib.signing import keystore
from chalicelib.vouchers.models import ACTIVE, LedgerEntry, Voucher


def token_for(voucher: Voucher) -> str:
    """Ed25519 signatures are deterministic: the same key and voucher id give the same token, so none is stored."""
    ring = keystore.keyring()
    key = next((k for k in ring.keys if k.kid == int(voucher.kid)), None)
    if key is None:
        raise LookupError("the voucher's signing key is gone; re-issue the voucher")
    from chalicelib.signing import token as token_format

    return token_format.encode(key.kid, voucher.voucher_id, key.private_key)


def voucher_url(token: str) -> str:
    return f"{settings.get().base_url}/v/{token}"


def expires_iso(voucher: Voucher) -> str:
    return datetime.fromtimestamp(int(voucher.expires_at), tz=clock.BERLIN).isoformat()


def status_of(voucher: Voucher) -> str:
    if voucher.status == ACTIVE and int(voucher.expires_at) <= int(clock.now().timestamp()):
        return "expired"
    if voucher.replaced_by:
        return "replaced"
    return voucher.status


def voucher_public(voucher: Voucher) -> dict[str, Any]:
    return {
        "voucher_id": voucher.voucher_id,
        "balance_cents": int(voucher.balance_cents),
        "initial_cents": int(voucher.initial_cents),
        "expires_at": expires_iso(voucher),
        "status": status_of(voucher),
    }


def voucher_issued(voucher: Voucher) -> dict[str, Any]:
    token = token_for(voucher)
    return {
        "voucher_id": voucher.voucher_id,
        "token": token,
        "url": voucher_url(token),
        "balance_cents": int(voucher.balance_cents),
        "expires_at": expires_iso(voucher),
    }


def voucher_admin(voucher: Voucher) -> dict[str, Any]:
    view = voucher_public(voucher)
    view.update({
        "paid_cents": int(voucher.paid_cents or 0),
        "bonus_cents": int(voucher.bonus_cents or 0),
        "issued_at": voucher.issued_at,
        "campaign": voucher.campaign,
        "order_id": voucher.order_id,
        "block_reason": voucher.block_reason,
        "replaced_by": voucher.replaced_by,
        "replaces": voucher.replaces,
        "kid": int(voucher.kid),
    })
    return view


def ledger_entry(entry: LedgerEntry) -> dict[str, Any]:
    view: dict[str, Any] = {
        "entry_id": entry.entry_id,
        "kind": entry.kind,
        "amount_cents": int(entry.amount_cents),
        "created_at": entry.created_at,
    }
    for name in ("retailer_id", "zone", "reverses", "actor", "note"):
        value = getattr(entry, name)
        if value is not None:
            view[name] = value
    for name in ("paid_cents", "bonus_cents"):
        value = getattr(entry, name)
        if value is not None:
            view[name] = int(value)
    if entry.kind == "redemption":
        view["redemption_id"] = redemption_id(entry.voucher_id, entry.entry_id)
    return view


def redemption_id(voucher_id: str, entry_id: str) -> str:
    """A redemption is named by its ledger entry; the id carries the voucher so a reversal needs no index."""
    return f"rd_{voucher_id}_{entry_id}"


def parse_redemption_id(value: str) -> tuple[str, str] | None:
    parts = value.split("_")
    if len(parts) != 3 or parts[0] != "rd" or len(parts[1]) != 16 or not parts[2].isalnum():
        return None
    return parts[1], parts[2]


def epoch(dt: datetime) -> int:
    return int(dt.astimezone(UTC).timestamp())

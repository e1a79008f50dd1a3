"""register_retailer, disable_retailer, rotate_retailer_key: the city manages who may redeem."""

from __future__ import annotations

import hmac
from typing import Any, NamedTuple

from pynamodb.exceptions import DoesNotExist

from chalicelib.core import auth, clock
from chalicelib.core.errors import DomainError, not_found
from chalicelib.core.ids import key_hash, random_id, secret_key
from chalicelib.store.credentials import disable_holder, replace_key
from chalicelib.store.models import Credential
from chalicelib.store.transactions import TransactionCancelled, transaction
from chalicelib.vouchers.models import ACTIVE, LISTED, Retailer


def retailer_view(retailer: Retailer) -> dict[str, Any]:
    return {
        "retailer_id": retailer.retailer_id,
        "name": retailer.name,
        "address": retailer.address,
        "email": retailer.email,
        "zone": retailer.zone,
        "status": retailer.status,
        "created_at": retailer.created_at,
        "contact": retailer.contact,
        "iban": retailer.iban,
        "bic": retailer.bic,
        "account_holder": retailer.account_holder,
    }


def retailer_public(retailer: Retailer) -> dict[str, Any]:
    """What shoppers see: where they can spend vouchers."""
    return {"retailer_id": retailer.retailer_id, "name": retailer.name, "address": retailer.address,
            "zone": retailer.zone}


def _credential(retailer: Retailer, hashed: str) -> Credential:
    return Credential(hashed, role=auth.RETAILER, subject_id=retailer.retailer_id, zone=retailer.zone,
                      name=retailer.name, created_at=clock.iso(clock.now()))


def new_retailer_id() -> str:
    return random_id("ret")


def register_retailer(name: str, address: str, email: str, zone: str, *, contact: str | None = None,
                      bank: BankDetails | None = None, retailer_id: str | None = None) -> tuple[Retailer, str]:
    api_key = secret_key("mpk")
    hashed = key_hash(api_key)
    retailer = Retailer(retailer_id or new_retailer_id(), name=name, address=address, email=email, zone=zone,
                        status=ACTIVE, listed=LISTED, key_hash=hashed, created_at=clock.iso(clock.now()),
                        contact=contact,
                        iban=bank.iban if bank else None, bic=bank.bic if bank else None,
                        account_holder=bank.holder if bank else None)
    with transaction() as tx:
        tx.save(retailer, name="retailer", condition=Retailer.retailer_id.does_not_exist())
        tx.save(_credential(retailer, hashed), name="credential", condition=Credential.key_hash.does_not_exist())
    return retailer, api_key


class BankDetails(NamedTuple):
    holder: str
    iban: str  # compact, already checked (chalicelib/settlement/accounts.py)
    bic: str | None


EDITABLE = ("name", "address", "email", "zone", "contact")


def update_retailer(retailer_id: str, changes: dict[str, str | None], bank: BankDetails | None) -> Retailer:
    """Edit a shop's details; its credential carries name and zone too, so both change in one transaction."""
    retailer = get_retailer(retailer_id)
    actions = [getattr(Retailer, k).set(v) for k, v in changes.items() if k in EDITABLE and v is not None]
    if bank is not None:
        actions += [Retailer.iban.set(bank.iban), Retailer.account_holder.set(bank.holder),
                    Retailer.bic.set(bank.bic) if bank.bic else Retailer.bic.remove()]
    if not actions:
        raise DomainError("invalid_request", "Nothing to change.")
    try:
        with transaction() as tx:
            tx.update(retailer, actions=actions, name="retailer", condition=Retailer.key_hash == retailer.key_hash)
            if retailer.status == ACTIVE and (changes.get("name") or changes.get("zone")):
                cred = [Credential.name.set(changes.get("name") or retailer.name),
                        Credential.zone.set(changes.get("zone") or retailer.zone)]
                tx.update(Credential(retailer.key_hash), actions=cred, name="credential",
                          condition=Credential.key_hash.exists())
    except TransactionCancelled:
        raise DomainError("conflict", "The retailer changed meanwhile; please retry.") from None
    auth.forget(retailer.key_hash)
    return get_retailer(retailer_id)


def key_belongs_to(retailer: Retailer, api_key: str) -> bool:
    return retailer.status == ACTIVE and hmac.compare_digest(key_hash(api_key), retailer.key_hash)


def get_retailer(retailer_id: str) -> Retailer:
    try:
        return Retailer.get(retailer_id, consistent_read=True)
    except DoesNotExist:
        raise not_found("No such retailer.") from None


def list_retailers(active_only: bool = False) -> list[Retailer]:
    """Every shop with one Query on the `listed` index (a public page never scans)."""
    retailers = list(Retailer.by_listing.query(LISTED))
    if active_only:
        retailers = [r for r in retailers if r.status == ACTIVE]
    return sorted(retailers, key=lambda r: (r.zone, r.name.lower()))


def disable_retailer(retailer_id: str) -> Retailer:
    retailer = get_retailer(retailer_id)
    disable_holder(retailer)
    return retailer


def enable_retailer(retailer_id: str) -> tuple[Retailer, str]:
    """Re-enabling always hands out a fresh key: the old one may be why the shop was disabled."""
    return rotate_retailer_key(retailer_id, enable=True)


def rotate_retailer_key(retailer_id: str, *, enable: bool = False) -> tuple[Retailer, str]:
    retailer = get_retailer(retailer_id)
    if retailer.status != ACTIVE and not enable:
        raise DomainError("retailer_disabled", "Enable the retailer first.")
    api_key = replace_key(retailer, "mpk", lambda hashed: _credential(retailer, hashed))
    return retailer, api_key

"""register_retailer, disable_retailer, rotate_retailer_key: the city manages who may redeem."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.core import auth, clock
from chalicelib.core.errors import DomainError, not_found
from chalicelib.core.ids import key_hash, random_id, secret_key
from chalicelib.store.credentials import disable_holder, replace_key
from chalicelib.store.models import Credential
from chalicelib.store.transactions import transaction
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
    }


def retailer_public(retailer: Retailer) -> dict[str, Any]:
    """What shoppers see: where they can spend vouchers."""
    return {"retailer_id": retailer.retailer_id, "name": retailer.name, "address": retailer.address,
            "zone": retailer.zone}


def _credential(retailer: Retailer, hashed: str) -> Credential:
    return Credential(hashed, role=auth.RETAILER, subject_id=retailer.retailer_id, zone=retailer.zone,
                      name=retailer.name, created_at=clock.iso(clock.now()))


def register_retailer(name: str, address: str, email: str, zone: str) -> tuple[Retailer, str]:
    api_key = secret_key("mpk")
    hashed = key_hash(api_key)
    retailer = Retailer(random_id("ret"), name=name, address=address, email=email, zone=zone, status=ACTIVE,
                        listed=LISTED, key_hash=hashed, created_at=clock.iso(clock.now()))
    with transaction() as tx:
        tx.save(retailer, name="retailer", condition=Retailer.retailer_id.does_not_exist())
        tx.save(_credential(retailer, hashed), name="credential", condition=Credential.key_hash.does_not_exist())
    return retailer, api_key


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

"""Revoking and replacing the API key of whoever holds one (retailer, sensor, marketing user).

A holder is a model with `key_hash` and `status`; its key lives as a `Credential` item. Both change in one
transaction, and this process's key cache forgets the old key at once (other instances re-check in the
redemption's ConditionCheck, or within the cache's minute for read-only routes that re-read the Credential).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.core import auth
from chalicelib.core.errors import DomainError
from chalicelib.core.ids import key_hash, secret_key
from chalicelib.store.models import Credential
from chalicelib.store.transactions import TransactionCancelled, transaction

ACTIVE, DISABLED = "active", "disabled"


def disable_holder(holder: Any) -> None:
    """Status `disabled` and the key deleted, together: the key stops working at once."""
    model = type(holder)
    try:
        with transaction() as tx:
            tx.update(holder, name="holder", actions=[model.status.set(DISABLED)],
                      condition=model.key_hash == holder.key_hash)
            tx.delete(Credential(holder.key_hash), name="credential")
    except TransactionCancelled:
        raise DomainError("conflict", "It changed meanwhile; please retry.") from None
    auth.forget(holder.key_hash)
    holder.status = DISABLED


def replace_key(holder: Any, prefix: str, credential_for: Callable[[str], Credential]) -> str:
    """A fresh key (which also re-enables the holder); the old key stops working at once. Returns the new key."""
    model = type(holder)
    new_key = secret_key(prefix)
    hashed, old_hash = key_hash(new_key), holder.key_hash
    try:
        with transaction() as tx:
            tx.update(holder, name="holder", actions=[model.key_hash.set(hashed), model.status.set(ACTIVE)],
                      condition=model.key_hash == old_hash)
            tx.delete(Credential(old_hash), name="old_credential")
            tx.save(credential_for(hashed), name="new_credential", condition=Credential.key_hash.does_not_exist())
    except TransactionCancelled:
        raise DomainError("conflict", "It changed meanwhile; please retry.") from None
    auth.forget(old_hash)
    holder.key_hash, holder.status = hashed, ACTIVE
    return new_key

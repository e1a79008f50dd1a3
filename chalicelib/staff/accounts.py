"""create_staff, update_staff, change_password: the city's admins manage who may use the back office."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.core import clock
from chalicelib.core.errors import DomainError, not_found
from chalicelib.staff import passwords
from chalicelib.staff.models import ACTIVE, DISABLED, ROLES, StaffAccount
from chalicelib.store.transactions import TransactionCancelled, transaction


def view(account: StaffAccount) -> dict[str, Any]:
    return {"email": account.email, "name": account.name, "role": account.role, "status": account.status,
            "created_at": account.created_at}


def _check_password(password: str) -> None:
    reason = passwords.weak_reason(password)
    if reason:
        raise DomainError("weak_password", f"The password needs {reason}.", field="password")


def get_staff(email: str) -> StaffAccount:
    try:
        return StaffAccount.get(email.lower(), consistent_read=True)
    except DoesNotExist:
        raise not_found("No such staff account.") from None


def list_staff() -> list[StaffAccount]:
    return sorted(StaffAccount.scan(), key=lambda a: a.email)  # a town has a handful of staff


def create_staff(email: str, name: str, role: str, password: str) -> StaffAccount:
    if role not in ROLES:
        raise DomainError("invalid_request", f"'role' must be one of {', '.join(ROLES)}.", field="role")
    _check_password(password)
    account = StaffAccount(email.lower(), name=name, role=role, status=ACTIVE,
                           password_hash=passwords.hash_password(password), created_at=clock.iso(clock.now()),
                           generation=1)
    try:
        with transaction() as tx:
            tx.save(account, name="account", condition=StaffAccount.email.does_not_exist())
    except TransactionCancelled:
        raise DomainError("staff_exists", "A staff account with this e-mail address exists.") from None
    return account


def update_staff(email: str, *, name: str | None = None, role: str | None = None, status: str | None = None,
                 password: str | None = None) -> StaffAccount:
    """A role change, disabling or a new password ends the person's sessions (generation + 1)."""
    account = get_staff(email)
    actions = []
    if name is not None:
        actions.append(StaffAccount.name.set(name))
    if role is not None:
        if role not in ROLES:
            raise DomainError("invalid_request", f"'role' must be one of {', '.join(ROLES)}.", field="role")
        actions.append(StaffAccount.role.set(role))
    if status is not None:
        if status not in (ACTIVE, DISABLED):
            raise DomainError("invalid_request", "'status' must be active or disabled.", field="status")
        actions.append(StaffAccount.status.set(status))
    if password is not None:
        _check_password(password)
        actions.append(StaffAccount.password_hash.set(passwords.hash_password(password)))
    if not actions:
        raise DomainError("invalid_request", "Nothing to change.")
    if role is not None or status is not None or password is not None:
        actions.append(StaffAccount.generation.add(1))
    try:
        with transaction() as tx:
            tx.update(account, actions=actions, name="account",
                      condition=StaffAccount.generation == int(account.generation))
    except TransactionCancelled:
        raise DomainError("conflict", "The account changed meanwhile; please retry.") from None
    return get_staff(email)


def change_own_password(account: StaffAccount, current: str, new: str) -> StaffAccount:
    if not passwords.verify_password(current, account.password_hash):
        raise DomainError("wrong_password", "The current password is wrong.", field="current_password")
    return update_staff(account.email, password=new)

"""DynamoDB transactions for every domain, on one shared connection per endpoint.

A botocore client per transaction would cost more than the write itself (and, under `chalice local`'s thread per
connection, it made 50 concurrent redemptions time out), so the connection is made once and reused.

A request may also hand the next transaction a *rider*: an item that must be written together with whatever the
request changes (the staff audit entry, chalicelib/staff/audit.py). The rider joins the first transaction that
commits in this request, as the last item, so the positions of the service's own items (which the services read
cancellation reasons by) do not move.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Protocol

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from chalicelib.core import settings

_connections: dict[tuple[str, str | None], Connection] = {}



class Rider(Protocol):
    def transaction_item(self) -> dict[str, Any] | None:
        """The operation kwargs of an UpdateItem (updates go last in a transaction) that writes the rider, or None
        when this request has nothing to add."""

    def committed(self) -> None:
        """Called once the transaction carrying the rider has committed."""


_rider: ContextVar[Rider | None] = ContextVar("transaction_rider", default=None)


class _Transaction(TransactWrite):
    def _commit(self) -> Any:
        rider = _rider.get()
        item = rider.transaction_item() if rider is not None else None
        if item is not None:
            self._update_items.append(item)
        else:
            rider = None
        response = super()._commit()
        if rider is not None:
            _rider.set(None)
            rider.committed()
        return response


def transaction() -> TransactWrite:
    s = settings.get()
    key = (s.aws_region, s.dynamodb_endpoint)
    connection = _connections.get(key)
    if connection is None:
        connection = _connections.setdefault(key, Connection(region=key[0], host=key[1], max_pool_connections=50))
    return _Transaction(connection=connection)


def set_rider(rider: Rider | None) -> Any:
    """Attach (or with None, drop) the item the next committed transaction carries; returns a reset token."""
    return _rider.set(rider)


def reset_rider(token: Any) -> None:
    _rider.reset(token)


def drop_connections() -> None:
    """Forget the shared connections (tests and the call counter re-create clients with hooks)."""
    _connections.clear()

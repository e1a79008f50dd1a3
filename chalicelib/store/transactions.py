"""One DynamoDB transaction (TransactWriteItems) as a unit of work whose actions have names.

    from chalicelib.store.transactions import TransactionCancelled, transaction

    try:
        with transaction() as tx:                      # commits when the block ends without an exception
            tx.condition_check(Retailer, retailer_id, condition=Retailer.status == ACTIVE, name="retailer")
            tx.save(entry, condition=LedgerEntry.entry_id.does_not_exist(), name="entry")
            tx.update(Voucher(voucher_id), actions=[Voucher.balance_cents.add(-amount)],
                      condition=Voucher.balance_cents >= amount, name="voucher")
            tx.delete(Credential(old_hash), name="old_key")
    except TransactionCancelled as err:
        if "voucher" in err.failed:                    # names whose condition failed
            current = err.item("voucher", Voucher)     # the item as it was (ALL_OLD), or None
        ...

Adding an action to an existing transaction is one more `tx.<verb>(..., name="...")` line: names, not positions,
identify outcomes, so nothing else changes. Names are unique within a transaction (use `f"voucher:{id}"` in loops).

Every conditional save, update and delete asks DynamoDB for the old item on failure (ALL_OLD; free of charge), so
`err.item(name, Model)` works for them; a condition check cannot return it (DynamoDB and PynamoDB offer none).

Retries live here and only here: a commit that DynamoDB refuses for reasons that say nothing about our conditions
(TransactionConflict with a concurrent transaction, throttling) is re-sent, unchanged, with jittered exponential
backoff, up to `ATTEMPTS` times; then `TransactionBusy` (a "busy" domain error: please retry) is raised. A failed
condition is never retried here; the caller decides (replay, refuse, re-read and try a new transaction).

A request may also hand the next transaction a *rider*: an item that must be written together with whatever the
request changes (the staff audit entry, chalicelib/staff/audit.py). The rider joins the first unit of work that
commits in this request as its last action, named "audit"; if that commit is cancelled, nothing is written and the
rider waits for the next one.

This is the only module that knows DynamoDB's cancellation format. One botocore connection per endpoint is shared
by all transactions: a client per transaction would cost more than the write itself (and, under `chalice local`'s
thread per connection, made 50 concurrent redemptions time out).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model

from chalicelib.core import settings
from chalicelib.core.errors import DomainError
from chalicelib.store.base import share_session

M = TypeVar("M", bound=Model)

ATTEMPTS = 10
BACKOFF_FIRST_SECONDS = 0.005
BACKOFF_MAX_SECONDS = 0.2
CONDITION_FAILED = "ConditionalCheckFailed"
# Whole-request errors and per-item cancellation codes that mean "try again", not "your condition is false".
RETRYABLE_ERRORS = frozenset({"TransactionConflictException", "ThrottlingException", "RequestLimitExceeded",
                              "ProvisionedThroughputExceededException", "TransactionInProgressException",
                              "InternalServerError"})
RETRYABLE_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
_KINDS = ("condition_check", "delete", "put", "update")  # the order PynamoDB sends the item groups in

_connections: dict[tuple[str, str | None], Connection] = {}
_substitute: Callable[[], Any] | None = None
sleep: Callable[[float], None] = time.sleep  # tests replace it to retry without waiting


class TransactionCancelled(Exception):
    """DynamoDB cancelled the transaction: nothing was written.

    `failed` holds the names of the actions whose condition was false; `codes` every named action's cancellation
    code (ConditionalCheckFailed, ValidationError, ...), for logging; `item(name, Model)` the item as it was.
    """

    def __init__(self, codes: dict[str, str], items: dict[str, dict[str, Any]]) -> None:
        self.codes = codes
        self.failed = frozenset(name for name, code in codes.items() if code == CONDITION_FAILED)
        self._items = items
        super().__init__(f"transaction cancelled: {codes}")

    def item(self, name: str, model: type[M]) -> M | None:
        """The old item (ALL_OLD) of action `name`, or None when it did not exist or was not returned."""
        raw = self._items.get(name)
        return model.from_raw_data(raw) if raw else None

    def only(self, names: Collection[str]) -> bool:
        """True when every failed condition is one of `names` (and at least one failed)."""
        return bool(self.failed) and self.failed <= set(names)


class TransactionBusy(DomainError):
    """Concurrent transactions kept winning (or DynamoDB kept throttling) for every attempt."""

    def __init__(self) -> None:
        super().__init__("busy", "This is being changed elsewhere right now; please retry.")


class Rider(Protocol):
    def transaction_item(self) -> dict[str, Any] | None:
        """The operation kwargs of an UpdateItem that writes the rider, or None when the request adds nothing."""

    def committed(self) -> None:
        """Called once the transaction carrying the rider has committed."""


RIDER_NAME = "audit"
_rider: ContextVar[Rider | None] = ContextVar("transaction_rider", default=None)


def set_rider(rider: Rider | None) -> Any:
    """Attach (or with None, drop) the item the next committed transaction carries; returns a reset token."""
    return _rider.set(rider)


def reset_rider(token: Any) -> None:
    _rider.reset(token)


class UnitOfWork:
    """Collects named actions; `commit()` (or the end of a `with` block) sends them as one TransactWriteItems."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._items: dict[str, list[dict[str, Any]]] = {kind: [] for kind in _KINDS}
        self._names: dict[str, list[str]] = {kind: [] for kind in _KINDS}
        self._saved: list[Model] = []

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.commit()

    @property
    def names(self) -> list[str]:
        """Action names in the order DynamoDB receives (and reports on) them."""
        return [name for kind in _KINDS for name in self._names[kind]]

    def __len__(self) -> int:
        return sum(len(names) for names in self._names.values())

    def _add(self, kind: str, name: str, kwargs: dict[str, Any]) -> None:
        if not name:
            raise ValueError("every transaction action needs a name")
        if any(name in names for names in self._names.values()):
            raise ValueError(f"action name {name!r} is used twice in this transaction")
        self._items[kind].append(kwargs)
        self._names[kind].append(name)

    def condition_check(self, model_cls: type[Model], hash_key: Any, range_key: Any = None, *, condition: Any,
                        name: str) -> None:
        if condition is None:
            raise TypeError("a condition check needs a condition")
        self._add("condition_check", name,
                  model_cls.get_operation_kwargs_from_class(hash_key, range_key=range_key, condition=condition))

    def save(self, model: Model, *, name: str, condition: Any = None) -> None:
        self._add("put", name, model.get_save_kwargs_from_instance(
            condition=condition, return_values_on_condition_failure=_old(condition)))
        self._saved.append(model)

    def update(self, model: Model, actions: list[Any], *, name: str, condition: Any = None) -> None:
        self._add("update", name, model.get_update_kwargs_from_instance(
            actions=actions, condition=condition, return_values_on_condition_failure=_old(condition)))
        self._saved.append(model)

    def delete(self, model: Model, *, name: str, condition: Any = None) -> None:
        self._add("delete", name, model.get_delete_kwargs_from_instance(
            condition=condition, return_values_on_condition_failure=_old(condition)))

    def commit(self) -> None:
        if not len(self):
            return
        rider = _rider.get()
        item = rider.transaction_item() if rider is not None else None
        if item is not None:
            self._add("update", RIDER_NAME, item)
        try:
            self._send()
        finally:
            if item is not None:  # a cancelled unit of work may be committed again: without the rider
                self._items["update"] = self._items["update"][:-1]  # a new list: the one sent stays as sent
                self._names["update"] = self._names["update"][:-1]
        if item is not None and rider is not None:
            _rider.set(None)
            rider.committed()

    def _send(self) -> None:
        for attempt in range(ATTEMPTS):
            try:
                self._connection.transact_write_items(
                    condition_check_items=self._items["condition_check"], delete_items=self._items["delete"],
                    put_items=self._items["put"], update_items=self._items["update"])
            except TransactWriteError as err:
                if not _retryable(err):
                    raise self._cancelled(err) from err
                if attempt + 1 < ATTEMPTS:
                    import random  # only on this rare path: not at cold start

                    sleep(random.uniform(0, min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** attempt)))
                continue
            for model in self._saved:
                model.update_local_version_attribute()
            return
        raise TransactionBusy()

    def _cancelled(self, err: TransactWriteError) -> Exception:
        reasons = err.cancellation_reasons
        if not reasons:
            return err  # not a cancellation (bad request, network): the original error says what happened
        codes: dict[str, str] = {}
        items: dict[str, dict[str, Any]] = {}
        for name, reason in zip(self.names, reasons, strict=False):
            if reason is not None and reason.code and reason.code != "None":
                codes[name] = reason.code
                if reason.raw_item:
                    items[name] = reason.raw_item
        return TransactionCancelled(codes, items)


def _old(condition: Any) -> str | None:
    return "ALL_OLD" if condition is not None else None


def _retryable(err: TransactWriteError) -> bool:
    reasons = [r.code for r in err.cancellation_reasons if r is not None and r.code and r.code != "None"]
    if not reasons:
        return err.cause_response_code in RETRYABLE_ERRORS
    return CONDITION_FAILED not in reasons and any(code in RETRYABLE_REASONS for code in reasons)


def transaction() -> UnitOfWork:
    """A new unit of work on this endpoint's shared connection (or from the factory a unit test substituted)."""
    if _substitute is not None:
        return _substitute()
    s = settings.get()
    key = (s.aws_region, s.dynamodb_endpoint)
    connection = _connections.get(key)
    if connection is None:
        connection = _connections.setdefault(key, share_session(Connection(
            region=key[0], host=key[1], max_pool_connections=50, connect_timeout_seconds=s.aws_connect_timeout_s,
            read_timeout_seconds=s.aws_read_timeout_s, max_retry_attempts=s.aws_max_attempts - 1)))
    return UnitOfWork(connection)


@contextmanager
def substituted(factory: Callable[[], Any]) -> Iterator[None]:
    """The seam for rule tests without DynamoDB: `transaction()` returns `factory()` inside the block. The stand-in
    offers the same four verbs with names and raises the same `TransactionCancelled`."""
    global _substitute
    previous, _substitute = _substitute, factory
    try:
        yield
    finally:
        _substitute = previous


def drop_connections() -> None:
    """Forget the shared connections (tests and the call counter re-create clients with hooks)."""
    _connections.clear()

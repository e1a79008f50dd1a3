"""A stand-in unit of work for rule tests without DynamoDB (plugged in with `transactions.substituted`).

It records each named action and, when told, cancels the commit exactly as DynamoDB would: the named conditions
failed, with the old items. The moto-backed tests prove that the real conditions fail when they should.
"""

from __future__ import annotations

from typing import Any

from pynamodb.models import Model

from chalicelib.store.transactions import CONDITION_FAILED, TransactionCancelled


class FakeUnitOfWork:
    def __init__(self, failing: dict[str, Model | None] | None = None) -> None:
        self.failing = failing or {}  # name -> old item (or None: the item did not exist)
        self.actions: list[tuple[str, str, Any]] = []  # (verb, name, model)
        self.committed = False

    def __enter__(self) -> FakeUnitOfWork:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.commit()

    def condition_check(self, model_cls: type[Model], hash_key: Any, range_key: Any = None, *, condition: Any,
                        name: str) -> None:
        self.actions.append(("condition_check", name, (model_cls, hash_key, range_key)))

    def save(self, model: Model, *, name: str, condition: Any = None) -> None:
        self.actions.append(("save", name, model))

    def update(self, model: Model, actions: list[Any], *, name: str, condition: Any = None) -> None:
        self.actions.append(("update", name, model))

    def delete(self, model: Model, *, name: str, condition: Any = None) -> None:
        self.actions.append(("delete", name, model))

    @property
    def names(self) -> list[str]:
        return [name for _, name, _ in self.actions]

    def commit(self) -> None:
        failed = {name: item for name, item in self.failing.items() if name in self.names}
        if failed:
            raise TransactionCancelled({name: CONDITION_FAILED for name in failed},
                                       {name: item.serialize() for name, item in failed.items() if item is not None})
        self.committed = True


class Recorder:
    """A factory for `transactions.substituted` that keeps every unit of work it made."""

    def __init__(self, *plans: dict[str, Model | None]) -> None:
        self.plans = list(plans)
        self.made: list[FakeUnitOfWork] = []

    def __call__(self) -> FakeUnitOfWork:
        uow = FakeUnitOfWork(self.plans.pop(0) if self.plans else None)
        self.made.append(uow)
        return uow

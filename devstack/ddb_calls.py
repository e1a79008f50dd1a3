"""Count DynamoDB API calls with botocore's event hooks (for tests and `make bench`).

Every PynamoDB connection gets its botocore client from a session made by `get_session`; while counting, those
sessions carry a `before-call.dynamodb` handler, and cached connections and the shared sessions
(chalicelib/store/base.py) are dropped so that all clients are new.
The count is what would be billed and what would cross the network on real AWS, whatever the timings here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Calls(list):
    def by_operation(self) -> Counter:
        return Counter(self)


def _drop_connections() -> None:
    from chalicelib.store.base import reset_sessions
    from chalicelib.store.tables import all_models
    from chalicelib.store.transactions import drop_connections

    for model in all_models():
        model._connection = None
    drop_connections()
    reset_sessions()


@contextmanager
def count_dynamodb_calls() -> Iterator[Calls]:
    import pynamodb.connection.base as base

    calls = Calls()

    def hook(model: Any, **_: Any) -> None:
        calls.append(model.name)

    original = base.get_session

    def session_with_hook() -> Any:
        session = original()
        session.register("before-call.dynamodb", hook)
        return session

    base.get_session = session_with_hook
    _drop_connections()
    try:
        yield calls
    finally:
        base.get_session = original
        _drop_connections()

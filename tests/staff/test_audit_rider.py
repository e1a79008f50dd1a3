"""The audit entry rides along with the unit of work (no server): as the last action, named "audit"; a cancelled
commit writes nothing and keeps the rider for the next commit; a committed rider is not sent twice."""

from __future__ import annotations

from typing import Any

import pytest
from pynamodb.exceptions import CancellationReason

from chalicelib.store import transactions
from chalicelib.store.transactions import TransactionCancelled, UnitOfWork
from chalicelib.vouchers.models import Voucher
from tests.test_transactions_unit import FakeConnection, _error

# No server is called, but PynamoDB caches each model's connection on first use: start the local store first so
# that cache points at it, whichever test file runs first.
pytestmark = pytest.mark.store


class Rider:
    def __init__(self) -> None:
        self.commits = 0

    def transaction_item(self) -> dict[str, Any] | None:
        return None if self.commits else {"TableName": "audit", "Key": {"month": {"S": "2026-12"}}}

    def committed(self) -> None:
        self.commits += 1


def _block(tx: UnitOfWork) -> None:
    tx.update(Voucher("v1"), name="voucher", actions=[Voucher.status.set("blocked")],
              condition=Voucher.status == "active")


def test_rider_is_the_last_named_action_and_survives_a_cancelled_commit() -> None:
    rider = Rider()
    token = transactions.set_rider(rider)
    try:
        conn = FakeConnection(_error("TransactionCanceledException",
                                     [CancellationReason(code="ConditionalCheckFailed"), None]), None)
        tx = UnitOfWork(conn)  # type: ignore[arg-type]
        _block(tx)
        with pytest.raises(TransactionCancelled) as err:
            tx.commit()
        assert err.value.failed == {"voucher"}  # reasons still map by name with the rider at the end
        assert rider.commits == 0 and tx.names == ["voucher"]
        again = UnitOfWork(conn)  # type: ignore[arg-type]
        _block(again)
        again.commit()
        assert [i["TableName"] for i in conn.sent[1]["update_items"]][-1] == "audit"
        assert rider.commits == 1
        third = UnitOfWork(conn)  # type: ignore[arg-type]
        _block(third)
        third.commit()
        assert len(conn.sent[2]["update_items"]) == 1  # written once only
    finally:
        transactions.reset_rider(token)

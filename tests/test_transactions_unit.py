"""The unit of work without a server: names map to DynamoDB's positional reasons, one retry policy, one error."""

from __future__ import annotations

from typing import Any

import pytest
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

from chalicelib.store import transactions
from chalicelib.store.transactions import TransactionBusy, TransactionCancelled, UnitOfWork
from chalicelib.vouchers.models import LedgerEntry, Retailer, Voucher


def _error(code: str, reasons: list[CancellationReason | None] = ()) -> TransactWriteError:  # type: ignore[assignment]
    cause = VerboseClientError({"Error": {"Code": code, "Message": code}}, "TransactWriteItems",
                               cancellation_reasons=reasons)
    return TransactWriteError("Failed to write transaction items", cause)


class FakeConnection:
    """Answers each commit with the next outcome (an error to raise, or None for success)."""

    def __init__(self, *outcomes: TransactWriteError | None) -> None:
        self.outcomes = list(outcomes)
        self.sent: list[dict[str, Any]] = []

    def transact_write_items(self, **kwargs: Any) -> dict[str, Any]:
        self.sent.append(kwargs)
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        return {}


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transactions, "sleep", lambda _seconds: None)


def _redemption_shape(tx: UnitOfWork) -> None:
    # added in another order than DynamoDB receives them: update first, condition check last
    tx.update(Voucher("v1"), name="voucher", actions=[Voucher.balance_cents.add(-5)],
              condition=Voucher.balance_cents >= 5)
    tx.save(LedgerEntry("v1", "e1", kind="redemption", amount_cents=-5, created_at="x"), name="entry",
            condition=LedgerEntry.entry_id.does_not_exist())
    tx.condition_check(Retailer, "r1", condition=Retailer.status == "active", name="retailer")


def test_failed_conditions_are_reported_by_name_with_the_old_item() -> None:
    old = Voucher("v1", status="active", balance_cents=3, initial_cents=10, expires_at=9, issued_at="x", kid=1)
    raw = old.serialize()
    # DynamoDB answers in the order sent: condition checks, deletes, puts, updates
    conn = FakeConnection(_error("TransactionCanceledException", [
        None, None, CancellationReason(code="ConditionalCheckFailed", raw_item=raw)]))
    tx = UnitOfWork(conn)  # type: ignore[arg-type]
    _redemption_shape(tx)
    assert tx.names == ["retailer", "entry", "voucher"]
    with pytest.raises(TransactionCancelled) as err:
        tx.commit()
    assert err.value.failed == {"voucher"}
    item = err.value.item("voucher", Voucher)
    assert item is not None and int(item.balance_cents) == 3
    assert err.value.item("entry", LedgerEntry) is None
    assert len(conn.sent) == 1  # a false condition is never retried
    update = conn.sent[0]["update_items"][0]
    assert update["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"


def test_conflicts_are_retried_with_the_same_actions_then_succeed() -> None:
    conflict = _error("TransactionCanceledException", [None, CancellationReason(code="TransactionConflict"), None])
    conn = FakeConnection(conflict, _error("ThrottlingException"), None)
    tx = UnitOfWork(conn)  # type: ignore[arg-type]
    _redemption_shape(tx)
    tx.commit()
    assert len(conn.sent) == 3 and conn.sent[0] == conn.sent[2]


def test_a_conflict_beside_a_false_condition_is_a_cancellation() -> None:
    conn = FakeConnection(_error("TransactionCanceledException", [
        CancellationReason(code="ConditionalCheckFailed"), CancellationReason(code="TransactionConflict"), None]))
    tx = UnitOfWork(conn)  # type: ignore[arg-type]
    _redemption_shape(tx)
    with pytest.raises(TransactionCancelled) as err:
        tx.commit()
    assert err.value.failed == {"retailer"} and err.value.codes["entry"] == "TransactionConflict"


def test_endless_conflicts_end_as_busy() -> None:
    conn = FakeConnection(*[_error("TransactionConflictException")] * transactions.ATTEMPTS)
    tx = UnitOfWork(conn)  # type: ignore[arg-type]
    _redemption_shape(tx)
    with pytest.raises(TransactionBusy) as err:
        tx.commit()
    assert err.value.code == "busy" and len(conn.sent) == transactions.ATTEMPTS


def test_other_errors_pass_through_unchanged() -> None:
    original = _error("ValidationException")
    tx = UnitOfWork(FakeConnection(original))  # type: ignore[arg-type]
    _redemption_shape(tx)
    with pytest.raises(TransactWriteError) as err:
        tx.commit()
    assert err.value is original


def test_names_are_required_and_unique() -> None:
    tx = UnitOfWork(FakeConnection())  # type: ignore[arg-type]
    tx.delete(Voucher("v1"), name="voucher")
    with pytest.raises(ValueError):
        tx.delete(Voucher("v2"), name="voucher")
    with pytest.raises(ValueError):
        tx.delete(Voucher("v3"), name="")


def test_a_with_block_commits_once_and_not_after_an_exception() -> None:
    conn = FakeConnection()
    with UnitOfWork(conn) as tx:  # type: ignore[arg-type]
        tx.delete(Voucher("v1"), name="old")
    assert len(conn.sent) == 1 and conn.sent[0]["delete_items"]
    with pytest.raises(RuntimeError), UnitOfWork(conn) as tx:  # type: ignore[arg-type]
        tx.delete(Voucher("v1"), name="old")
        raise RuntimeError
    assert len(conn.sent) == 1

"""Every model and the unit of work share one botocore session per thread: a new session loads DynamoDB's service
model again, which a cold Lambda would pay for every table a request touches."""

from __future__ import annotations

import threading

import pytest

from chalicelib.payments.models import Order
from chalicelib.store.transactions import transaction
from chalicelib.vouchers.models import LedgerEntry, Voucher

pytestmark = pytest.mark.store


def _session(model: type) -> object:
    return model._get_connection().connection.session


def test_models_and_transactions_share_one_session_per_thread() -> None:
    first = _session(Voucher)
    assert _session(LedgerEntry) is first and _session(Order) is first
    assert transaction()._connection.session is first
    other: list[object] = []
    worker = threading.Thread(target=lambda: other.append(_session(Voucher)))
    worker.start()
    worker.join()
    assert other[0] is not first  # botocore sessions are not thread safe: each thread has its own

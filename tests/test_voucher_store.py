"""Service-level tests against moto: the redemption transaction, idempotency, reversal, expiry, the invariant."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from chalicelib.core import auth, clock
from chalicelib.core.errors import DomainError
from chalicelib.vouchers import issuing, lifecycle, retailers, views
from chalicelib.vouchers.models import LedgerEntry, Voucher
from chalicelib.vouchers.redemption import Redeemed, Replayed, balance_hints, redeem, reverse_redemption
from chalicelib.vouchers.rules import Refused
from devstack.ddb_calls import count_dynamodb_calls

pytestmark = pytest.mark.usefixtures("aws_server")


def _shop() -> auth.Principal:
    retailer, key = retailers.register_retailer("Laden", "Markt 1", "a@b.de", "markt")
    return auth.Principal(role=auth.RETAILER, subject_id=retailer.retailer_id, key_hash=retailer.key_hash,
                          zone="markt")


def _invariant(voucher_id: str) -> int:
    voucher = Voucher.get(voucher_id, consistent_read=True)
    entries = list(LedgerEntry.query(voucher_id, consistent_read=True))
    initial = sum(int(e.amount_cents) for e in entries if e.kind in ("issue", "reissue_in"))
    reversals = sum(int(e.amount_cents) for e in entries if e.kind == "reversal")
    spent = -sum(int(e.amount_cents) for e in entries if e.kind in ("redemption", "reissue_out"))
    assert initial + reversals - spent == int(voucher.balance_cents) >= 0
    return int(voucher.balance_cents)


def test_redemption_is_one_transaction_without_a_read() -> None:
    shop = _shop()
    [voucher] = issuing.issue_vouchers(5000, 1)
    token = views.token_for(voucher)
    with count_dynamodb_calls() as calls:
        result = redeem(shop, token, 1200, uuid.uuid4().hex, expected_balance_cents=5000)
    assert isinstance(result, Redeemed) and result.balance_cents == 3800
    assert calls == ["TransactWriteItems"]
    # the next redemption in this process knows the balance from the last one: again exactly one call
    with count_dynamodb_calls() as calls:
        redeem(shop, token, 800, uuid.uuid4().hex)
    assert calls == ["TransactWriteItems"]
    assert _invariant(voucher.voucher_id) == 3000


def test_without_any_hint_one_read_then_the_transaction() -> None:
    shop = _shop()
    [voucher] = issuing.issue_vouchers(5000, 1)
    balance_hints.clear()
    with count_dynamodb_calls() as calls:
        redeem(shop, views.token_for(voucher), 100, uuid.uuid4().hex)
    assert calls == ["GetItem", "TransactWriteItems"]


def test_stale_hint_costs_one_failed_transaction_and_no_read() -> None:
    shop = _shop()
    [voucher] = issuing.issue_vouchers(5000, 1)
    with count_dynamodb_calls() as calls:
        result = redeem(shop, views.token_for(voucher), 100, uuid.uuid4().hex, expected_balance_cents=1)
    assert isinstance(result, Redeemed) and result.balance_cents == 4900
    assert calls == ["TransactWriteItems", "TransactWriteItems"]


def test_under_contention_a_decrement_redeems_and_the_answer_reads_the_balance(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Other tills are faster every time: after two stale compare-and-sets the redemption decrements (never `busy`
    while the balance suffices), reads the balance for its answer, and a replay reports it as well."""
    from chalicelib.vouchers import redemption

    shop = _shop()
    [voucher] = issuing.issue_vouchers(5000, 1)
    vid = voucher.voucher_id
    original = redemption.transaction

    def another_till_first() -> object:  # a concurrent redemption commits just before each of ours
        Voucher(vid).update(actions=[Voucher.balance_cents.add(-10)])
        return original()

    monkeypatch.setattr(redemption, "transaction", another_till_first)
    with count_dynamodb_calls() as calls:
        result = redeem(shop, views.token_for(voucher), 100, "till-busy-1", expected_balance_cents=5000)
    monkeypatch.setattr(redemption, "transaction", original)
    assert isinstance(result, Redeemed)
    assert result.balance_cents == 5000 - 3 * 10 - 100 == int(Voucher.get(vid, consistent_read=True).balance_cents)
    ours = [call for call in calls if call != "UpdateItem"]  # the other tills' writes are not ours
    assert ours == ["TransactWriteItems", "TransactWriteItems", "TransactWriteItems", "GetItem"]
    assert [int(e.amount_cents) for e in LedgerEntry.query(vid) if e.kind == "redemption"] == [-100]

    again = redeem(shop, views.token_for(voucher), 100, "till-busy-1")
    assert isinstance(again, Replayed) and again.redemption.redemption_id == result.redemption_id
    assert again.redemption.balance_cents == result.balance_cents

    refused = redeem(shop, views.token_for(voucher), 5000, "till-busy-2")  # and too much is still refused
    assert isinstance(refused, Refused) and refused.code == "insufficient_balance"


def test_refusals_write_nothing() -> None:
    shop = _shop()
    [voucher] = issuing.issue_vouchers(1000, 1)
    token = views.token_for(voucher)
    assert redeem(shop, token, 1001, "k-too-much") == Refused("insufficient_balance", 1000)
    lifecycle.block_voucher(voucher.voucher_id, "test")
    assert redeem(shop, token, 10, "k-blocked") == Refused("voucher_blocked")
    kinds = [e.kind for e in LedgerEntry.query(voucher.voucher_id)]
    assert kinds == ["issue", "block"]
    assert _invariant(voucher.voucher_id) == 1000
    # a refused request leaves no idempotency record: the same key may be used again once the problem is fixed
    lifecycle.unblock_voucher(voucher.voucher_id)
    assert redeem(shop, token, 10, "k-blocked").balance_cents == 990


def test_expiry_is_enforced_by_the_condition() -> None:
    shop = _shop()
    [voucher] = issuing.issue_vouchers(1000, 1, expires_at=clock.now() + timedelta(days=1))
    clock.shift(86400 + 5)
    assert redeem(shop, views.token_for(voucher), 10, "k-exp", expected_balance_cents=1000) == \
        Refused("voucher_expired")
    assert _invariant(voucher.voucher_id) == 1000


def test_idempotent_retry_returns_the_stored_answer() -> None:
    shop = _shop()
    [voucher] = issuing.issue_vouchers(1000, 1)
    token = views.token_for(voucher)
    first = redeem(shop, token, 300, "same-key")
    balance_hints.clear()
    again = redeem(shop, token, 300, "same-key")
    assert isinstance(first, Redeemed) and again == Replayed(first)
    with pytest.raises(DomainError) as err:
        redeem(shop, token, 301, "same-key")
    assert err.value.code == "idempotency_key_reused"
    assert _invariant(voucher.voucher_id) == 700


def test_reversal_once_and_the_invariant() -> None:
    shop = _shop()
    [voucher] = issuing.issue_vouchers(1000, 1)
    red = redeem(shop, views.token_for(voucher), 400, "k1")
    rev = reverse_redemption(shop, red.redemption_id)
    assert rev.new and rev.balance_cents == 1000
    rev2 = reverse_redemption(shop, red.redemption_id)
    assert not rev2.new and rev2.balance_cents == 1000 and rev2.reversal_id == rev.reversal_id
    assert _invariant(voucher.voucher_id) == 1000
    kinds = [e.kind for e in LedgerEntry.query(voucher.voucher_id)]
    assert kinds.count("reversal") == 1


def test_default_expiry_is_end_of_third_following_year() -> None:
    from datetime import datetime

    from chalicelib.vouchers.expiry import default_expiry

    assert default_expiry(datetime(2026, 1, 1, 0, 30, tzinfo=clock.BERLIN)).isoformat() == "2029-12-31T23:59:59+01:00"
    # 31 Dec 23:30 UTC is already 1 Jan in Billerbeck: the town's year counts
    assert default_expiry(datetime.fromisoformat("2026-12-31T23:30:00+00:00")).year == 2030

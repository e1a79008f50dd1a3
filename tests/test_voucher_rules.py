"""The voucher rules in milliseconds: no moto, no server. The DynamoDB conditions that enforce the same rules
atomically are proven against moto in tests/test_voucher_store.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core.auth import RETAILER, Principal
from chalicelib.signing import keystore
from chalicelib.store import transactions
from chalicelib.vouchers import redemption
from chalicelib.vouchers.models import Voucher
from chalicelib.vouchers.redemption import Redeemed, redeem
from chalicelib.vouchers.rules import REVERSAL_WINDOW, Refused, bonus_share, is_expired, refusal, reversal_refusal
from tests.support.unit_of_work import Recorder

NOW = 1_900_000_000
SHOP = Principal(role=RETAILER, subject_id="ret_1", key_hash="h", zone="markt")


def test_refusal_reasons_in_order() -> None:
    assert refusal("active", NOW + 1, 1000, 1000, NOW) is None  # the whole balance may go
    assert refusal("active", NOW + 1, 999, 1000, NOW) == Refused("insufficient_balance", 999)
    assert refusal("active", NOW, 5000, 10, NOW) == Refused("voucher_expired")
    # a blocked voucher says so first, even when it is also expired and empty
    assert refusal("blocked", NOW, 0, 10, NOW) == Refused("voucher_blocked")
    assert refusal("active", NOW - 5, 0, 10, NOW) == Refused("voucher_expired")


def test_expiry_is_the_first_second_no_longer_valid() -> None:
    assert not is_expired(NOW + 1, NOW) and is_expired(NOW, NOW) and is_expired(NOW - 1, NOW)


def test_reversal_window() -> None:
    made = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
    assert reversal_refusal(is_admin=False, same_retailer=True, redeemed_at=made, now=made + REVERSAL_WINDOW) is None
    late = made + REVERSAL_WINDOW + timedelta(seconds=1)
    assert reversal_refusal(is_admin=False, same_retailer=True, redeemed_at=made, now=late) == "reversal_window_closed"
    assert reversal_refusal(is_admin=False, same_retailer=False, redeemed_at=made, now=made) == "forbidden"
    assert reversal_refusal(is_admin=True, same_retailer=False, redeemed_at=made, now=late + timedelta(days=900)) \
        is None


def test_bonus_split_is_integer_half_up() -> None:
    assert bonus_share(5, 1, 2) == 3  # 2.5 -> 3 (float round() said 2: banker's rounding)
    assert bonus_share(999, 1000, 6000) == 167  # 166.5 -> 167
    assert bonus_share(601, 1000, 6000) == 100  # 100.17 -> 100
    assert bonus_share(-5, 1, 2) == -3  # reversals mirror redemptions
    assert bonus_share(500, 0, 5000) == 0 and bonus_share(500, 100, 0) == 0


@given(amount=st.integers(0, 10**7), initial=st.integers(1, 10**6), data=st.data())
def test_bonus_split_never_exceeds_the_amount_and_is_symmetric(amount: int, initial: int, data) -> None:
    bonus = data.draw(st.integers(0, initial))
    share = bonus_share(amount, bonus, initial)
    assert 0 <= share <= amount and bonus_share(-amount, bonus, initial) == -share
    assert abs(share * initial - amount * bonus) * 2 <= initial  # within half a cent of the exact share


@pytest.fixture
def token() -> str:
    keystore.reset()
    return keystore.keyring().sign("v" * 16)


def _voucher(balance: int, status: str = "active", expires_at: int = NOW + 10**6) -> Voucher:
    return Voucher("v" * 16, status=status, balance_cents=balance, initial_cents=5000, expires_at=expires_at,
                   issued_at="2026-01-01T00:00:00Z", kid=1)


def test_a_redemption_is_one_unit_of_work_of_four_named_actions_and_its_totals(token: str) -> None:
    work = Recorder({})
    with transactions.substituted(work):
        result = redeem(SHOP, token, 1200, "k1", expected_balance_cents=5000)
    assert isinstance(result, Redeemed) and result.balance_cents == 3800
    [uow] = work.made
    money = sorted(name for name in uow.names if not name.startswith("totals:"))
    assert uow.committed and money == ["entry", "idempotency", "retailer", "voucher"]
    # ...and the report totals it moves (retailer-month, retailer-day, zone-hour, zone-day), in the same transaction
    assert sorted(name.split(":")[1] for name in uow.names if name.startswith("totals:")) == [
        "day", "month", "zone_day", "zone_month"]


def test_a_refused_condition_is_explained_from_the_old_item(token: str) -> None:
    work = Recorder({"voucher": _voucher(700)})
    with transactions.substituted(work):
        assert redeem(SHOP, token, 1200, "k2", expected_balance_cents=5000) == Refused("insufficient_balance", 700)
    assert redemption.balance_hints.get("v" * 16) == 700  # the next attempt guesses right without a read
    work = Recorder({"voucher": _voucher(5000, status="blocked")})
    with transactions.substituted(work):
        assert redeem(SHOP, token, 10, "k3", expected_balance_cents=5000) == Refused("voucher_blocked")
    work = Recorder({"voucher": None})
    with transactions.substituted(work):
        assert redeem(SHOP, token, 10, "k4", expected_balance_cents=5000) == Refused("invalid_token")


def test_a_stale_expected_balance_is_retried_with_the_current_one(token: str) -> None:
    work = Recorder({"voucher": _voucher(4000)}, {})
    with transactions.substituted(work):
        result = redeem(SHOP, token, 1000, "k5", expected_balance_cents=5000)
    assert isinstance(result, Redeemed) and result.balance_cents == 3000 and len(work.made) == 2


def test_a_disabled_retailer_is_unauthorized(token: str) -> None:
    from chalicelib.core.errors import DomainError

    work = Recorder({"retailer": None})
    with transactions.substituted(work), pytest.raises(DomainError) as err:
        redeem(SHOP, token, 10, "k6", expected_balance_cents=5000)
    assert err.value.code == "unauthorized"


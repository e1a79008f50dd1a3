"""Money rules after a block, a re-issue or an expiry (no payment involved): a reversal credits the holder's
voucher *now* — through the chain of replacements — and never one whose money could not be spent."""

from __future__ import annotations

import json

import pytest

from chalicelib.core import clock
from chalicelib.vouchers import redemption
from chalicelib.vouchers.models import LedgerEntry, Voucher
from tests.conftest import ADMIN_TOKEN, Api


def _ledger_sum(voucher_id: str) -> int:
    return sum(int(e.amount_cents) for e in LedgerEntry.query(voucher_id, consistent_read=True))


def _balance(voucher_id: str) -> int:
    return int(Voucher.get(voucher_id, consistent_read=True).balance_cents)


def _redeem(api: Api, key: str, token: str, amount: int) -> str:
    r = api.redeem(key, token, amount)
    assert r.status_code == 201, r.body
    return json.loads(r.body)["redemption_id"]


def _block_and_reissue(api: Api, voucher_id: str) -> dict:
    api.json("POST", f"/api/v1/vouchers/{voucher_id}/block", {"reason": "QR verloren"}, ADMIN_TOKEN, expect=200)
    return api.json("POST", f"/api/v1/vouchers/{voucher_id}/reissue", token=ADMIN_TOKEN, expect=201)["voucher"]


def test_reversal_of_a_reissued_voucher_follows_it_to_its_replacement(api: Api) -> None:
    shop = api.retailer()
    [v] = api.vouchers(2500)
    redemption_id = _redeem(api, shop["api_key"], v["token"], 1000)
    new = _block_and_reissue(api, v["voucher_id"])
    assert new["balance_cents"] == 1500
    path = f"/api/v1/redemptions/{redemption_id}/reversal"
    rev = api.json("POST", path, token=shop["api_key"], expect=201)
    assert rev["credited_voucher_id"] == new["voucher_id"] and rev["balance_cents"] == 2500
    assert _balance(new["voucher_id"]) == 2500 and _balance(v["voucher_id"]) == 0
    assert api.json("POST", path, token=shop["api_key"], expect=200)["balance_cents"] == 2500  # once
    for voucher_id in (v["voucher_id"], new["voucher_id"]):
        assert _ledger_sum(voucher_id) == _balance(voucher_id)  # the projection is the ledger
    kinds = [e.kind for e in LedgerEntry.query(v["voucher_id"], consistent_read=True)]
    assert sorted(kinds) == sorted(["issue", "redemption", "reversal", "block", "reissue_out", "reissue_out"])
    # The holder spends it with the new code; the old one stays dead.
    assert api.redeem(shop["api_key"], new["token"], 2500).status_code == 201
    assert api.redeem(shop["api_key"], v["token"], 1).status_code == 409


def test_reversal_follows_a_chain_of_two_reissues(api: Api) -> None:
    shop = api.retailer()
    [v] = api.vouchers(2000)
    redemption_id = _redeem(api, shop["api_key"], v["token"], 500)
    second = _block_and_reissue(api, v["voucher_id"])
    third = _block_and_reissue(api, second["voucher_id"])
    rev = api.json("POST", f"/api/v1/redemptions/{redemption_id}/reversal", token=ADMIN_TOKEN, expect=201)
    assert rev["credited_voucher_id"] == third["voucher_id"] and _balance(third["voucher_id"]) == 2000
    assert _balance(second["voucher_id"]) == 0 and _balance(v["voucher_id"]) == 0


def test_a_reissue_racing_the_reversal_is_caught_by_the_transaction(api: Api,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The reversal read the chain before an admin re-issued: its condition (not replaced) fails, it looks again."""
    shop = api.retailer()
    [v] = api.vouchers(2500)
    redemption_id = _redeem(api, shop["api_key"], v["token"], 1000)
    stale = redemption.voucher_chain(v["voucher_id"])  # read now: one voucher, not replaced
    new = _block_and_reissue(api, v["voucher_id"])
    real, calls = redemption.voucher_chain, []

    def first_stale(voucher_id: str) -> list[Voucher]:
        calls.append(voucher_id)
        return stale if len(calls) == 1 else real(voucher_id)

    monkeypatch.setattr(redemption, "voucher_chain", first_stale)
    rev = api.json("POST", f"/api/v1/redemptions/{redemption_id}/reversal", token=shop["api_key"], expect=201)
    assert len(calls) >= 2 and rev["credited_voucher_id"] == new["voucher_id"]
    assert _balance(v["voucher_id"]) == 0 and _balance(new["voucher_id"]) == 2500


def test_reversal_onto_a_blocked_voucher_keeps_it_blocked_and_reissue_carries_it(api: Api) -> None:
    shop = api.retailer()
    [v] = api.vouchers(2500)
    redemption_id = _redeem(api, shop["api_key"], v["token"], 1000)
    api.json("POST", f"/api/v1/vouchers/{v['voucher_id']}/block", token=ADMIN_TOKEN, expect=200)
    api.json("POST", f"/api/v1/redemptions/{redemption_id}/reversal", token=shop["api_key"], expect=201)
    stored = Voucher.get(v["voucher_id"], consistent_read=True)
    assert stored.status == "blocked" and int(stored.balance_cents) == 2500  # still the holder's money, frozen
    new = api.json("POST", f"/api/v1/vouchers/{v['voucher_id']}/reissue", token=ADMIN_TOKEN, expect=201)["voucher"]
    assert new["balance_cents"] == 2500


def test_reversal_on_an_expired_voucher_is_refused(api: Api) -> None:
    shop = api.retailer()
    [v] = api.vouchers(2500, expires_at="2099-01-01T00:00:00+01:00")
    redemption_id = _redeem(api, shop["api_key"], v["token"], 1000)
    clock.shift((clock.parse_iso("2099-01-01T00:00:00+01:00") - clock.now()).total_seconds() + 1)
    answer = api.json("POST", f"/api/v1/redemptions/{redemption_id}/reversal", token=ADMIN_TOKEN, expect=409)
    assert answer["error"]["code"] == "voucher_expired"
    assert _balance(v["voucher_id"]) == 1500 and _ledger_sum(v["voucher_id"]) == 1500

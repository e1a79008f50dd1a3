"""redeem and reverse_redemption: money leaves and returns to a voucher, exactly once, in one transaction each.

A redemption is one TransactWriteItems of four actions:
  - ConditionCheck: the retailer is active and this is still its key (disabled means refused at once),
  - Put: the immutable ledger entry,
  - Put: the idempotency record holding the full answer,
  - Update: balance := expected - amount, on condition balance = expected, active and not expired.
DynamoDB transactions return no values, yet the answer must state the new balance; a compare-and-set on a known
balance gives it without a read. The expected balance comes from the till (`expected_balance_cents`, which the
scanner has just shown), else from this process's last sight of the voucher, else from one read. When the guess is
stale, the cancelled transaction hands back the current item (ALL_OLD), so the retry needs no read either.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.core import auth, clock, metrics
from chalicelib.core.auth import Principal
from chalicelib.core.errors import AppError, bad_request, conflict, forbidden, not_found, unauthorized, unprocessable
from chalicelib.core.ids import time_ordered_id
from chalicelib.signing import keystore
from chalicelib.signing.token import InvalidToken
from chalicelib.store.models import IdempotencyRecord
from chalicelib.store.transactions import transaction
from chalicelib.vouchers import views
from chalicelib.vouchers.models import ACTIVE, LedgerEntry, Retailer, Voucher

REVERSAL_WINDOW = timedelta(minutes=30)
IDEMPOTENCY_TTL = timedelta(days=7)
MAX_ATTEMPTS = 12


def invalid_token() -> AppError:
    return bad_request("invalid_token", "This code is not a valid voucher of this town.")


class _BalanceHints:
    """Last known balance per voucher in this process; only a guess for the compare-and-set, never trusted."""

    def __init__(self, size: int = 5000) -> None:
        self._items: OrderedDict[str, int] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, voucher_id: str) -> int | None:
        with self._lock:
            return self._items.get(voucher_id)

    def put(self, voucher_id: str, balance: int) -> None:
        with self._lock:
            self._items[voucher_id] = balance
            self._items.move_to_end(voucher_id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


balance_hints = _BalanceHints()


def verify_token(token: Any) -> str:
    try:
        return keystore.keyring().verify(token).voucher_id
    except InvalidToken:
        raise invalid_token() from None


def _request_hash(voucher_id: str, amount_cents: int) -> str:
    return hashlib.sha256(f"redeem|{voucher_id}|{amount_cents}".encode()).hexdigest()


def _replay(scope_key: str, request_hash: str) -> dict[str, Any]:
    try:
        record = IdempotencyRecord.get(scope_key, consistent_read=True)
    except DoesNotExist:  # pragma: no cover - the transaction just saw it
        raise conflict("conflict", "Please retry.") from None
    if record.request_hash != request_hash:
        raise unprocessable("idempotency_key_reused",
                            "This Idempotency-Key was used for a different request; use a new key per attempt.")
    return json.loads(record.response)


def _voucher_refusal(item: Voucher | None, amount_cents: int, now_epoch: int) -> AppError | None:
    """Why the voucher's condition failed, or None when only our expected balance was stale."""
    if item is None:
        return invalid_token()
    if item.status != ACTIVE:
        return conflict("voucher_blocked", "This voucher is blocked and cannot be redeemed.")
    if int(item.expires_at) <= now_epoch:
        return conflict("voucher_expired", "This voucher has expired.")
    if int(item.balance_cents) < amount_cents:
        return conflict("insufficient_balance",
                        f"Only {int(item.balance_cents) / 100:.2f} € left on this voucher.".replace(".", ","),
                        balance_cents=int(item.balance_cents))
    return None


def _reason_item(reason: Any) -> Voucher | None:
    if reason is None or not getattr(reason, "raw_item", None):
        return None
    return Voucher.from_raw_data(reason.raw_item)


def redeem(principal: Principal, token: Any, amount_cents: int, idempotency_key: str,
           expected_balance_cents: int | None = None) -> tuple[int, dict[str, Any]]:
    """Take `amount_cents` off the voucher for this retailer. Returns (status, answer): 201 new, 201 replayed."""
    voucher_id = verify_token(token)
    request_hash = _request_hash(voucher_id, amount_cents)
    scope_key = f"redeem#{principal.subject_id}#{idempotency_key}"
    expected = expected_balance_cents if expected_balance_cents is not None else balance_hints.get(voucher_id)
    if expected is None:
        try:
            expected = int(Voucher.get(voucher_id, consistent_read=True).balance_cents)
        except DoesNotExist:
            raise invalid_token() from None

    for _ in range(MAX_ATTEMPTS):
        now = clock.now()
        now_epoch = int(now.timestamp())
        entry_id = time_ordered_id()
        answer = {
            "redemption_id": views.redemption_id(voucher_id, entry_id),
            "voucher_id": voucher_id,
            "amount_cents": amount_cents,
            "balance_cents": expected - amount_cents,
            "retailer_id": principal.subject_id,
            "created_at": clock.iso_ms(now),
        }
        entry = LedgerEntry(voucher_id, entry_id, kind="redemption", amount_cents=-amount_cents,
                            created_at=answer["created_at"], retailer_id=principal.subject_id, zone=principal.zone,
                            actor=principal.subject_id)
        record = IdempotencyRecord(scope_key, request_hash=request_hash, status=201,
                                   response=json.dumps(answer), expires_at=now + IDEMPOTENCY_TTL)
        try:
            with transaction() as tx:
                tx.condition_check(Retailer, principal.subject_id,
                                   condition=(Retailer.status == ACTIVE) & (Retailer.key_hash == principal.key_hash))
                tx.save(entry, condition=LedgerEntry.entry_id.does_not_exist())
                tx.save(record, condition=IdempotencyRecord.scope_key.does_not_exist())
                tx.update(Voucher(voucher_id), actions=[Voucher.balance_cents.set(expected - amount_cents)],
                          condition=(Voucher.balance_cents == expected) & (Voucher.balance_cents >= amount_cents)
                          & (Voucher.status == ACTIVE)
                          & (Voucher.expires_at > now_epoch),
                          return_values="ALL_OLD")
        except TransactWriteError as err:
            reasons = err.cancellation_reasons
            if not reasons:
                if err.cause_response_code in ("TransactionConflictException", "ThrottlingException"):
                    continue
                raise
            retailer_r, _entry_r, idem_r, voucher_r = (reasons + [None] * 4)[:4]
            if idem_r is not None and idem_r.code == "ConditionalCheckFailed":
                return 201, _replay(scope_key, request_hash)
            if retailer_r is not None and retailer_r.code == "ConditionalCheckFailed":
                auth.forget(principal.key_hash)
                raise unauthorized("This retailer key is no longer valid.") from None
            if any(r is not None and r.code == "TransactionConflict" for r in reasons):
                continue
            if voucher_r is not None and voucher_r.code == "ConditionalCheckFailed":
                item = _reason_item(voucher_r)
                refusal = _voucher_refusal(item, amount_cents, now_epoch)
                if item is not None:
                    balance_hints.put(voucher_id, int(item.balance_cents))
                if refusal is not None:
                    raise refusal from None
                expected = int(item.balance_cents)  # type: ignore[union-attr]
                continue
            raise
        balance_hints.put(voucher_id, answer["balance_cents"])
        metrics.redeemed(amount_cents)  # only here: a replayed request redeemed nothing
        return 201, answer
    raise conflict("busy", "This voucher is being redeemed elsewhere right now; please retry.")


def _load_redemption(redemption_id: str) -> LedgerEntry:
    parsed = views.parse_redemption_id(redemption_id)
    if parsed is None:
        raise not_found("No such redemption.")
    try:
        entry = LedgerEntry.get(parsed[0], parsed[1], consistent_read=True)
    except DoesNotExist:
        raise not_found("No such redemption.") from None
    if entry.kind != "redemption":
        raise not_found("No such redemption.")
    return entry


def reverse_redemption(principal: Principal, redemption_id: str) -> tuple[int, dict[str, Any]]:
    """Storno: the same retailer within 30 minutes, or admin at any time. Once; a repeat returns the same answer."""
    entry = _load_redemption(redemption_id)
    if principal.role != auth.ADMIN:
        if entry.retailer_id != principal.subject_id:
            raise forbidden("Only the retailer who made a redemption may reverse it.")
        made = clock.parse_iso(entry.created_at)
        if clock.now() - made > REVERSAL_WINDOW:
            raise conflict("reversal_window_closed",
                           "Redemptions can be reversed at the till for 30 minutes; please ask the city.")
    amount = -int(entry.amount_cents)
    reversal_id = f"{entry.entry_id}r"
    now = clock.now()
    reversal = LedgerEntry(entry.voucher_id, reversal_id, kind="reversal", amount_cents=amount,
                           created_at=clock.iso_ms(now), retailer_id=entry.retailer_id, zone=entry.zone,
                           reverses=entry.entry_id, actor=principal.subject_id)
    try:
        with transaction() as tx:
            tx.save(reversal, condition=LedgerEntry.entry_id.does_not_exist())
            tx.update(Voucher(entry.voucher_id), actions=[Voucher.balance_cents.add(amount)],
                      condition=Voucher.voucher_id.exists())
        status = 201
    except TransactWriteError as err:
        reasons = err.cancellation_reasons
        if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
            reversal = LedgerEntry.get(entry.voucher_id, reversal_id, consistent_read=True)
            status = 200
        else:
            raise
    voucher = Voucher.get(entry.voucher_id, consistent_read=True)
    balance_hints.put(voucher.voucher_id, int(voucher.balance_cents))
    return status, {
        "reversal_id": f"rv_{entry.voucher_id}_{reversal.entry_id}",
        "redemption_id": redemption_id,
        "voucher_id": entry.voucher_id,
        "amount_cents": amount,
        "balance_cents": int(voucher.balance_cents),
        "retailer_id": entry.retailer_id,
        "created_at": reversal.created_at,
    }

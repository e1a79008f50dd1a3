"""redeem and reverse_redemption: money leaves and returns to a voucher, exactly once, in one transaction each.

A redemption is one TransactWriteItems of seven named actions:
  - "retailer" (condition check): the retailer is active and this is still its key (disabled: refused at once),
  - "entry" (put): the immutable ledger entry,
  - "idempotency" (put): the idempotency record holding the full answer,
  - "voucher" (update): balance := expected - amount, on condition balance = expected, active and not expired,
  - "totals:..." (3 updates): ADD to this shop's month, zone-day and zone-month totals (docs/reports.md).
DynamoDB transactions return no values, yet the answer must state the new balance; a compare-and-set on a known
balance gives it without a read. The expected balance comes from the till (`expected_balance_cents`, which the
scanner has just shown), else from this process's last sight of the voucher, else from one read. When the guess is
stale, the cancelled transaction hands back the current item (ALL_OLD), so the retry needs no read either.

Contention (several tills on one voucher): when that retry finds the balance changed again, the next transaction
decrements instead ("voucher" update `balance -= amount` on condition `balance >= amount`), which concurrent
redemptions cannot invalidate, and one consistent read gives the balance for the answer. So a redemption is refused
only when the balance does not suffice (or the voucher is blocked or expired), and `busy` comes only from the
transaction core when DynamoDB itself keeps refusing (conflicts, throttling) for its bounded retry time.

Results, not HTTP: `Redeemed`, `Replayed` (same Idempotency-Key) or `Refused` (vouchers/rules.py says why);
`Reversed` for a storno. The routes choose statuses.
"""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

from pynamodb.exceptions import DoesNotExist

from chalicelib.core import auth, cache, clock, metrics
from chalicelib.core.auth import Principal
from chalicelib.core.errors import DomainError, forbidden, not_found, unauthorized
from chalicelib.core.ids import time_ordered_id
from chalicelib.signing import keystore
from chalicelib.signing.token import InvalidToken
from chalicelib.store import idempotency
from chalicelib.store.models import IdempotencyRecord
from chalicelib.store.transactions import TransactionBusy, TransactionCancelled, transaction
from chalicelib.vouchers import views
from chalicelib.vouchers.bookkeeping import add_totals
from chalicelib.vouchers.models import ACTIVE, BLOCKED, LedgerEntry, Retailer, Voucher
from chalicelib.vouchers.rules import Refused, bonus_share, credit_refusal, refusal, reversal_refusal
from chalicelib.vouchers.totals import FORWARDED, Terms

MAX_ATTEMPTS = 12  # reversals: a chain that keeps moving (re-issued meanwhile) is looked at again
CAS_ATTEMPTS = 2  # compare-and-sets that may find the balance changed before decrementing instead


class Redeemed(NamedTuple):
    """Money left the voucher just now."""

    redemption_id: str
    voucher_id: str
    amount_cents: int
    balance_cents: int
    retailer_id: str
    created_at: str


class Replayed(NamedTuple):
    """The same Idempotency-Key again: the redemption made the first time, unchanged."""

    redemption: Redeemed


class Reversed(NamedTuple):
    """The storno of a redemption; `new` is False when it had been reversed already (the same answer again)."""

    reversal_id: str
    redemption_id: str
    voucher_id: str
    amount_cents: int
    balance_cents: int
    retailer_id: str
    created_at: str
    new: bool
    credited_voucher_id: str  # the holder's voucher that got the money: the redeemed one, or its replacement


def invalid_token() -> DomainError:
    return DomainError("invalid_token", "This code is not a valid voucher of this town.")


def refusal_error(refused: Refused) -> DomainError:
    """The user-safe error for a refused redemption (the route raises it)."""
    if refused.code == "voucher_blocked":
        return DomainError("voucher_blocked", "This voucher is blocked and cannot be redeemed.")
    if refused.code == "voucher_expired":
        return DomainError("voucher_expired", "This voucher has expired.")
    if refused.code == "insufficient_balance":
        left = f"{(refused.balance_cents or 0) / 100:.2f}".replace(".", ",")
        return DomainError("insufficient_balance", f"Only {left} € left on this voucher.",
                           balance_cents=refused.balance_cents)
    return invalid_token()


class _BalanceHints:
    """Last known balance per voucher in this process (only a guess for the compare-and-set, never trusted), and
    its terms (initial value and bonus, which never change), so a redemption can book its bonus share unread."""

    def __init__(self) -> None:
        self._balances = cache.ttl("balance_hints", seconds=3600, maxsize=5000)
        self._terms = cache.ttl("voucher_terms", seconds=86_400, maxsize=5000)  # immutable: only memory bounds it

    def get(self, voucher_id: str) -> int | None:
        return self._balances.get(voucher_id)

    def terms(self, voucher_id: str) -> Terms | None:
        return self._terms.get(voucher_id)

    def put(self, voucher_id: str, balance: int, terms: Terms | None = None) -> None:
        self._balances.put(voucher_id, balance)
        if terms is not None:
            self._terms.put(voucher_id, terms)

    def seen(self, voucher: Voucher) -> None:
        self.put(voucher.voucher_id, int(voucher.balance_cents), terms_of(voucher))

    def clear(self) -> None:
        self._balances.clear()
        self._terms.clear()


def terms_of(voucher: Voucher) -> Terms:
    return Terms(int(voucher.initial_cents), int(voucher.bonus_cents or 0))


balance_hints = _BalanceHints()


def verify_token(token: Any) -> str:
    try:
        return keystore.keyring().verify(token).voucher_id
    except InvalidToken:
        raise invalid_token() from None


def _request_hash(voucher_id: str, amount_cents: int) -> str:
    return hashlib.sha256(f"redeem|{voucher_id}|{amount_cents}".encode()).hexdigest()


def _replay(scope_key: str, request_hash: str) -> Replayed:
    record = idempotency.stored(scope_key)
    if record is None:  # pragma: no cover - the transaction just saw it
        raise DomainError("conflict", "Please retry.")
    answer = idempotency.answer_of(record, request_hash)
    if answer["balance_cents"] is None:  # redeemed by decrement: the balance is read now, as for the first answer
        answer["balance_cents"] = _current_balance(answer["voucher_id"])
    return Replayed(Redeemed(**answer))


def _current_balance(voucher_id: str) -> int:
    balance = int(Voucher.get(voucher_id, consistent_read=True).balance_cents)
    balance_hints.put(voucher_id, balance)
    return balance


def redeem(principal: Principal, token: Any, amount_cents: int, idempotency_key: str,
           expected_balance_cents: int | None = None) -> Redeemed | Replayed | Refused:
    """Take `amount_cents` off the voucher for this retailer, once per Idempotency-Key."""
    voucher_id = verify_token(token)
    request_hash = _request_hash(voucher_id, amount_cents)
    scope_key = f"redeem#{principal.subject_id}#{idempotency_key}"
    expected = expected_balance_cents if expected_balance_cents is not None else balance_hints.get(voucher_id)
    terms = balance_hints.terms(voucher_id)
    if expected is None:
        try:
            voucher = Voucher.get(voucher_id, consistent_read=True)
        except DoesNotExist:
            return Refused("invalid_token")
        expected, terms = int(voucher.balance_cents), terms_of(voucher)

    decrement = False  # compare-and-set first (the answer's balance without a read); decrement under contention
    stale = 0
    while True:
        now = clock.now()
        now_epoch = int(now.timestamp())
        entry_id = time_ordered_id()
        redeemed = Redeemed(views.redemption_id(voucher_id, entry_id), voucher_id, amount_cents,
                            None if decrement else expected - amount_cents,  # type: ignore[arg-type]
                            principal.subject_id, clock.iso_ms(now))
        # The bonus share needs the voucher's terms; unknown here, they are assumed bonus-free and the condition
        # checks it (a voucher with bonus hands its terms back and the retry books them).
        bonus = bonus_share(amount_cents, terms.bonus_cents, terms.initial_cents) if terms else 0
        entry = LedgerEntry(voucher_id, entry_id, kind="redemption", amount_cents=-amount_cents,
                            created_at=redeemed.created_at, retailer_id=principal.subject_id, zone=principal.zone,
                            actor=principal.subject_id, paid_cents=-(amount_cents - bonus), bonus_cents=-bonus)
        record = idempotency.record(scope_key, request_hash, redeemed._asdict(), now)
        spendable = (Voucher.balance_cents >= amount_cents) & (Voucher.status == ACTIVE) & (
            Voucher.expires_at > now_epoch)
        if terms is None:
            spendable &= Voucher.bonus_cents.does_not_exist() | (Voucher.bonus_cents == 0)
        try:
            with transaction() as tx:
                tx.condition_check(Retailer, principal.subject_id, name="retailer",
                                   condition=(Retailer.status == ACTIVE) & (Retailer.key_hash == principal.key_hash))
                tx.save(entry, name="entry", condition=LedgerEntry.entry_id.does_not_exist())
                tx.save(record, name="idempotency", condition=IdempotencyRecord.scope_key.does_not_exist())
                if decrement:
                    tx.update(Voucher(voucher_id), name="voucher", actions=[Voucher.balance_cents.add(-amount_cents)],
                              condition=spendable)
                else:
                    tx.update(Voucher(voucher_id), name="voucher",
                              actions=[Voucher.balance_cents.set(expected - amount_cents)],
                              condition=(Voucher.balance_cents == expected) & spendable)
                add_totals(tx, [entry])
        except TransactionBusy:
            raise _busy() from None
        except TransactionCancelled as err:
            if "idempotency" in err.failed:
                return _replay(scope_key, request_hash)
            if "retailer" in err.failed:
                auth.forget(principal.key_hash)
                raise unauthorized("This retailer key is no longer valid.") from None
            if "voucher" not in err.failed:
                raise
            current = err.item("voucher", Voucher)
            if current is None:
                return Refused("invalid_token")
            balance_hints.seen(current)
            assumed_terms, terms = terms is None, terms_of(current)
            refused = refusal(current.status, int(current.expires_at), int(current.balance_cents), amount_cents,
                              now_epoch)
            if refused is not None:
                return refused
            if decrement and not assumed_terms:  # pragma: no cover - its condition is exactly "not refused"
                raise
            expected = int(current.balance_cents)  # only our expected balance (or the assumed terms) was stale
            stale += 1
            decrement = stale >= CAS_ATTEMPTS
            continue
        if decrement:
            redeemed = redeemed._replace(balance_cents=_current_balance(voucher_id))
        else:
            # Assumed terms that held mean the voucher has no bonus: its initial value does not matter for the split.
            balance_hints.put(voucher_id, redeemed.balance_cents, terms or Terms(initial_cents=0, bonus_cents=0))
        metrics.redeemed(amount_cents)  # only here: a replayed request redeemed nothing
        return redeemed


def _busy() -> DomainError:
    return DomainError("busy", "This voucher is being redeemed elsewhere right now; please retry.")


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


MAX_CHAIN = 20  # re-issues of one voucher; a longer chain is a data error, not a holder


def voucher_chain(voucher_id: str) -> list[Voucher]:
    """The voucher and its replacements (`replaced_by`), oldest first: the last one is the holder's voucher now."""
    try:
        chain = [Voucher.get(voucher_id, consistent_read=True)]
    except DoesNotExist:
        raise not_found("No such voucher.") from None
    while chain[-1].replaced_by and len(chain) < MAX_CHAIN:
        chain.append(Voucher.get(chain[-1].replaced_by, consistent_read=True))
    return chain


def credit_condition(now_epoch: int) -> Any:
    """What a voucher must be to take money back: the holder's current one (not replaced), its money not refunded
    to the buyer, not expired. Held by DynamoDB in the crediting transaction, not read before it."""
    return (Voucher.voucher_id.exists() & Voucher.replaced_by.does_not_exist() & Voucher.refunded_at.does_not_exist()
            & (Voucher.expires_at > now_epoch))


def credit_refusal_error(code: str) -> DomainError:
    if code == "voucher_refunded":
        return DomainError("voucher_refunded", "The money on this voucher went back to the buyer, so it cannot take "
                           "a reversal; please settle with the customer directly.")
    return DomainError("voucher_expired", "This voucher has expired, so a reversal could never be spent; please "
                       "settle with the customer directly.")


def reverse_redemption(principal: Principal, redemption_id: str) -> Reversed:
    """Storno: the same retailer within 30 minutes, or admin at any time. Once; a repeat returns the same answer.

    The money goes back to the holder's voucher *now*: a re-issued voucher's reversal follows its replacements to
    the current one (reissue_out/reissue_in entries carry it there); a voucher whose money was refunded to the buyer,
    or that has expired, is refused (409 voucher_refunded / voucher_expired). docs/money-rules.md.
    """
    entry = _load_redemption(redemption_id)
    refused = reversal_refusal(is_admin=principal.role == auth.ADMIN,
                               same_retailer=entry.retailer_id == principal.subject_id,
                               redeemed_at=clock.parse_iso(entry.created_at), now=clock.now())
    if refused == "forbidden":
        raise forbidden("Only the retailer who made a redemption may reverse it.")
    if refused is not None:
        raise DomainError("reversal_window_closed",
                          "Redemptions can be reversed at the till for 30 minutes; please ask the city.")
    amount = -int(entry.amount_cents)
    reversal_id = f"{entry.entry_id}r"
    if entry.bonus_cents is not None:
        bonus = -int(entry.bonus_cents)  # the storno takes back exactly the split the redemption booked
    else:  # a redemption booked before entries carried their split
        terms = terms_of(Voucher.get(entry.voucher_id, consistent_read=True))
        bonus = bonus_share(amount, terms.bonus_cents, terms.initial_cents)
    for attempt in range(MAX_ATTEMPTS):
        existing = _existing_reversal(entry.voucher_id, reversal_id) if attempt else None  # after a cancel only
        if existing is not None:
            return _reversed(redemption_id, entry, existing, new=False)
        chain = voucher_chain(entry.voucher_id)
        current = chain[-1]
        now = clock.now()
        now_epoch = int(now.timestamp())
        code = credit_refusal(refunded=bool(current.refunded_at), expires_at_epoch=int(current.expires_at),
                              now_epoch=now_epoch)
        if code is not None:
            existing = _existing_reversal(entry.voucher_id, reversal_id)
            if existing is not None:  # reversed before the refund or expiry: the same answer again
                return _reversed(redemption_id, entry, existing, new=False)
            raise credit_refusal_error(code)
        created = clock.iso_ms(now)
        # Money credited to a blocked voucher stays frozen there (the liability's `blocked`); the credit is
        # conditional on the status seen, so a block or unblock in between makes it look again.
        reversal = LedgerEntry(entry.voucher_id, reversal_id, kind="reversal", amount_cents=amount, created_at=created,
                               retailer_id=entry.retailer_id, zone=entry.zone, reverses=entry.entry_id,
                               actor=principal.subject_id, paid_cents=amount - bonus, bonus_cents=bonus,
                               from_status=BLOCKED if current.status == BLOCKED else None)
        try:
            with transaction() as tx:
                tx.save(reversal, name="reversal", condition=LedgerEntry.entry_id.does_not_exist())
                forwarded = _forward(tx, chain, amount, bonus, created, principal.subject_id) if len(chain) > 1 else []
                tx.update(Voucher(current.voucher_id), name="voucher", actions=[Voucher.balance_cents.add(amount)],
                          condition=credit_condition(now_epoch) & (Voucher.status == current.status))
                add_totals(tx, [reversal, *forwarded])
        except TransactionBusy:
            raise _busy() from None
        except TransactionCancelled as err:
            if not err.failed:
                raise
            continue  # already reversed, or the chain moved on (re-issued, refunded, expired): look again
        balance = int(Voucher.get(current.voucher_id, consistent_read=True).balance_cents)
        balance_hints.put(current.voucher_id, balance)
        return _reversed(redemption_id, entry, reversal, new=True, credited=current.voucher_id, balance=balance)
    raise _busy()


def _forward(tx: Any, chain: list[Voucher], amount: int, bonus: int, created: str, actor: str) -> list[LedgerEntry]:
    """The reversed money passes through the re-issued voucher to the current one: reissue_out on the first,
    reissue_in on the last, each link of the chain checked unchanged (nobody re-issues in between). Both entries
    are marked `forwarded`: a transfer between the holder's own vouchers, which the totals leave out (the reversal
    is what the city books)."""
    first, current = chain[0], chain[-1]
    entry_id = time_ordered_id()
    out = LedgerEntry(first.voucher_id, entry_id, kind="reissue_out", amount_cents=-amount, created_at=created,
                      actor=actor, note=f"reversal forwarded to {current.voucher_id}", paid_cents=-(amount - bonus),
                      bonus_cents=-bonus, from_status=FORWARDED)
    into = LedgerEntry(current.voucher_id, entry_id, kind="reissue_in", amount_cents=amount, created_at=created,
                       actor=actor, note=f"reversal on {first.voucher_id}", paid_cents=amount - bonus,
                       bonus_cents=bonus, from_status=FORWARDED)
    tx.save(out, name="forward_out", condition=LedgerEntry.entry_id.does_not_exist())
    tx.save(into, name="forward_in", condition=LedgerEntry.entry_id.does_not_exist())
    for link, successor in zip(chain, chain[1:], strict=False):
        if link is not current:
            tx.condition_check(Voucher, link.voucher_id, name=f"link:{link.voucher_id}",
                               condition=Voucher.replaced_by == successor.voucher_id)
    return [out, into]


def _existing_reversal(voucher_id: str, reversal_id: str) -> LedgerEntry | None:
    try:
        return LedgerEntry.get(voucher_id, reversal_id, consistent_read=True)
    except DoesNotExist:
        return None


def _reversed(redemption_id: str, entry: LedgerEntry, reversal: LedgerEntry, *, new: bool,
              credited: str | None = None, balance: int | None = None) -> Reversed:
    if credited is None or balance is None:
        current = voucher_chain(entry.voucher_id)[-1]
        credited, balance = current.voucher_id, int(current.balance_cents)
    return Reversed(f"rv_{entry.voucher_id}_{reversal.entry_id}", redemption_id, entry.voucher_id,
                    int(reversal.amount_cents), balance, entry.retailer_id, reversal.created_at, new, credited)

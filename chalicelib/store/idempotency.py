"""Idempotency-Key records: the one mechanism for every request that must not happen twice (redemptions, admin
issuing, orders). A record holds a hash of the request and the full answer; it is written in the same transaction
as the effect where the effect fits in one, so a retry finds either nothing (and does it) or the answer.

Same key + same request: the stored answer again. Same key + another request: `idempotency_key_reused` (422).
Keys are scoped by operation and caller (`<operation>#<caller>#<key>`); records expire after a week (TTL).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.core.errors import DomainError
from chalicelib.store.models import IdempotencyRecord

TTL = timedelta(days=7)
DONE = 201
IN_PROGRESS = 202  # a multi-step effect began under this key; a retry completes it (admin issuing)


def request_hash(operation: str, *parts: Any) -> str:
    return hashlib.sha256("|".join([operation, *(json.dumps(p, sort_keys=True) for p in parts)]).encode()).hexdigest()


def record(scope_key: str, request_hash_: str, answer: Any, now: datetime, status: int = DONE) -> IdempotencyRecord:
    return IdempotencyRecord(scope_key, request_hash=request_hash_, status=status, response=json.dumps(answer),
                             expires_at=now + TTL)


def stored(scope_key: str) -> IdempotencyRecord | None:
    try:
        return IdempotencyRecord.get(scope_key, consistent_read=True)
    except DoesNotExist:
        return None


def answer_of(rec: IdempotencyRecord, request_hash_: str) -> Any:
    """The stored answer, if the record was made for this very request."""
    if rec.request_hash != request_hash_:
        raise DomainError("idempotency_key_reused",
                          "This Idempotency-Key was used for a different request; use a new key per attempt.")
    return json.loads(rec.response)

"""Fixed-window rate limits in DynamoDB (shared by every Lambda instance): one conditional ADD per request."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.core import clock
from chalicelib.core.errors import rate_limited


def hit(scope: str, client: str, per_minute: int) -> None:
    """Count one request of `client` in this minute; `rate_limited` beyond `per_minute`. Stored only hashed."""
    import hashlib

    from pynamodb.exceptions import UpdateError

    from chalicelib.store.models import RateCounter

    now = clock.now()
    minute = now.strftime("%Y%m%d%H%M")
    digest = hashlib.sha256(f"{scope}|{client}|{minute}".encode()).hexdigest()[:32]
    counter = RateCounter(f"{scope}#{digest}")
    try:
        counter.update(
            actions=[RateCounter.hits.add(1), RateCounter.expires_at.set(now + timedelta(minutes=5))],
            condition=RateCounter.hits.does_not_exist() | (RateCounter.hits < per_minute),
        )
    except UpdateError as err:
        if err.cause_response_code == "ConditionalCheckFailedException":
            raise rate_limited() from None
        raise

"""Is the store there? `unavailable(err)` recognises a store that did not answer in time (after the bounded retries
of settings.Settings.aws_*) behind whatever PynamoDB or botocore wrapped it in; `ping()` is /readyz's one cheap read.
"""

from __future__ import annotations

from typing import Any

# botocore's names, compared by class name so that this module imports no AWS library
TRANSPORT_ERRORS = {"ReadTimeoutError", "ConnectTimeoutError", "EndpointConnectionError", "ConnectionClosedError",
                    "ConnectTimeout", "ReadTimeout", "ProxyConnectionError"}
OVERLOAD_CODES = {"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
                  "InternalServerError", "ServiceUnavailable", "InternalFailure"}


def _chain(err: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[Any] = [err]
    while todo and len(seen) < 10:
        e = todo.pop()
        if not isinstance(e, BaseException) or any(e is s for s in seen):
            continue
        seen.append(e)
        todo.extend([getattr(e, "cause", None), e.__cause__, e.__context__])
    return seen


def unavailable(err: BaseException) -> bool:
    for e in _chain(err):
        if any(cls.__name__ in TRANSPORT_ERRORS for cls in type(e).__mro__):
            return True
        code = getattr(e, "cause_response_code", None) or (getattr(e, "response", None) or {}).get(
            "Error", {}).get("Code")
        if code in OVERLOAD_CODES:
            return True
    return False


def ping() -> None:
    """One GetItem of a key that never exists: answered means the store is there (DoesNotExist is the answer)."""
    from pynamodb.exceptions import DoesNotExist

    from chalicelib.store.models import IdempotencyRecord

    try:
        IdempotencyRecord.get("readyz#probe")
    except DoesNotExist:
        pass

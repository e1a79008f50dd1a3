"""What differs between the deployed stages. Everything else is the same template."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    name: str
    prod: bool  # deletion protection, tables kept when the stack goes
    log_retention_days: int
    alarm_5xx_rate: float  # share of API requests answered 5xx within 5 minutes
    alarm_min_requests: int  # below this many requests in 5 minutes a single error is no rate
    # In front of the app: API Gateway answers 429 itself beyond these, before a Lambda runs or DynamoDB is billed.
    api_rate_per_second: int  # steady requests per second, the whole stage
    api_burst: int  # requests at once, the whole stage
    retailer_rate_per_second: int  # the retailer API (redemptions, history, statements), per method
    retailer_burst: int
    api_reserved_concurrency: int  # the API function never takes more of the account's Lambda concurrency


STAGES = {
    "dev": Stage("dev", prod=False, log_retention_days=14, alarm_5xx_rate=0.05, alarm_min_requests=10,
                 api_rate_per_second=20, api_burst=40, retailer_rate_per_second=10, retailer_burst=20,
                 api_reserved_concurrency=5),
    # A town ten times Billerbeck: ~400 tills; a Saturday peak is a few redemptions a second, page views a few tens.
    "prod": Stage("prod", prod=True, log_retention_days=90, alarm_5xx_rate=0.02, alarm_min_requests=10,
                  api_rate_per_second=200, api_burst=400, retailer_rate_per_second=50, retailer_burst=100,
                  api_reserved_concurrency=50),
}


def get(name: str) -> Stage:
    try:
        return STAGES[name]
    except KeyError:
        raise SystemExit(f"unknown stage {name!r}; choose one of {', '.join(STAGES)}") from None

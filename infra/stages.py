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


STAGES = {
    "dev": Stage("dev", prod=False, log_retention_days=14, alarm_5xx_rate=0.05, alarm_min_requests=10),
    "prod": Stage("prod", prod=True, log_retention_days=90, alarm_5xx_rate=0.02, alarm_min_requests=10),
}


def get(name: str) -> Stage:
    try:
        return STAGES[name]
    except KeyError:
        raise SystemExit(f"unknown stage {name!r}; choose one of {', '.join(STAGES)}") from None

"""The cost model of docs/cost-model.md as code: `python -m infra.cost` prints the table the document shows.

Prices: published AWS on-demand list prices, us-east-1, USD, as of 2025 (DynamoDB from the project reference).
"""

from __future__ import annotations

from dataclasses import dataclass, field

PRICES = {
    "api_gateway_rest_per_million": 3.50,  # REST API (Chalice), first 333 M requests
    "lambda_per_million_requests": 0.20,
    "lambda_per_gb_second": 0.0000166667,  # x86_64
    "dynamodb_per_million_writes": 0.625,  # on-demand write request units
    "dynamodb_per_million_reads": 0.125,  # on-demand read request units
    "dynamodb_storage_per_gb_month": 0.25,
    "dynamodb_pitr_per_gb_month": 0.20,
    "logs_ingest_per_gb": 0.50,
    "logs_storage_per_gb_month": 0.03,
    "custom_metric_per_month": 0.30,
    "alarm_metric_per_month": 0.10,  # standard resolution, per metric in an alarm
    "secret_per_month": 0.40,
    "secret_per_10k_calls": 0.05,
    "ses_per_1000_mails": 0.10,
}


@dataclass(frozen=True)
class Town:
    """A month in a town like Billerbeck (assumptions in docs/cost-model.md)."""

    voucher_requests: int = 7_000  # 500 redemptions (10,000 EUR at ~20 EUR), 250 orders, balance checks, pages, admin
    voucher_writes: int = 12_500  # redemption: 4-item transaction (x2) + 2 GSI writes; orders ~20 units each
    wlan_sessions: int = 9_000  # ~300 guests a day on ~10 gateways
    requests_per_session: int = 6  # splash, accept, wait-page refreshes, capport
    writes_per_session: int = 8  # grant, session, hourly counters, distinct devices, rate limits
    gateways: int = 10
    authmon_polls_per_minute: float = 2  # openNDS levels 3/4 poll the FAS; levels 1/2 and Meraki: 0
    sensors: int = 10
    footfall_interval_minutes: int = 15  # one request per sensor and interval
    writes_per_record: int = 3  # raw measurement + hourly bucket
    other_reads: int = 100_000
    scheduled_invocations: int = 4_350  # reconciliation every 10 min + daily key rotation
    memory_gb: float = 0.5
    average_seconds: float = 0.05
    log_bytes_per_request: int = 700  # START/END/REPORT + one JSON access line
    log_retention_months: int = 3
    stored_gb: float = 0.5  # five years of ledger + footfall measurements
    custom_metrics: int = 6
    alarm_metrics: int = 46  # 2 per table (21 tables with every domain) + 2 for the 5xx rate + 2 scheduled fns
    secrets: int = 4  # admin token, voucher keys, Stripe, page-cursor key
    secret_calls: int = 6_000  # cold starts x secrets read (cached per container)
    mails: int = 330
    prices: dict[str, float] = field(default_factory=lambda: dict(PRICES))


def monthly(town: Town) -> dict[str, float]:
    p = town.prices
    polls = town.gateways * town.authmon_polls_per_minute * 60 * 24 * 30
    records = town.sensors * (60 / town.footfall_interval_minutes) * 24 * 30
    requests = town.voucher_requests + town.wlan_sessions * town.requests_per_session + records + polls
    invocations = requests + town.scheduled_invocations
    writes = town.voucher_writes + town.wlan_sessions * town.writes_per_session + records * town.writes_per_record
    reads = town.other_reads + polls  # one Query per authmon poll
    logs_gb = requests * town.log_bytes_per_request / 1e9
    return {
        "API Gateway": requests / 1e6 * p["api_gateway_rest_per_million"],
        "Lambda requests": invocations / 1e6 * p["lambda_per_million_requests"],
        "Lambda compute": invocations * town.memory_gb * town.average_seconds * p["lambda_per_gb_second"],
        "DynamoDB writes": writes / 1e6 * p["dynamodb_per_million_writes"],
        "DynamoDB reads": reads / 1e6 * p["dynamodb_per_million_reads"],
        "DynamoDB storage + PITR": town.stored_gb * (p["dynamodb_storage_per_gb_month"]
                                                     + p["dynamodb_pitr_per_gb_month"]),
        "CloudWatch Logs": logs_gb * (p["logs_ingest_per_gb"]
                                      + town.log_retention_months * p["logs_storage_per_gb_month"]),
        "Custom metrics (EMF)": town.custom_metrics * p["custom_metric_per_month"],
        "Alarms": town.alarm_metrics * p["alarm_metric_per_month"],
        "Secrets Manager": town.secrets * p["secret_per_month"] + town.secret_calls / 1e4 * p["secret_per_10k_calls"],
        "SES mails": town.mails / 1000 * p["ses_per_1000_mails"],
        "_requests": requests,
        "_writes": writes,
        "_reads": reads,
    }


def total(costs: dict[str, float]) -> float:
    return round(sum(v for k, v in costs.items() if not k.startswith("_")), 2)


SCENARIOS = {
    "no polling (openNDS levels 1-2 / Meraki)": Town(authmon_polls_per_minute=0),
    "authmon every 30 s (levels 3-4)": Town(authmon_polls_per_minute=2),
    "authmon every 5 s (levels 3-4)": Town(authmon_polls_per_minute=12),
}


def table() -> str:
    names = [k for k in monthly(Town()) if not k.startswith("_")]
    results = {label: monthly(town) for label, town in SCENARIOS.items()}
    lines = ["| USD / month | " + " | ".join(results) + " |", "|---|" + "---:|" * len(results)]
    for row in ("_requests", "_writes", "_reads"):
        label = {"_requests": "API requests", "_writes": "DynamoDB write units", "_reads": "DynamoDB read units"}[row]
        lines.append(f"| {label} | " + " | ".join(f"{int(r[row]):,}" for r in results.values()) + " |")
    for name in names:
        lines.append(f"| {name} | " + " | ".join(f"{r[name]:.2f}" for r in results.values()) + " |")
    lines.append("| **Total** | " + " | ".join(f"**{total(r):.2f}**" for r in results.values()) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
